"""Each glossary term is translated the same way in the interface and the questionnaires.

docs/glossary.md is the reference. A catalog entry whose English text is a glossary term
(a label such as "Not applicable" or a level name) must carry the glossary's rendering,
in the interface catalog and in the questionnaire catalog alike; and a few terms of
art, wherever they occur in a longer text, must keep the glossary's word.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ppp_assess.i18n.catalogs import catalog_path, read_catalog

ROOT = Path(__file__).resolve().parents[2]
GLOSSARY = ROOT / "docs" / "glossary.md"
LANGUAGES = ("fr", "ru", "es", "ar", "zh")
DOMAINS = ("messages", "questionnaires")

#: Terms of art whose glossary word (a stem, to allow for grammar) must appear in every
#: translation of a text that uses the English term.
STEMS: dict[str, dict[str, tuple[str, ...]]] = {
    "procurement": {"ar": ("اشتراء",)},
    "tailings": {"ru": ("хвост",)},
    "resilience": {"ru": ("устойчивост",)},
    "mining right": {"ru": ("недропользован",)},
    "not applicable": {"es": ("no procede",), "fr": ("sans objet",)},
}


#: Interface labels that share their English with a glossary term but mean something else.
NOT_THE_TERM = {
    "action": "the audit log's column heading, not the action to improve",
}


def glossary_rows() -> list[dict[str, str]]:
    """Return the glossary's rows as {language: term}, English under "en"."""
    rows = []
    columns = ("en", "fr", "ru", "es", "ar", "zh")
    for line in GLOSSARY.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) < 7 or cells[0] in ("English", "---"):
            continue
        rows.append(dict(zip(columns, cells[:6], strict=True)))
    return rows


def _variants(cell: str) -> set[str]:
    """Return the forms a glossary cell allows: "a / b" gives both; "(...)" is optional."""
    cell = cell.replace("†", "").strip()
    forms = set()
    for part in cell.split(" / "):
        part = part.strip()
        forms.add(_plain(part))
        forms.add(_plain(re.sub(r"\s*[（(][^)）]*[)）]", "", part)))
    return {form for form in forms if form}


def _plain(text: str) -> str:
    text = text.strip().strip(".。").casefold()
    # Arabic writes a label with or without the article: المجيب and مجيب are one term.
    return text[2:] if text.startswith("ال") else text


@pytest.fixture(scope="module")
def catalogs() -> dict[tuple[str, str], dict[str, str]]:
    found = {}
    for language in LANGUAGES:
        for domain in DOMAINS:
            catalog = read_catalog(catalog_path(language, domain), language)
            found[(language, domain)] = {
                message.id: message.string for message in catalog
                if message.id and isinstance(message.id, str) and isinstance(message.string, str)
                and message.string and not message.context
            }
    return found


def test_glossary_is_read() -> None:
    rows = glossary_rows()
    assert len(rows) > 40
    assert any(row["en"] == "not applicable" and row["es"] == "no procede" for row in rows)


@pytest.mark.parametrize("language", LANGUAGES)
def test_terms_given_alone_follow_the_glossary(catalogs, language: str) -> None:
    wrong = []
    for row in glossary_rows():
        if "/" in row["en"]:  # paired terms ("submit / submitted") are checked by hand
            continue
        allowed = _variants(row[language])
        for english in _variants(row["en"]) - set(NOT_THE_TERM):
            for domain in DOMAINS:
                for msgid, msgstr in catalogs[(language, domain)].items():
                    if _plain(msgid) == english and _plain(msgstr) not in allowed:
                        wrong.append(f"{domain}: {msgid!r} -> {msgstr!r},"
                                     f" glossary: {row[language]!r}")
    assert wrong == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_interface_and_questionnaires_agree(catalogs, language: str) -> None:
    interface = {_plain(key): _plain(value)
                 for key, value in catalogs[(language, "messages")].items()}
    terms = {english for row in glossary_rows() for english in _variants(row["en"])}
    differing = []
    for msgid, msgstr in catalogs[(language, "questionnaires")].items():
        key = _plain(msgid)
        if key in terms and key in interface and interface[key] != _plain(msgstr):
            differing.append(f"{msgid!r}: interface {interface[key]!r}, questionnaires {msgstr!r}")
    assert differing == []


@pytest.mark.parametrize(("term", "language"), [
    (term, language) for term, by_language in STEMS.items() for language in by_language])
def test_terms_of_art_keep_their_word_in_longer_texts(catalogs, term: str, language: str) -> None:
    stems = STEMS[term][language]
    pattern = re.compile(rf"\b{re.escape(term)}", re.IGNORECASE)
    missing = []
    for domain in DOMAINS:
        for msgid, msgstr in catalogs[(language, domain)].items():
            if pattern.search(msgid) and not any(stem in msgstr.casefold() for stem in stems):
                missing.append(f"{domain}: {msgid[:70]!r} -> {msgstr[:90]!r}")
    assert missing == []


def test_gendered_short_labels_carry_a_context() -> None:
    # One English word, several genders: a user is "Actif", an organisation "Active";
    # a certificate is "Отозван", an assessment "Отозвана".
    strings: dict[tuple[str, str | None, str], str] = {}
    for language in ("fr", "ru"):
        for message in read_catalog(catalog_path(language, "messages"), language):
            if message.id in ("Active", "Deactivated", "Revoked") and message.string:
                strings[(language, message.context, str(message.id))] = str(message.string)
    assert strings[("fr", "user", "Active")] != strings[("fr", "organisation", "Active")]
    assert strings[("fr", "user", "Deactivated")] != strings[("fr", "organisation", "Deactivated")]
    assert strings[("ru", "certificate", "Revoked")] != strings[("ru", None, "Revoked")]
    assert strings[("ru", None, "Revoked")] == "Отозвана"
