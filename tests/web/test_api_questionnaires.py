"""The questionnaire endpoints of the API, with texts in the language asked for."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo

from ppp_assess.services.questionnaires import publish_directory
from tests.web.test_assessments import publish_sample

ROOT = Path(__file__).resolve().parents[2]


def _compile(directory: Path, domain: str, messages: dict[str, str]) -> None:
    catalog = Catalog(locale="fr", domain=domain)
    for msgid, text in messages.items():
        catalog.add(msgid, text)
    target = directory / "fr" / "LC_MESSAGES"
    target.mkdir(parents=True, exist_ok=True)
    with (target / f"{domain}.mo").open("wb") as handle:
        write_mo(handle, catalog)


@pytest.fixture
def french_app(make_app, tmp_path):
    """An app offering French, with a catalog for the sample questionnaire's texts."""
    translations = tmp_path / "translations"
    _compile(translations, "messages", {"Choose one of the options.": "Choisissez une option."})
    _compile(translations, "questionnaires", {
        "Sample integrity checklist": "Liste de contrôle d'intégrité",
        "Is there a written integrity policy?": "Existe-t-il une politique d'intégrité écrite ?",
        "Yes": "Oui",
        "Basics": "Bases",
    })
    # One directory per domain, as the application configures it.
    directories = f"{translations};{translations}"
    return make_app(flask_overrides={"WTF_CSRF_ENABLED": False, "SERVER_NAME": None,
                                     "BABEL_TRANSLATION_DIRECTORIES": directories})


def test_list_is_public_and_gives_the_newest_versions(app, db) -> None:
    publish_directory(db, ROOT / "questionnaires")
    publish_sample(db)
    db.commit()
    response = app.test_client().get("/api/v1/questionnaires")
    assert response.status_code == 200
    items = {item["id"]: item for item in response.get_json()["questionnaires"]}
    assert {"zero-tolerance-corruption", "people-first", "web-sample"} <= set(items)
    assert items["web-sample"] == {**items["web-sample"], "version": "1.0",
                                   "subject": "organisation", "sections": 2, "questions": 7,
                                   "title": "Sample integrity checklist"}


def test_detail_gives_the_definition_and_404_for_unknown(app, db) -> None:
    publish_sample(db)
    db.commit()
    client = app.test_client()
    body = client.get("/api/v1/questionnaires/web-sample").get_json()
    assert body["version"] == "1.0" and body["lang"] is None
    assert body["definition"]["sections"][0]["questions"][0]["id"] == "policy"
    assert body["definition"]["title"] == "Sample integrity checklist"
    assert client.get("/api/v1/questionnaires/web-sample?version=1.0").status_code == 200
    assert client.get("/api/v1/questionnaires/web-sample?version=9.9").status_code == 404
    assert client.get("/api/v1/questionnaires/nope").status_code == 404


def test_lang_translates_every_text_of_the_definition(french_app) -> None:
    from ppp_assess.unit_of_work import get_database

    with french_app.app_context():
        session = get_database(french_app).new_session(write=True)
        publish_sample(session)
        session.commit()
        session.close()
    client = french_app.test_client()
    body = client.get("/api/v1/questionnaires/web-sample?lang=fr").get_json()
    definition = body["definition"]
    assert body["lang"] == "fr"
    assert definition["title"] == "Liste de contrôle d'intégrité"
    assert definition["sections"][0]["title"] == "Bases"
    question = definition["sections"][0]["questions"][0]
    assert question["text"] == "Existe-t-il une politique d'intégrité écrite ?"
    assert definition["answer_sets"]["compliance"][0]["label"] == "Oui"
    # Ids, values and references are data, not text: they stay as they are.
    assert question["id"] == "policy" and question["reference"] == "Test 1"
    assert definition["answer_sets"]["compliance"][0]["value"] == "yes"
    untranslated = client.get("/api/v1/questionnaires/web-sample").get_json()
    assert untranslated["definition"]["title"] == "Sample integrity checklist"
    listing = client.get("/api/v1/questionnaires?lang=fr").get_json()["questionnaires"]
    assert [item["title"] for item in listing] == ["Liste de contrôle d'intégrité"]


def test_unknown_language_is_refused(app, db) -> None:
    publish_sample(db)
    db.commit()
    response = app.test_client().get("/api/v1/questionnaires/web-sample?lang=xx")
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {"lang": "unknown"}
