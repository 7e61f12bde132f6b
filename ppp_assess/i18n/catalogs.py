"""Extract, update, compile and check the translation catalogs.

Two domains live in ``translations/``: ``messages`` (the interface: Python code and
templates) and ``questionnaires`` (every translatable text of the questionnaire files).
The ``.pot`` templates and the ``.po`` catalogs are committed and written so that their
diffs stay reviewable: sorted by msgid, unwrapped, with source files but no line numbers,
and without the dates and tool versions that would change on every run. The compiled ``.mo`` files
are build products.
"""

from __future__ import annotations

import gettext
import io
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from ppp_assess.config import PROJECT_ROOT
from ppp_assess.i18n.placeholders import placeholder_problems

TRANSLATIONS_DIR = PROJECT_ROOT / "translations"
DOMAINS = ("messages", "questionnaires")
#: The language of the msgids; it has no catalog.
SOURCE_LOCALE = "en"
#: Domains whose texts are shown as they are, never %-formatted: a "%" in them ("50%", a
#: unit) is a literal character, so Babel must not guess ``python-format`` for them.
UNFORMATTED_DOMAINS = frozenset({"questionnaires"})
KEYWORDS = {
    "_": None,
    "gettext": None,
    "_l": None,
    "lazy_gettext": None,
    "N_": None,
    "ngettext": (1, 2),
    "lazy_ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
    "lazy_pgettext": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
    # Services raise errors whose first argument is the msgid shown to the user.
    "ServiceError": None,
    "NotFound": None,
    "Forbidden": None,
    "Invalid": None,
    "Conflict": None,
    "MissingAnswers": None,
    "TooLarge": None,
    "Unavailable": None,
}
COMMENT_TAGS = ("TRANSLATORS:",)
TEMPLATE_COMMENT = (
    "# Translation template of ppp-assess ({domain}).\n"
    "# Written by `flask --app wsgi translations extract`: do not edit by hand.\n"
    "#"
)
CATALOG_COMMENT = (
    "# {language} translation of ppp-assess ({domain}).\n"
    "# Merged by `flask --app wsgi translations update`; see docs/translating.md.\n"
    "#"
)
TRANSLATORS = "ppp-assess translators"

# (source folder, glob, extraction method, options) per domain.
SOURCES: dict[str, list[tuple[Path, str, str, dict[str, str]]]] = {
    "messages": [
        (PROJECT_ROOT / "ppp_assess", "**.py", "python", {}),
        (PROJECT_ROOT / "ppp_assess", "web/templates/**.html", "jinja2",
         {"trimmed": "true", "extensions": "jinja2.ext.do"}),
        # The reference lists' labels: plain strings in the pure domain, translated by views.
        (PROJECT_ROOT / "ppp_assess", "domain/reference.py",
         "ppp_assess.i18n.extract:extract_label_tables", {}),
    ],
    "questionnaires": [
        (PROJECT_ROOT / "questionnaires", "*.yaml", "ppp_assess.i18n.extract:extract_questionnaire",
         {}),
    ],
}

# Header lines that change with the clock or the tool version, not with the messages.
_VOLATILE_HEADERS = re.compile(
    r'^"(POT-Creation-Date|PO-Revision-Date|Generated-By): [^"]*\\n"\n', flags=re.MULTILINE)


class CatalogError(ValueError):
    """Raised when catalogs cannot be compiled or updated; the message lists every problem."""


@dataclass(frozen=True)
class CatalogStatus:
    """How complete one catalog is, measured against its template."""

    locale: str
    domain: str
    #: Messages in the template.
    total: int
    #: Template messages translated in the catalog (every plural form, not fuzzy).
    translated: int
    fuzzy: int
    #: Template messages absent from the catalog: ``flask translations update`` is due.
    missing: int = 0

    @property
    def complete(self) -> bool:
        """Return whether every message is translated and none is fuzzy or missing."""
        return self.translated == self.total and self.fuzzy == 0 and self.missing == 0

    @property
    def percent(self) -> int:
        """Return the share of translated messages, rounded down (100 only when complete)."""
        return 100 if self.total == 0 else self.translated * 100 // self.total


@dataclass(frozen=True)
class Problem:
    """Something wrong in a catalog."""

    path: Path
    text: str
    msgid: str | None = None

    def __str__(self) -> str:
        where = f"{self.path}: " + (f"{self.msgid!r}: " if self.msgid is not None else "")
        return where + self.text


