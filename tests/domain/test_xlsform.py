"""Questionnaires as XLSForm workbooks and back, and conditions as ``relevant``."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from ppp_assess.domain.loader import load_questionnaire, questionnaire_from_dict
from ppp_assess.domain.relevant import RelevantError, from_relevant, to_relevant
from ppp_assess.domain.schema import QuestionType
from ppp_assess.domain.xlsform import Language, build_xlsform, read_xlsform
from ppp_assess.services.xlsform import import_xlsform, read_sheets, write_sheets

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted((ROOT / "questionnaires").glob("*.yaml")) + sorted(
    (ROOT / "tests" / "data").glob("*.yaml"))
LANGUAGES = [Language("en", "English"), Language("fr", "Français"), Language("ar", "العربية")]
NOT_APPLICABLE = {"en": "Not applicable", "fr": "Sans objet", "ar": "لا ينطبق"}


def _fake_translations(questionnaire) -> dict[str, dict[str, str]]:
    return {"fr": {msgid: f"[fr] {msgid}" for msgid in questionnaire.msgids()},
            "ar": {msgid: f"[ar] {msgid}" for msgid in questionnaire.msgids()}}


def _through_xlsx(sheets):
    buffer = io.BytesIO()
    write_sheets(buffer, sheets)
    buffer.seek(0)
    return read_sheets(buffer)


@pytest.mark.parametrize("path", FILES, ids=lambda path: path.name)
def test_round_trip_gives_the_same_questionnaire_and_translations(path) -> None:
    questionnaire = load_questionnaire(path)
    translations = _fake_translations(questionnaire)
    sheets = build_xlsform(questionnaire, LANGUAGES, translations, NOT_APPLICABLE)
    result = read_xlsform(_through_xlsx(sheets))
    assert result.report == []
    back = questionnaire_from_dict(result.document)
    assert back.to_dict() == questionnaire.to_dict()
    assert back.content_hash == questionnaire.content_hash
    assert result.translations == translations


def test_the_workbook_has_the_xlsform_sheets_and_language_columns() -> None:
    questionnaire = load_questionnaire(ROOT / "tests" / "data" / "complete.yaml")
    sheets = build_xlsform(questionnaire, LANGUAGES, {}, NOT_APPLICABLE)
    assert {"survey", "choices", "settings"} <= set(sheets)
    header = sheets["survey"][0]
    for column in ("type", "name", "label::English (en)", "label::Français (fr)",
                   "hint::العربية (ar)", "required", "relevant", "ppp_weight", "ppp_critical"):
        assert column in header
    types = [row[0] for row in sheets["survey"][1:]]
    assert types[0] == "begin_group" and types[-1] == "end_group"
    settings = dict(zip(sheets["settings"][0], sheets["settings"][1], strict=True))
    assert settings["form_id"] == questionnaire.id
    assert settings["ppp_version"] == questionnaire.version
    assert settings["default_language"] == "English (en)"


def test_a_label_that_looks_like_a_formula_stays_text(tmp_path) -> None:
    sheets = {"survey": [["type", "label"], ["text", "=HYPERLINK(\"x\")"]]}
    rows = _through_xlsx(sheets)
    assert rows["survey"] == [(2, {"type": "text", "label": "=HYPERLINK(\"x\")"})]


TYPES = {"c": QuestionType.choice, "m": QuestionType.multi_choice, "s": QuestionType.scale,
         "n": QuestionType.number, "t": QuestionType.text}


@pytest.mark.parametrize("condition", [
    {"question": "c", "in": ["yes"]},
    {"question": "c", "in": ["yes", "partly"]},
    {"question": "m", "in": ["portal"]},
    {"question": "m", "not_in": ["none", "gazette"]},
    {"question": "s", "in": [3, "na"]},
    {"question": "s", "gte": 3},
    {"question": "s", "ne": 2},
    {"question": "n", "in": [5, 7.5]},
    {"question": "n", "not_in": ["na"]},
    {"question": "n", "lt": 2.5},
    {"question": "n", "eq": 10},
    {"all": [{"question": "c", "in": ["yes"]},
             {"any": [{"question": "n", "gt": 1}, {"question": "m", "not_in": ["x"]}]}]},
])
def test_every_condition_maps_to_relevant_and_back(condition) -> None:
    built = questionnaire_from_dict(_document(condition)).question("q").show_if
    assert built is not None
    assert from_relevant(to_relevant(built, TYPES), TYPES) == condition


def _document(condition):
    return {
        "id": "relevant", "version": "1.0", "subject": "organisation", "title": "T",
        "source": {"title": "S"},
        "scoring": {"levels": [{"id": "a", "min": 50, "label": "A"},
                               {"id": "b", "min": 0, "label": "B"}]},
        "sections": [{"id": "s1", "title": "S", "questions": [
            {"id": "c", "type": "choice", "text": "C", "reference": "R", "options": [
                {"value": "yes", "label": "Y"}, {"value": "partly", "label": "P"}]},
            {"id": "m", "type": "multi_choice", "text": "M", "reference": "R", "options": [
                {"value": v, "label": v} for v in ("portal", "gazette", "none", "x")]},
            {"id": "s", "type": "scale", "text": "S", "reference": "R", "na": True,
             "scale": {"min": 0, "max": 4}},
            {"id": "n", "type": "number", "text": "N", "reference": "R", "na": True},
            {"id": "t", "type": "text", "text": "T", "reference": "R"},
            {"id": "q", "type": "text", "text": "Q", "reference": "R", "show_if": condition},
        ]}],
    }


@pytest.mark.parametrize(("text", "expected"), [
    ("${c} = 'yes'", {"question": "c", "in": ["yes"]}),
    ("${c}='yes' or ${c}='partly'", {"question": "c", "in": ["yes", "partly"]}),
    ("${c} != 'yes'", {"question": "c", "not_in": ["yes"]}),
    ("${n} >= 10 and ${s} < 2", {"all": [{"question": "n", "gte": 10},
                                        {"question": "s", "lt": 2}]}),
    ("3 < ${s}", {"question": "s", "gt": 3}),
    ("not(selected(${m}, 'x'))", {"question": "m", "not_in": ["x"]}),
])
def test_plain_xlsform_expressions_are_read(text, expected) -> None:
    assert from_relevant(text, TYPES) == expected


@pytest.mark.parametrize(("text", "why"), [
    ("${c} != ''", "empty"),
    ("string-length(${t}) > 3", "string-length"),
    ("${t} = 'x'", "text question"),
    ("${later} = 'x'", "not an earlier question"),
    ("${c} = ", "ends too early"),
    ("${c} = 'yes' and", "ends too early"),
    ("${s} > 'a'", "not a number"),
    ("${c} # 1", "cannot read"),
])
def test_expressions_without_an_equivalent_say_why(text, why) -> None:
    with pytest.raises(RelevantError, match=why):
        from_relevant(text, TYPES)


def _workbook(tmp_path, survey, choices=(), settings=None):
    sheets = {"survey": [["type", "name", "label", "hint", "relevant", "required"], *survey],
              "choices": [["list_name", "name", "label"], *choices],
              "settings": [["form_title", "form_id", "version"],
                           settings or ["Field check", "field_check", "3"]]}
    path = tmp_path / "form.xlsx"
    write_sheets(path, sheets)
    return path


def test_a_foreign_form_imports_with_a_report_of_what_has_no_equivalent(tmp_path) -> None:
    path = _workbook(tmp_path, [
        ["begin group", "site", "Site", None, None, None],
        ["select_one yn", "open", "Is the site open?", "Look at the gate", None, "yes"],
        ["geopoint", "where", "Where is it?", None, None, None],
        ["integer", "staff", "How many staff?", None, "${open} = 'yes'", None],
        ["text", "notes", "Notes", None, "string-length(${staff}) > 2", None],
        ["end group", None, None, None, None, None],
    ], [["yn", "yes", "Yes"], ["yn", "no", "No"]])
    result = import_xlsform(path)
    lines = {(line.row, line.column): line.why for line in result.report}
    assert "geopoint" in lines[(4, "type")]
    assert "string-length" in lines[(6, "relevant")]
    assert "MAJOR.MINOR" in lines[(2, "version")]
    questionnaire = questionnaire_from_dict(result.document)
    assert questionnaire.id == "field-check"
    assert [q.id for q in questionnaire.all_questions()] == ["open", "staff", "notes"]
    assert questionnaire.question("open").required is True
    assert questionnaire.question("open").guidance == "Look at the gate"
    assert questionnaire.question("staff").type is QuestionType.number
    assert questionnaire.question("staff").show_if.to_dict() == {"question": "open",
                                                                 "in": ["yes"]}
    assert questionnaire.question("notes").show_if is None


def test_a_condition_on_the_question_itself_is_reported_and_dropped(tmp_path) -> None:
    path = _workbook(tmp_path, [
        ["begin group", "site", "Site", None, None, None],
        ["select_one yn", "open", "Open?", None, "selected(${open}, 'maybe')", None],
        ["end group", None, None, None, None, None],
    ], [["yn", "yes", "Yes"]])
    result = import_xlsform(path)
    assert [(line.row, line.column) for line in result.report
            if line.column == "relevant"] == [(3, "relevant")]
    assert "show_if" not in result.document["sections"][0]["questions"][0]


def test_a_file_that_is_no_workbook_is_refused(tmp_path) -> None:
    from ppp_assess.services.xlsform import WorkbookError

    path = tmp_path / "form.xlsx"
    path.write_bytes(b"not a zip")
    with pytest.raises(WorkbookError):
        import_xlsform(path)


def test_odd_cells_are_reported_not_fatal(tmp_path) -> None:
    sheets = {
        "survey": [["type", "name", "label", "ppp_type", "ppp_min", "ppp_weight"],
                   ["begin group", "g", "G", None, None, "heavy"],
                   ["select_one pts", "s", "Scale", "scale", "low", None],
                   ["select_one nowhere", "c", "Choice", None, None, None],
                   ["decimal", "n", "Number", None, "low", None],
                   ["end group", None, None, None, None, None]],
        "choices": [["list_name", "name", "label", "ppp_score"],
                    ["pts", "a", "A", "high"], [None, "b", "B", None]],
        "settings": [["form_id"], ["odd"]],
    }
    path = tmp_path / "odd.xlsx"
    write_sheets(path, sheets)
    result = import_xlsform(path)
    lines = {(line.sheet, line.row, line.column) for line in result.report}
    assert {("survey", 3, "type"), ("survey", 4, "type"), ("choices", 2, "ppp_score"),
            ("choices", 3, "list_name")} <= lines
    questionnaire = questionnaire_from_dict(result.document)
    assert [question.id for question in questionnaire.all_questions()] == ["n"]
