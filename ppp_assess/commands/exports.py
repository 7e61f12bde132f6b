"""``flask --app wsgi export``: write the decided assessments of a questionnaire to a file."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import force_locale
from sqlalchemy.orm import Session

from ppp_assess import presentation
from ppp_assess.commands.progress import progress
from ppp_assess.services import exports
from ppp_assess.services.errors import NotFound
from ppp_assess.services.questionnaires import questionnaire_of
from ppp_assess.unit_of_work import get_database


@click.command("export")
@click.option("--questionnaire", "questionnaire_id", required=True,
              help="Questionnaire id, for example people-first.")
@click.option("--version", "version", default=None,
              help="Questionnaire version (default: the newest published).")
@click.option("--format", "file_format", type=click.Choice(["csv", "xlsx"]), default=None,
              help="File format (default: from OUTFILE's extension, else csv).")
@click.option("--lang", "language", default=None,
              help="Language of the labels (default: the default locale).")
@click.argument("outfile", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@with_appcontext
def export_command(questionnaire_id: str, version: str | None, file_format: str | None,
                   language: str | None, outfile: Path) -> None:
    """Export the approved and certified assessments of a questionnaire to OUTFILE.

    One row per assessment; for every question its answer as a code, as words in the
    chosen language, and the comment. Formula-like text is made inert.
    """
    # A long export only reads: it never holds the write lock that the application needs.
    with get_database().reading() as session:
        _export(session, questionnaire_id, version, file_format, language, outfile)


def _export(session: Session, questionnaire_id: str, version: str | None,
            file_format: str | None, language: str | None, outfile: Path) -> None:
    from ppp_assess.web.locale import available_locales

    try:
        found = exports.find_version(session, questionnaire_id, version)
    except NotFound as error:
        raise click.ClickException(
            f"No published questionnaire {questionnaire_id!r}"
            + (f" version {version!r}" if version else "") + ".") from error
    chosen_format = file_format or ("xlsx" if outfile.suffix.lower() == ".xlsx" else "csv")
    locale = language or current_app.config.get("BABEL_DEFAULT_LOCALE", "en")
    offered = available_locales(current_app)
    if locale not in offered:
        raise click.ClickException(
            f"Unknown or uncompiled language {locale!r}; offered: {', '.join(offered)}.")
    questionnaire = questionnaire_of(found)
    header = exports.export_header(questionnaire)
    with force_locale(locale):
        localiser = presentation.localiser(locale)
        total = exports.count_export_rows(session, found)
        if chosen_format == "xlsx":
            rows = progress(exports.iter_export_rows(session, found, localiser=localiser),
                            total=total, label="Exporting assessments")
            count = exports.write_xlsx(outfile, header, rows,
                                       exports.column_descriptions(questionnaire, localiser))
        else:
            lines = progress(exports.iter_csv_lines(session, found, localiser=localiser),
                             total=total, label="Exporting assessments")
            with outfile.open("w", encoding="utf-8", newline="") as target:
                count = exports.write_csv(target, header, lines)
    click.echo(f"Wrote {count} assessments of {found.questionnaire_id} {found.version} "
               f"to {outfile} ({chosen_format}, {locale}).")