def template_path(domain: str, directory: Path = TRANSLATIONS_DIR) -> Path:
    """Return the path of the ``.pot`` template of ``domain``."""
    return directory / f"{domain}.pot"


def catalog_path(locale: str, domain: str, directory: Path = TRANSLATIONS_DIR) -> Path:
    """Return the path of the ``.po`` catalog of ``locale`` and ``domain``."""
    return directory / locale / "LC_MESSAGES" / f"{domain}.po"


def extract_template(domain: str) -> Catalog:
    """Extract the messages of ``domain`` from the sources into a new template catalog."""
    catalog = Catalog(project="ppp-assess", version="1", charset="utf-8", fuzzy=False)
    for root, pattern, method, options in SOURCES[domain]:
        method_map = [(pattern, method)]
        options_map = {pattern: options}
        for filename, lineno, message, comments, context in extract_from_dir(
            str(root), method_map, options_map, keywords=KEYWORDS, comment_tags=COMMENT_TAGS,
            strip_comment_tags=True, directory_filter=_searched_directory,
        ):
            catalog.add(message, None, [(filename, lineno)], auto_comments=comments,
                        context=context)
    return normalise_flags(catalog, domain)


def _searched_directory(path: str) -> bool:
    """Return whether extraction looks into ``path``.

    Babel skips folders starting with "_" by default, which would miss
    ``templates/_macros``; only hidden folders and bytecode caches are skipped here.
    """
    name = Path(path).name
    return not name.startswith(".") and name != "__pycache__"


def normalise_flags(catalog: Catalog, domain: str) -> Catalog:
    """Undo Babel's format guesses in the domains whose texts are never formatted.

    Babel flags any text matching ``%…`` as ``python-format`` each time it builds a
    message (reading, merging), so this runs after each of those steps.
    """
    if domain in UNFORMATTED_DOMAINS:
        for message in catalog:
            if message.id:
                mark_unformatted(message)
    return catalog


def mark_unformatted(message: Message) -> None:
    """Stop Babel and msgfmt from reading a literal "%" or "{" as a placeholder."""
    message.flags.discard("python-format")
    message.flags.discard("python-brace-format")
    ids = message.id if isinstance(message.id, (list, tuple)) else [message.id]
    if any("%" in text for text in ids):
        message.flags.add("no-python-format")


def render_po(catalog: Catalog, *, domain: str) -> str:
    """Return ``catalog`` as stable PO text: sorted, unwrapped, without line numbers or
    volatile headers."""
    normalise_flags(catalog, domain)
    if catalog.locale is None:
        catalog.header_comment = TEMPLATE_COMMENT.format(domain=domain)
    else:
        language = catalog.locale.english_name or str(catalog.locale)
        catalog.header_comment = CATALOG_COMMENT.format(language=language, domain=domain)
        catalog.language_team = catalog.language_team.replace("<LL@li.org>", "").strip()
    catalog.msgid_bugs_address = ""
    if catalog.last_translator == "FULL NAME <EMAIL@ADDRESS>":
        catalog.last_translator = TRANSLATORS
    buffer = io.BytesIO()
    # File names without line numbers: translators see where a text is used, and moving
    # code inside a file changes nothing.
    write_po(buffer, catalog, width=0, sort_output=True, include_previous=False,
             include_lineno=False)
    return _VOLATILE_HEADERS.sub("", buffer.getvalue().decode("utf-8"))


def _write_if_changed(path: Path, text: str) -> bool:
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return True


def render_template_text(domain: str) -> str:
    """Return the text ``extract`` writes to the template of ``domain``."""
    return render_po(extract_template(domain), domain=domain)


def extract(directory: Path = TRANSLATIONS_DIR) -> list[tuple[Path, bool]]:
    """Write the ``.pot`` template of every domain.

    :return: every template's path with whether it changed.
    """
    return [(template_path(domain, directory),
             _write_if_changed(template_path(domain, directory), render_template_text(domain)))
            for domain in DOMAINS]


def locales(directory: Path = TRANSLATIONS_DIR) -> list[str]:
    """Return the locales that have a catalog folder."""
    if not directory.is_dir():
        return []
    return sorted(p.name for p in directory.iterdir() if (p / "LC_MESSAGES").is_dir())


