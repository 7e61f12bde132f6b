"""XLSForm workbooks from the API and the command line, checked by pyxform."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask_babel import force_locale
from flask_babel import gettext as _
from openpyxl import load_workbook

from ppp_assess.domain.loader import load_questionnaire, questionnaire_from_dict
from ppp_assess.services.questionnaires import publish_questionnaire
from ppp_assess.services.xlsform import import_xlsform
from ppp_assess.web.xlsform import workbook_languages, xlsform_workbook

ROOT = Path(__file__).resolve().parents[2]
#: Every questionnaire file, whatever version: new files are covered when they land.
FILES = sorted((ROOT / "questionnaires").glob("*.yaml"))
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.mark.parametrize("path", FILES, ids=lambda path: path.name)
def test_pyxform_turns_every_exported_workbook_into_a_valid_xform(app, path) -> None:
    from pyxform.xls2xform import convert

    questionnaire = load_questionnaire(path)
    with app.app_context():
        languages = workbook_languages()
        data = xlsform_workbook(questionnaire)
    warnings: list[str] = []
    # ODK Validate (shipped with pyxform) needs Java; without it pyxform still checks
    # the form and builds the XForm.
    result = convert(io.BytesIO(data), warnings=warnings,
                     validate=shutil.which("java") is not None)
    assert warnings == []
    assert f'id="{questionnaire.id}"' in result.xform
    assert f'version="{questionnaire.version}"' in result.xform
    for question in questionnaire.all_questions():
        assert f"/{questionnaire.section_of(question.id).id}/{question.id}\"" in result.xform
    for language in languages:
        assert f'<translation lang="{language.suffix}"' in result.xform


@pytest.mark.parametrize("path", FILES, ids=lambda path: path.name)
def test_round_trip_with_the_catalogs_gives_the_same_file_and_translations(app, path) -> None:
    questionnaire = load_questionnaire(path)
    with app.app_context():
        data = xlsform_workbook(questionnaire)
        result = import_xlsform(io.BytesIO(data))
        assert result.report == []
        assert questionnaire_from_dict(result.document).to_dict() == questionnaire.to_dict()
        languages = [language.code for language in workbook_languages() if language.code != "en"]
        assert set(result.translations) == set(languages)
        for code in languages:
            with force_locale(code):
                for msgid in questionnaire.msgids():
                    assert result.translations[code].get(msgid, msgid) == _(msgid)


def test_api_gives_the_workbook_of_the_newest_or_named_version(app, db) -> None:
    version = publish_questionnaire(db, load_questionnaire(FILES[0])).version
    db.commit()
    client = app.test_client()
    response = client.get(f"/api/v1/questionnaires/{version.questionnaire_id}/xlsform")
    assert response.status_code == 200
    assert response.mimetype == XLSX
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="{version.questionnaire_id}-{version.version}.xlsx"')
    workbook = load_workbook(io.BytesIO(response.data), read_only=True)
    assert {"survey", "choices", "settings"} <= set(workbook.sheetnames)
    named = client.get(f"/api/v1/questionnaires/{version.questionnaire_id}/xlsform"
                       f"?version={version.version}")
    assert named.status_code == 200
    for url in (f"/api/v1/questionnaires/{version.questionnaire_id}/xlsform?version=9.9",
                "/api/v1/questionnaires/no-such-thing/xlsform"):
        missing = client.get(url)
        assert missing.status_code == 404
        assert missing.get_json()["error"]["code"] == "not_found"


def test_cli_exports_and_imports_back(app, db, runner, tmp_path) -> None:
    version = publish_questionnaire(db, load_questionnaire(FILES[0])).version
    db.commit()
    workbook = tmp_path / "form.xlsx"
    result = runner.invoke(args=["questionnaires", "export-xlsform", version.questionnaire_id,
                                 "--version", version.version, "-o", str(workbook)])
    assert result.exit_code == 0, result.output
    assert "Wrote" in result.output and workbook.stat().st_size > 0
    target = tmp_path / "draft.yaml"
    result = runner.invoke(args=["questionnaires", "import-xlsform", str(workbook),
                                 "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert "Everything was mapped." in result.output
    assert "valid questionnaire" in result.output
    assert load_questionnaire(target).to_dict() == load_questionnaire(FILES[0]).to_dict()
    french = tmp_path / "draft.fr.po"
    with french.open("rb") as handle:
        catalog = read_po(handle)
    assert len(catalog) > 10


def test_cli_reports_what_it_cannot_map_and_an_invalid_result(app, runner, tmp_path) -> None:
    from ppp_assess.services.xlsform import write_sheets

    workbook = tmp_path / "foreign.xlsx"
    write_sheets(workbook, {
        "survey": [["type", "name", "label"], ["geopoint", "where", "Where?"]],
        "settings": [["form_title", "form_id"], ["Foreign", "foreign"]],
    })
    result = runner.invoke(args=["questionnaires", "import-xlsform", str(workbook),
                                 "-o", str(tmp_path / "foreign.yaml")])
    assert result.exit_code == 1
    assert "survey row 2, column type: the type 'geopoint' has no equivalent" in result.output
    assert "not yet a valid questionnaire" in result.output


def test_cli_refuses_an_unknown_questionnaire(app, runner, tmp_path) -> None:
    result = runner.invoke(args=["questionnaires", "export-xlsform", "nothing",
                                 "-o", str(tmp_path / "x.xlsx")])
    assert result.exit_code != 0
    assert "No published questionnaire 'nothing'" in result.output
