"""Extract, update, compile and report on the translation catalogs.

Two domains live in ``translations/``: ``messages`` (the interface: Python code and
templates) and ``questionnaires`` (every translatable text of the questionnaire files).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from ppp_assess.config import PROJECT_ROOT

TRANSLATIONS_DIR = PROJECT_ROOT / "translations"
DOMAINS = ("messages", "questionnaires")
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
}
COMMENT_TAGS = ("TRANSLATORS:",)

# (source folder, glob, extraction method, options) per domain.
SOURCES: dict[str, list[tuple[Path, str, str, dict[str, str]]]] = {
    "messages": [
        (PROJECT_ROOT / "ppp_assess", "**.py", "python", {}),
        (PROJECT_ROOT / "ppp_assess", "web/templates/**.html", "jinja2",
         {"trimmed": "true", "extensions": "jinja2.ext.do"}),
    ],
    "questionnaires": [
        (PROJECT_ROOT / "questionnaires", "*.yaml", "ppp_assess.i18n.extract:extract_questionnaire",
         {}),
    ],
}


@dataclass(frozen=True)
class CatalogStatus:
    """How complete one catalog is."""

    locale: str
    domain: str
    total: int
    translated: int
    fuzzy: int

    @property
    def complete(self) -> bool:
        """Return whether every message is translated and none is fuzzy."""
        return self.translated == self.total and self.fuzzy == 0


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
            strip_comment_tags=True,
        ):
            catalog.add(message, None, [(filename, lineno)], auto_comments=comments,
                        context=context)
    return catalog


def render_po(catalog: Catalog) -> str:
    """Return ``catalog`` as stable PO text: sorted, unwrapped, without creation date."""
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=0, no_location=True, sort_output=True,
             include_previous=False)
    text = buffer.getvalue().decode("utf-8")
    # The dates change on every run and would make every extraction a diff.
    return re.sub(r'^"(POT-Creation-Date|PO-Revision-Date): [^"]*\\n"\n', "", text,
                  flags=re.MULTILINE)


def extract(directory: Path = TRANSLATIONS_DIR) -> list[Path]:
    """Write the ``.pot`` template of every domain and return their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for domain in DOMAINS:
        path = template_path(domain, directory)
        path.write_text(render_po(extract_template(domain)), encoding="utf-8")
        written.append(path)
    return written


def locales(directory: Path = TRANSLATIONS_DIR) -> list[str]:
    """Return the locales that have a catalog folder."""
    return sorted(p.name for p in directory.iterdir() if (p / "LC_MESSAGES").is_dir())


def update(new_locales: Iterable[str] = (), directory: Path = TRANSLATIONS_DIR) -> list[Path]:
    """Merge the templates into every catalog (creating those of ``new_locales``)."""
    written = []
    targets = sorted(set(locales(directory)) | set(new_locales))
    for domain in DOMAINS:
        with template_path(domain, directory).open("rb") as handle:
            template = read_po(handle)
        for locale in targets:
            path = catalog_path(locale, domain, directory)
            if path.exists():
                with path.open("rb") as handle:
                    catalog = read_po(handle, locale=locale)
            else:
                catalog = Catalog(locale=locale, domain=domain, project="ppp-assess",
                                  version="1", charset="utf-8", fuzzy=False)
            # No fuzzy matching: a guessed translation shown to a user is worse than none.
            catalog.update(template, no_fuzzy_matching=True, update_header_comment=False)
            catalog.obsolete.clear()
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(render_po(catalog), encoding="utf-8")
            written.append(path)
    return written


def compile_catalogs(directory: Path = TRANSLATIONS_DIR) -> list[Path]:
    """Compile every ``.po`` catalog to ``.mo`` and return the compiled paths.

    :raises ValueError: when a catalog has errors (for example mismatched placeholders).
    """
    written = []
    for po_path in sorted(directory.glob("*/LC_MESSAGES/*.po")):
        locale = po_path.parent.parent.name
        with po_path.open("rb") as handle:
            catalog = read_po(handle, locale=locale)
        problems = [
            f"{po_path}: {message.id!r}: {error}"
            for message, errors in catalog.check()
            for error in errors
        ]
        if problems:
            raise ValueError("\n".join(problems))
        mo_path = po_path.with_suffix(".mo")
        with mo_path.open("wb") as handle:
            write_mo(handle, catalog, use_fuzzy=False)
        written.append(mo_path)
    return written


def _is_translated(message: Message) -> bool:
    if message.fuzzy:
        return False
    if isinstance(message.string, tuple):
        return all(message.string)
    return bool(message.string)


def status(directory: Path = TRANSLATIONS_DIR) -> list[CatalogStatus]:
    """Return the completeness of every catalog."""
    results = []
    for locale in locales(directory):
        for domain in DOMAINS:
            path = catalog_path(locale, domain, directory)
            if not path.exists():
                results.append(CatalogStatus(locale, domain, 0, 0, 0))
                continue
            with path.open("rb") as handle:
                catalog = read_po(handle, locale=locale)
            messages = [message for message in catalog if message.id]
            results.append(
                CatalogStatus(
                    locale=locale,
                    domain=domain,
                    total=len(messages),
                    translated=sum(1 for message in messages if _is_translated(message)),
                    fuzzy=sum(1 for m in messages if m.fuzzy),
                )
            )
    return results
