"""``flask --app wsgi translations ...``: the catalog workflow of docs/translating.md.

The same commands run without the app as ``python -m ppp_assess.i18n ...``: production
refuses to start while a configured language has no compiled catalogs, so compiling must
not need a working app.
"""

from __future__ import annotations

import os
from pathlib import Path

import click
from flask import current_app, has_app_context
from flask.cli import ScriptInfo

from ppp_assess.i18n import catalogs


def _directory() -> Path:
    """Return the translations folder: the app's setting, else PPP_ASSESS_TRANSLATIONS."""
    from ppp_assess.config import get_settings

    if has_app_context():
        return Path(get_settings(current_app).translations_dir)
    context = click.get_current_context(silent=True)
    info = context.find_object(ScriptInfo) if context is not None else None
    if info is not None:
        return Path(get_settings(info.load_app()).translations_dir)
    return Path(os.environ.get("PPP_ASSESS_TRANSLATIONS") or catalogs.TRANSLATIONS_DIR)


def _only(locales: tuple[str, ...]) -> list[str] | None:
    return list(locales) or None


_locale_option = click.option(
    "--locale", "-l", "selected", multiple=True, metavar="CODE",
    help="Only this locale (repeatable). Default: every catalog.")


@click.group("translations")
def translations_group() -> None:
    """Maintain the translation catalogs (see docs/translating.md)."""


@translations_group.command("extract")
def translations_extract() -> None:
    """Extract every translatable text into translations/*.pot."""
    for path, changed in catalogs.extract(_directory()):
        click.echo(f"{'wrote' if changed else 'unchanged'} {path}")


@translations_group.command("update")
@click.option("--locale", "-l", "new_locales", multiple=True, metavar="CODE",
              help="Create this locale's catalogs if they do not exist (repeatable).")
def translations_update(new_locales: tuple[str, ...]) -> None:
    """Merge the templates into every catalog (no fuzzy guesses; stale entries dropped)."""
    try:
        written = catalogs.update(new_locales, _directory())
    except catalogs.CatalogError as error:
        raise click.ClickException(str(error)) from error
    for path, changed in written:
        click.echo(f"{'updated' if changed else 'unchanged'} {path}")


@translations_group.command("compile")
@_locale_option
def translations_compile(selected: tuple[str, ...]) -> None:
    """Compile the catalogs (.po) into the files the app reads (.mo); fail on any error."""
    try:
        written = catalogs.compile_catalogs(_directory(), only=_only(selected))
    except catalogs.CatalogError as error:
        raise click.ClickException(f"the catalogs have errors, nothing was compiled:\n{error}"
                                   ) from error
    click.echo(f"compiled {len(written)} catalogs")


@translations_group.command("status")
@_locale_option
def translations_status(selected: tuple[str, ...]) -> None:
    """Show how complete every catalog is; exit 1 if any is incomplete."""
    try:
        entries = catalogs.status(_directory(), only=_only(selected))
    except catalogs.CatalogError as error:
        raise click.ClickException(str(error)) from error
    for entry in entries:
        mark = "ok" if entry.complete else "INCOMPLETE"
        click.echo(f"{entry.locale:6} {entry.domain:15} {entry.translated:5}/{entry.total:<5} "
                   f"{entry.percent:3d} %  fuzzy {entry.fuzzy:<4} missing {entry.missing:<4} "
                   f"{mark}")
    if not all(entry.complete for entry in entries):
        raise SystemExit(1)


@translations_group.command("check")
@_locale_option
@click.option("--details", default=5, show_default=True,
              help="How many untranslated texts to name per catalog.")
def translations_check(selected: tuple[str, ...], details: int) -> None:
    """Fail unless the catalogs are complete, not fuzzy, up to date and error-free."""
    try:
        problems = catalogs.check(_directory(), only=_only(selected), details=details)
    except catalogs.CatalogError as error:
        raise click.ClickException(str(error)) from error
    for problem in problems:
        click.echo(str(problem), err=True)
    if problems:
        raise click.ClickException(f"{len(problems)} problems")
    click.echo("all catalogs are complete")


@translations_group.command("pseudo")
@click.option("--output", "-o", type=click.Path(file_okay=False, path_type=Path),
              required=True, help="A folder for the pseudo catalogs (not translations/).")
def translations_pseudo(output: Path) -> None:
    """Write the pseudo-locale eo, in which every translated text reads ⟦like this⟧."""
    from ppp_assess.i18n.pseudo import PSEUDO_LOCALE, write_pseudo_catalogs

    if output.resolve() == _directory().resolve():
        raise click.ClickException("write the pseudo-locale outside the translations folder")
    written = write_pseudo_catalogs(output)
    click.echo(f"compiled {len(written)} pseudo catalogs of {PSEUDO_LOCALE} into {output}")
    click.echo(f"See them with: PPP_ASSESS_TRANSLATIONS={output} "
               f"PPP_ASSESS_LOCALES=en,{PSEUDO_LOCALE} flask --app wsgi run, then ?lang=eo")
