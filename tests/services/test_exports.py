"""Exports: stable layout, codes and labels, round trip, formula safety, batching."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from ppp_assess.domain.display import Localiser, rounded_score
from ppp_assess.domain.schema import NA, QuestionType
from ppp_assess.domain.workflow import Status
from ppp_assess.services import exports
from ppp_assess.services.assessments import AnswerInput, load_answers
from ppp_assess.services.benchmarks import DashboardFilters
from ppp_assess.services.exports import (
    FIXED_COLUMNS,
    answer_cells,
    export_header,
    iter_export_rows,
    neutralise,
)
from ppp_assess.services.questionnaires import questionnaire_of
from tests.services.benchmark_support import (
    approved_through_services,
    make_organisation,
    make_project,
    make_result,
)

#: Formula payloads, one per trigger the guidance names (and the full-width forms).
PAYLOADS = (
    "=HYPERLINK(\"https://evil.example\",\"click\")",
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "\uff1d1+1",
    "  =1+1",
)


@pytest.fixture
def people_first(factory):
    return factory.questionnaires()["people-first"]


def parse_csv(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:], newline="")))


# --- neutralising formulas -------------------------------------------------------------------


@pytest.mark.parametrize("payload", PAYLOADS)
def test_formula_payloads_are_prefixed(payload) -> None:
    assert neutralise(payload) == "'" + payload


@pytest.mark.parametrize("value", ["Ministry of Mines", "1+1", "", "'quoted", "a=b", "e-mail"])
def test_plain_text_is_left_alone(value) -> None:
    assert neutralise(value) == value


@pytest.mark.parametrize("value", [-5, -2.5, 0, 42, None])
def test_numbers_are_left_alone(value) -> None:
    assert neutralise(value) == value


# --- layout -----------------------------------------------------------------------------------


def test_header_is_fixed_columns_sections_then_questions_in_document_order(people_first
                                                                            ) -> None:
    questionnaire = questionnaire_of(people_first)
    header = export_header(questionnaire)
    fixed = [code for code, _ in FIXED_COLUMNS]
    assert header[:len(fixed)] == fixed
    sections = header[len(fixed):len(fixed) + len(questionnaire.sections)]
    assert sections == [f"section.{section.id}.score" for section in questionnaire.sections]
    groups = header[len(fixed) + len(questionnaire.sections):]
    questions = questionnaire.all_questions()
    assert len(groups) == 3 * len(questions)
    for index, question in enumerate(questions):
        assert groups[3 * index:3 * index + 3] == [
            f"{question.id}.code", f"{question.id}.label", f"{question.id}.comment"]
    assert len(set(header)) == len(header)


def test_layout_does_not_depend_on_the_data(db, people_first) -> None:
    empty = list(iter_export_rows(db, people_first))
    assert empty == []
    organisation = make_organisation(db)
    make_result(db, people_first, organisation=organisation,
                project=make_project(db, organisation), score=50.0)
    rows = list(iter_export_rows(db, people_first))
    assert len(rows) == 1
    assert len(rows[0]) == len(export_header(questionnaire_of(people_first)))


def test_column_descriptions_follow_the_header(people_first) -> None:
    questionnaire = questionnaire_of(people_first)
    descriptions = exports.column_descriptions(questionnaire)
    assert [code for code, _ in descriptions] == export_header(questionnaire)


# --- codes and labels -------------------------------------------------------------------------


def test_codes_and_labels_of_every_question_type(people_first) -> None:
    questionnaire = questionnaire_of(people_first)
    localiser = Localiser(translate=lambda text: f"«{text}»", number=lambda value: f"#{value}",
                          date=lambda value: f"day {value.day}")
    seen = set()
    for question in questionnaire.all_questions():
        seen.add(question.type)
        if question.type is QuestionType.choice:
            option = question.options[0]
            assert answer_cells(question, option.value, localiser) == (
                option.value, f"«{option.label}»")
        elif question.type is QuestionType.multi_choice:
            first, second = question.options[0], question.options[1]
            assert answer_cells(question, [first.value, second.value], localiser) == (
                f"{first.value};{second.value}", f"«{first.label}»; «{second.label}»")
        elif question.type is QuestionType.scale:
            assert question.scale is not None
            middle = (question.scale.min + question.scale.max) // 2
            assert answer_cells(question, middle, localiser)[0] == middle
        elif question.type is QuestionType.number:
            code, label = answer_cells(question, 12.5, localiser)
            assert code == 12.5 and label is not None and "#12.5" in label
        elif question.type is QuestionType.text:
            assert answer_cells(question, "Free text", localiser) == ("Free text", None)
        elif question.type is QuestionType.date:
            assert answer_cells(question, "2024-05-09", localiser) == ("2024-05-09", "day 9")
        assert answer_cells(question, None, localiser) == (None, None)
        if question.type in (QuestionType.scale, QuestionType.number) and question.na:
            assert answer_cells(question, NA, localiser) == (NA, "«Not applicable»")
    assert seen == set(QuestionType)


# --- round trip -------------------------------------------------------------------------------


def _parsed(question, text: str):
    """Turn an exported code back into a stored value."""
    if text == "":
        return None
    if question.type is QuestionType.multi_choice:
        return text.split(";")
    if question.type in (QuestionType.scale, QuestionType.number) and text != NA:
        number = float(text)
        return int(number) if question.type is QuestionType.scale else number
    return text


def test_export_round_trips_every_question_type(db, factory, people_first) -> None:
    assessment = approved_through_services(db, factory, people_first, seed=3)
    questionnaire = questionnaire_of(people_first)
    header = export_header(questionnaire)
    text = "".join(exports.csv_chunks(header, iter_export_rows(db, people_first)))
    rows = parse_csv(text)
    assert rows[0] == header
    assert len(rows) == 2
    row = dict(zip(rows[0], rows[1], strict=True))
    assert int(row["assessment_id"]) == assessment.id
    # The score the pages show: one decimal, rounded half up.
    assert row["score"] == str(rounded_score(assessment.score))
    assert row["status"] == Status.approved.value
    stored = load_answers(db, assessment)
    types = set()
    for question in questionnaire.all_questions():
        answer = stored.get(question.id)
        expected = answer.value if answer is not None else None
        actual = _parsed(question, row[f"{question.id}.code"])
        if question.type is QuestionType.number and isinstance(expected, int | float):
            assert actual == float(expected), question.id
        else:
            assert actual == expected, question.id
        if expected is not None:
            types.add(question.type)
        assert row[f"{question.id}.comment"] == ((answer.comment if answer else "") or "")
    assert types == set(QuestionType), "the assessment answers every question type"


# --- formula payloads stay inert --------------------------------------------------------------


def _payload_assessment(db, factory, people_first):
    questionnaire = questionnaire_of(people_first)
    texts = [question.id for question in questionnaire.all_questions()
             if question.type is QuestionType.text]
    organisation = make_organisation(db)
    organisation.name = PAYLOADS[0]
    project = make_project(db, organisation, name=PAYLOADS[3])
    overrides = {texts[0]: AnswerInput(PAYLOADS[4], comment=PAYLOADS[1]),
                 texts[1]: AnswerInput(PAYLOADS[5], comment=PAYLOADS[2])}
    approved_through_services(db, factory, people_first, organisation=organisation,
                              project=project, overrides=overrides)
    return texts


def test_formula_payloads_are_inert_in_csv(db, factory, people_first) -> None:
    texts = _payload_assessment(db, factory, people_first)
    header = export_header(questionnaire_of(people_first))
    rows = parse_csv("".join(exports.csv_chunks(header, iter_export_rows(db, people_first))))
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["organisation"] == "'" + PAYLOADS[0]
    assert row["project"] == "'" + PAYLOADS[3]
    assert row[f"{texts[0]}.code"] == "'" + PAYLOADS[4]
    assert row[f"{texts[0]}.comment"] == "'" + PAYLOADS[1]
    # A line break is written as a space on a CSV line, after the quote that disarms it.
    assert row[f"{texts[1]}.code"] == "'" + PAYLOADS[5].replace("\r", " ")
    assert row[f"{texts[1]}.comment"] == "'" + PAYLOADS[2]
    for cell in rows[1]:
        if cell and cell[0] in "=+-@\t\r":
            # Only numbers may start with a sign: they are data, not formulas.
            float(cell)


def test_formula_payloads_are_inert_in_xlsx(db, factory, people_first, tmp_path) -> None:
    texts = _payload_assessment(db, factory, people_first)
    questionnaire = questionnaire_of(people_first)
    header = export_header(questionnaire)
    path = tmp_path / "export.xlsx"
    count = exports.write_xlsx(path, header, iter_export_rows(db, people_first),
                               exports.column_descriptions(questionnaire))
    assert count == 1
    workbook = load_workbook(path)
    sheet = workbook["assessments"]
    rows = list(sheet.iter_rows())
    # A row of labels for people above the row of codes for programs.
    labels = [description for _code, description in exports.column_descriptions(questionnaire)]
    assert [cell.value for cell in rows[0]] == labels
    first = questionnaire.all_questions()[0]
    assert labels[header.index("score")] == "Overall score (0-100)"
    assert labels[header.index(f"{first.id}.label")] == f"Answer: 1.1 {first.text}"
    assert [cell.value for cell in rows[1]] == header
    cells = dict(zip(header, rows[2], strict=True))
    for column, payload in (("organisation", PAYLOADS[0]), ("project", PAYLOADS[3]),
                            (f"{texts[0]}.code", PAYLOADS[4]),
                            (f"{texts[0]}.comment", PAYLOADS[1]),
                            (f"{texts[1]}.code", PAYLOADS[5]),
                            (f"{texts[1]}.comment", PAYLOADS[2])):
        cell = cells[column]
        assert cell.data_type == "s", column
        # Reading may turn a carriage return into a line feed: openpyxl's standard-library
        # parser does, lxml (when installed, as pyHanko needs it) keeps it.
        assert cell.value in {"'" + payload, ("'" + payload).replace("\r", "\n")}, column
    for worksheet in workbook.worksheets:
        for sheet_row in worksheet.iter_rows():
            assert all(cell.data_type != "f" for cell in sheet_row)
    assert cells["score"].data_type == "n"


# --- batches and filters ----------------------------------------------------------------------


def test_rows_come_in_id_order_across_batches_and_follow_the_filters(db, people_first) -> None:
    created = []
    for index in range(7):
        organisation = make_organisation(db, country="FR" if index % 2 else "KZ",
                                         region="europe" if index % 2 else "central_asia")
        created.append(make_result(db, people_first, organisation=organisation,
                                   project=make_project(db, organisation), score=10.0 * index))
    # Drafts and revoked results are not exported.
    organisation = make_organisation(db)
    make_result(db, people_first, organisation=organisation,
                project=make_project(db, organisation), score=1.0, status=Status.draft)
    make_result(db, people_first, organisation=organisation,
                project=make_project(db, organisation), score=2.0, status=Status.revoked)
    rows = list(iter_export_rows(db, people_first, batch_size=2))
    assert [row[0] for row in rows] == sorted(result.id for result in created)
    french = list(iter_export_rows(db, people_first, batch_size=2,
                                   filters=DashboardFilters(country="FR")))
    assert [row[0] for row in french] == [result.id for result in created[1::2]]


def test_export_is_lazy(db, people_first) -> None:
    for _index in range(3):
        organisation = make_organisation(db)
        make_result(db, people_first, organisation=organisation,
                    project=make_project(db, organisation), score=5.0)
    rows = iter_export_rows(db, people_first, batch_size=1)
    chunks = exports.csv_chunks(["a"], rows, rows_per_chunk=1)
    first = next(chunks)
    assert first.startswith("\ufeffa\r\n")
    assert len(list(chunks)) == 3


def test_unknown_version(db, people_first) -> None:
    from ppp_assess.services.errors import NotFound

    assert exports.find_version(db, "people-first").id == people_first.id
    with pytest.raises(NotFound):
        exports.find_version(db, "people-first", "9.9")


@pytest.mark.parametrize("text", [
    "Rail line\r\nPhase 2", "Rail line\nPhase 2", "Rail line\rPhase 2",
    "Rail line\u2028Phase 2", "Rail line\x0bPhase 2", "\n=1+1",
])
def test_a_line_break_in_a_cell_never_breaks_a_csv_line(text: str) -> None:
    written = "".join(exports.csv_chunks(["name", "score"], [[text, 1.5], ["next", 2]]))
    lines = written.split("\r\n")
    # Header, two rows, and the empty rest after the last line ending: nothing more.
    assert len(lines) == 4, lines
    assert all("\n" not in line and "\r" not in line and "\u2028" not in line
               for line in lines)
    row = next(csv.reader([lines[1]]))
    assert row[0].replace(" ", "").lstrip("'") == "".join(
        text.replace("\r\n", "").split()).replace("\u2028", "")
    assert not row[0].lstrip(" ").startswith("=")