def check_locale_code(code: str) -> str:
    """Return ``code`` if a catalog may be created for it.

    :raises CatalogError: for the source language or a code CLDR does not know.
    """
    if code == SOURCE_LOCALE:
        raise CatalogError(f"{SOURCE_LOCALE} is the source language: it needs no catalog.")
    try:
        Locale.parse(code)
    except (UnknownLocaleError, ValueError) as error:
        raise CatalogError(f"Unknown locale code {code!r} (use codes such as fr, zh or "
                           "pt_BR).") from error
    return code


def read_template(domain: str, directory: Path = TRANSLATIONS_DIR) -> Catalog:
    """Return the committed template of ``domain``.

    :raises CatalogError: when it is missing (run ``flask translations extract``).
    """
    path = template_path(domain, directory)
    if not path.exists():
        raise CatalogError(f"{path} is missing: run `flask --app wsgi translations extract`.")
    with path.open("rb") as handle:
        return normalise_flags(read_po(handle), domain)


def read_catalog(path: Path, locale: str) -> Catalog:
    """Return the catalog at ``path``."""
    with path.open("rb") as handle:
        return normalise_flags(read_po(handle, locale=locale, domain=path.stem), path.stem)


def update(new_locales: Iterable[str] = (), directory: Path = TRANSLATIONS_DIR,
           only: Sequence[str] | None = None) -> list[tuple[Path, bool]]:
    """Merge the templates into the catalogs, creating those of ``new_locales``.

    Nothing becomes fuzzy: a message whose source changed loses its translation instead
    of keeping a guessed one, because a fuzzy guess shown to a user is worse than English.
    Messages that left the template are dropped.

    :param only: update these locales only (default: every existing catalog folder).
    :return: every catalog's path with whether it changed.
    :raises CatalogError: for an unknown locale code or a missing template.
    """
    created = [check_locale_code(code) for code in new_locales]
    targets = sorted(set(only if only is not None else locales(directory)) | set(created))
    written = []
    for domain in DOMAINS:
        template = read_template(domain, directory)
        for locale in targets:
            path = catalog_path(locale, domain, directory)
            if path.exists():
                catalog = read_catalog(path, locale)
            else:
                catalog = Catalog(locale=locale, domain=domain, project="ppp-assess",
                                  version="1", charset="utf-8", fuzzy=False)
            merge_template(catalog, template)
            text = render_po(catalog, domain=domain)
            written.append((path, _write_if_changed(path, text)))
    return written


def merge_template(catalog: Catalog, template: Catalog) -> None:
    """Bring ``catalog`` in line with ``template`` without creating fuzzy translations."""
    was_fuzzy = {(message.context, _msgid(message)) for message in catalog
                 if message.id and message.fuzzy}
    catalog.update(template, no_fuzzy_matching=True, update_header_comment=False)
    catalog.obsolete.clear()
    normalise_flags(catalog, catalog.domain or "")
    for message in catalog:
        if message.id and message.fuzzy and (message.context, _msgid(message)) not in was_fuzzy:
            # Babel marks a message fuzzy when it turned plural or its forms changed;
            # start it again from nothing rather than keep a half-right translation.
            message.flags.discard("fuzzy")
            message.string = ("",) * catalog.num_plurals if message.pluralizable else ""


def _plural_function(catalog: Catalog) -> Callable[[int], int]:
    return gettext.c2py(catalog.plural_expr)


def catalog_problems(catalog: Catalog, path: Path) -> list[Problem]:
    """Return the errors that stop ``catalog`` from compiling: Babel's checks and placeholders."""
    problems = [Problem(path, str(error), _msgid(message))
                for message, errors in catalog.check() for error in errors]
    plural = _plural_function(catalog)
    for message in catalog:
        if message.id:
            problems.extend(Problem(path, text, _msgid(message))
                            for text in placeholder_problems(message, plural))
    return problems


def _msgid(message: Message) -> str:
    return str(message.id[0] if isinstance(message.id, (list, tuple)) else message.id)


def _catalog_files(directory: Path, only: Sequence[str] | None) -> list[tuple[str, Path]]:
    files = []
    for po_path in sorted(directory.glob("*/LC_MESSAGES/*.po")):
        locale = po_path.parent.parent.name
        if only is None or locale in only:
            files.append((locale, po_path))
    return files


