"""A pseudo-translation that shows which texts on a page bypass the catalogs.

Every msgstr of the pseudo catalogs is its msgid between ``⟦`` and ``⟧`` (placeholders
untouched), so on a page served in the pseudo-locale any readable text outside the markers
was not translated: it was hard-coded, assembled from pieces or shown from a code. The
pseudo-locale is Esperanto (``eo``): a locale CLDR knows, written left to right with two
plural forms, and not one this platform ships.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog

from ppp_assess.i18n import catalogs

PSEUDO_LOCALE = "eo"
OPEN = "⟦"
CLOSE = "⟧"


def pseudo_translate(text: str) -> str:
    """Return ``text`` marked as translated: ``⟦text⟧``."""
    return f"{OPEN}{text}{CLOSE}"


def pseudo_catalog(template: Catalog, locale: str = PSEUDO_LOCALE) -> Catalog:
    """Return a catalog of ``locale`` translating every message of ``template`` by markers."""
    catalog = Catalog(locale=locale, domain=template.domain, project="ppp-assess", version="1",
                      charset="utf-8", fuzzy=False)
    for message in template:
        if not message.id:
            continue
        if isinstance(message.id, (list, tuple)):
            singular, plural = message.id[0], message.id[-1]
            string: str | tuple[str, ...] = (pseudo_translate(singular),) + (
                pseudo_translate(plural),) * (catalog.num_plurals - 1)
        else:
            string = pseudo_translate(message.id)
        catalog.add(message.id, string, context=message.context, flags=message.flags)
    return catalog


def write_pseudo_catalogs(directory: Path, locale: str = PSEUDO_LOCALE,
                          templates: dict[str, Catalog] | None = None) -> list[Path]:
    """Write and compile the pseudo catalogs of ``locale`` into ``directory``.

    :param templates: the template of each domain; by default a fresh extraction of the
        sources, so strings added since the last ``extract`` are covered too.
    :return: the compiled ``.mo`` paths.
    """
    for domain in catalogs.DOMAINS:
        template = (templates or {}).get(domain) or catalogs.extract_template(domain)
        path = catalogs.catalog_path(locale, domain, directory)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(catalogs.render_po(pseudo_catalog(template, locale), domain=domain),
                        encoding="utf-8")
    return catalogs.compile_catalogs(directory, only=[locale])
