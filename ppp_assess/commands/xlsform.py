"""``flask --app wsgi questionnaires export-xlsform`` and ``import-xlsform``."""

from __future__ import annotations

from pathlib import Path

import click
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po
from flask.cli import with_appcontext

from ppp_assess.domain.loader import QuestionnaireError, load_questionnaire
from ppp_assess.services.errors import NotFound
from ppp_assess.services.exports import find_version
from ppp_assess.services.questionnaires import questionnaire_of
from ppp_assess.services.xlsform import WorkbookError, import_xlsform, questionnaire_yaml
from ppp_assess.unit_of_work import get_database
from ppp_assess.web.xlsform import xlsform_workbook


@click.command("export-xlsform")
@click.argument("questionnaire_id")
@click.option("--version", "version", default=None,
              help="Published version (default: the newest).")
@click.option("-o", "--output", "output", required=True,
              type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="The workbook to write (.xlsx).")
@with_appcontext
def export_xlsform_command(questionnaire_id: str, version: str | None, output: Path) -> None:
    """Write a published questionnaire version as an XLSForm workbook.

    Labels and hints come in every offered language; scores, weights, critical flags,
    references and levels go to `ppp_` columns and the `ppp_levels` sheet, which XLSForm
    tools ignore and `import-xlsform` reads back.
    """
    with get_database().reading() as session:
        try:
            found = find_version(session, questionnaire_id, version)
        except NotFound as error:
            raise click.ClickException(
                f"No published questionnaire {questionnaire_id!r}"
                + (f" version {version!r}" if version else "") + ".") from error
        questionnaire = questionnaire_of(found)
    output.write_bytes(xlsform_workbook(questionnaire))
    click.echo(f"Wrote {questionnaire.id} {questionnaire.version} "
               f"({len(questionnaire.all_questions())} questions) to {output}.")


@click.command("import-xlsform")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", "output", required=True,
              type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="The questionnaire file to write (.yaml).")
def import_xlsform_command(source: Path, output: Path) -> None:
    """Turn an XLSForm workbook into a draft questionnaire file.

    Writes OUTPUT, and beside it OUTPUT's name with `.LANG.po` for the texts of every
    other language column, to merge into the questionnaire catalogs. Prints what could
    not be mapped (sheet, row, column and why), then whether the file is a valid
    questionnaire; exits with 1 when it is not.
    """
    try:
        result = import_xlsform(source)
    except WorkbookError as error:
        raise click.ClickException(str(error)) from error
    text = questionnaire_yaml(result.document)
    output.write_text(text, encoding="utf-8")
    click.echo(f"Wrote {output}.")
    for code, messages in sorted(result.translations.items()):
        catalog = Catalog(locale=code, domain="questionnaires", project="ppp-assess")
        for msgid, msgstr in messages.items():
            catalog.add(msgid, msgstr)
        target = output.with_name(f"{output.stem}.{code}.po")
        with target.open("wb") as handle:
            write_po(handle, catalog, width=0)
        click.echo(f"Wrote {target} ({len(messages)} texts).")
    if result.report:
        click.echo(f"Not mapped ({len(result.report)}):")
        for line in result.report:
            click.echo(f"  {line}")
    else:
        click.echo("Everything was mapped.")
    try:
        load_questionnaire(text, filename=str(output))
    except QuestionnaireError as error:
        click.echo("The file is not yet a valid questionnaire:", err=True)
        click.echo(str(error), err=True)
        raise SystemExit(1) from error
    click.echo("The file is a valid questionnaire.")