def compile_catalogs(directory: Path = TRANSLATIONS_DIR,
                     only: Sequence[str] | None = None) -> list[Path]:
    """Compile the ``.po`` catalogs to ``.mo`` and return the compiled paths.

    Untranslated messages compile too (the page shows English for them); errors do not.

    :param only: compile these locales only (default: all).
    :raises CatalogError: listing every error of every catalog (mismatched placeholders,
        wrong number of plural forms); then nothing is written.
    """
    catalogs = [(po_path, read_catalog(po_path, locale))
                for locale, po_path in _catalog_files(directory, only)]
    problems = [problem for po_path, catalog in catalogs
                for problem in catalog_problems(catalog, po_path)]
    if problems:
        raise CatalogError("\n".join(str(problem) for problem in problems))
    written = []
    for po_path, catalog in catalogs:
        mo_path = po_path.with_suffix(".mo")
        with mo_path.open("wb") as handle:
            write_mo(handle, catalog, use_fuzzy=False)
        written.append(mo_path)
    return written


def is_translated(message: Message) -> bool:
    """Return whether ``message`` has a translation for every form and is not fuzzy."""
    if message.fuzzy:
        return False
    if isinstance(message.string, (list, tuple)):
        return all(message.string)
    return bool(message.string)


def _keys(catalog: Catalog) -> dict[object, Message]:
    return {(message.context, _msgid(message)): message for message in catalog if message.id}


def catalog_status(locale: str, domain: str, directory: Path = TRANSLATIONS_DIR,
                   template: Catalog | None = None) -> CatalogStatus:
    """Return how complete the catalog of ``locale`` and ``domain`` is."""
    template = template or read_template(domain, directory)
    expected = _keys(template)
    path = catalog_path(locale, domain, directory)
    present = _keys(read_catalog(path, locale)) if path.exists() else {}
    matched = [present[key] for key in expected if key in present]
    return CatalogStatus(
        locale=locale,
        domain=domain,
        total=len(expected),
        translated=sum(1 for message in matched if is_translated(message)),
        fuzzy=sum(1 for message in matched if message.fuzzy),
        missing=len(expected) - len(matched),
    )


def status(directory: Path = TRANSLATIONS_DIR,
           only: Sequence[str] | None = None) -> list[CatalogStatus]:
    """Return the completeness of every catalog (of ``only`` these locales if given)."""
    targets = list(only) if only is not None else locales(directory)
    templates = {domain: read_template(domain, directory) for domain in DOMAINS}
    return [catalog_status(locale, domain, directory, templates[domain])
            for locale in targets for domain in DOMAINS]


def check(directory: Path = TRANSLATIONS_DIR, only: Sequence[str] | None = None,
          details: int = 5) -> list[Problem]:
    """Return every reason the catalogs are not ready to ship.

    A catalog is ready when it exists, matches its template (no message missing, none
    left over), translates every message without fuzzy flags, and compiles (placeholders
    match, plural forms are complete).

    :param only: check these locales only (default: every catalog folder).
    :param details: how many untranslated msgids to name per catalog.
    """
    problems: list[Problem] = []
    targets = list(only) if only is not None else locales(directory)
    for domain in DOMAINS:
        template = read_template(domain, directory)
        expected = _keys(template)
        for locale in targets:
            path = catalog_path(locale, domain, directory)
            if not path.exists():
                problems.append(Problem(path, "catalog missing: run `flask --app wsgi "
                                              f"translations update --locale {locale}`"))
                continue
            catalog = read_catalog(path, locale)
            present = _keys(catalog)
            absent = [key for key in expected if key not in present]
            extra = [key for key in present if key not in expected]
            if absent or extra:
                problems.append(Problem(path, f"out of date with {domain}.pot ({len(absent)} "
                                              f"missing, {len(extra)} extra): run "
                                              "`flask --app wsgi translations update`"))
            untranslated = [message for key, message in present.items()
                            if key in expected and not message.fuzzy
                            and not is_translated(message)]
            if untranslated:
                named = "; ".join(repr(_msgid(m)) for m in untranslated[:details])
                more = "…" if len(untranslated) > details else ""
                problems.append(Problem(path, f"{len(untranslated)} untranslated: {named}{more}"))
            problems.extend(Problem(path, "fuzzy (check the translation, then remove the "
                                          "fuzzy flag)", _msgid(message))
                            for message in present.values() if message.fuzzy)
            problems.extend(catalog_problems(catalog, path))
    return problems
