"""The fast CSV export writes exactly what the straightforward one wrote.

The straightforward export (kept below as the reference) read every answer through
SQLAlchemy's JSON type, worded each one with :func:`answer_cells` and wrote the rows with
``csv.writer``. The export now words each distinct value once and writes CSV text itself;
these tests compare the two byte for byte over answers of every type and shape: not
applicable, several options, stale values, numbers as SQLite and PostgreSQL keep them,
text with commas, quotes, line breaks and formula triggers, and missing answers.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
from sqlalchemy import select

from ppp_assess.domain.display import Localiser, percent_share, score_number
from ppp_assess.domain.schema import NA, QuestionType
from ppp_assess.domain.workflow import STATUS_LABELS, Status
from ppp_assess.models import Answer, Assessment, Organisation, Project, SectionScore
from ppp_assess.services import exports
from ppp_assess.services.assessments import AnswerInput
from ppp_assess.services.exports import answer_cells, export_header, neutralise
from ppp_assess.services.questionnaires import questionnaire_of
from tests.services.benchmark_support import (
    approved_through_services,
    make_organisation,
    make_project,
    make_result,
)

#: Text people might type: separators, quotes, line breaks of every kind, formulas.
AWKWARD = (
    "plain", "", " ", "comma, inside", 'a "quoted" word', '"', '""', "line\nbreak",
    "crlf\r\nbreak", "cr\rbreak", "\u2028separator", "\x0bvertical tab", "=1+1",
    "+cmd|' /C calc'!A0", "-2", "@SUM(A1)", "\t=tab", "  =spaced", "\uff1dfull width",
    "'already quoted", "e-mail, \"both\"\r\n=and", "Ünïcödé ✓ 中文 العربية", "trailing ",
    "0.30000000000000004",
)


@pytest.fixture
def people_first(factory):
    return factory.questionnaires()["people-first"]


def _previous_rows(session, version, localiser: Localiser) -> list[list[Any]]:
    """The rows as the export built them before, one ORM read of each answer."""
    questionnaire = questionnaire_of(version)
    levels = {level.id: level.label for level in questionnaire.levels}
    say = localiser.translate

    def label(kind: str, code: str | None) -> str | None:
        return exports.code_label(kind, code, localiser) or None

    def timestamp(value: dt.datetime | None) -> str | None:
        if value is None:
            return None
        return value.astimezone(dt.UTC).replace(microsecond=0).isoformat()

    rows = []
    for assessment in session.scalars(
            select(Assessment).where(Assessment.questionnaire_version_id == version.id,
                                     Assessment.status.in_((Status.approved, Status.certified)))
            .order_by(Assessment.id)):
        organisation = session.get(Organisation, assessment.organisation_id)
        project = session.get(Project, assessment.project_id) if assessment.project_id else None
        status = Status(assessment.status)
        country = (project.country if project else None) or organisation.country
        region = (project.region if project else None) or organisation.region
        sector = project.sector if project else None
        stage = project.stage if project else None
        contract = project.contract_type if project else None
        cells: list[Any] = [
            assessment.id, questionnaire.id, version.version, status.value,
            say(STATUS_LABELS[status]), organisation.name, organisation.country,
            project.id if project else None, project.name if project else None, sector,
            label("sector", sector), stage, label("stage", stage), contract,
            label("contract_type", contract), country, label("country", country), region,
            label("region", region), score_number(assessment.score), assessment.level,
            say(levels[assessment.level]) if assessment.level in levels else assessment.level,
            percent_share(assessment.completion), timestamp(assessment.submitted_at),
            timestamp(assessment.approved_at),
        ]
        sections = {row.section_id: row.score for row in session.scalars(
            select(SectionScore).where(SectionScore.assessment_id == assessment.id))}
        cells.extend(score_number(sections.get(section.id))
                     for section in questionnaire.sections)
        answers = {row.question_id: row for row in session.scalars(
            select(Answer).where(Answer.assessment_id == assessment.id))}
        for question in questionnaire.all_questions():
            answer = answers.get(question.id)
            value, comment = (answer.value, answer.comment) if answer else (None, "")
            code, worded = answer_cells(question, value, localiser)
            cells.extend((code, worded, comment or None))
        rows.append(cells)
    return rows


def _previous_csv(header: list[str], rows: list[list[Any]]) -> str:
    """The file as ``csv.writer`` wrote it before."""

    def cell(value: Any) -> Any:
        if value.__class__ is float:
            return repr(value)
        value = neutralise(value)
        if isinstance(value, str):
            return exports._LINE_BREAKS.sub(" ", value)
        return value

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow([neutralise(code) for code in header])
    for row in rows:
        writer.writerow([cell(value) for value in row])
    return buffer.getvalue()


def _value(question, index: int) -> Any:
    """A stored value of ``question``'s type, different with ``index``."""
    options = [option.value for option in question.options]
    match question.type:
        case QuestionType.choice:
            return [*options, "retired-option"][index % (len(options) + 1)]
        case QuestionType.multi_choice:
            return [[options[0], options[2]], options[:1], [], options, ["gone", options[1]],
                    options[3:]][index % 6]
        case QuestionType.scale:
            return [0, 4, 2, NA if question.na else 1, 3][index % 5]
        case QuestionType.number:
            return [12.5, 0.30000000000000004, 7, 12.0, 99.99, 0, 100, 1e-7][index % 8]
        case QuestionType.date:
            return ["2024-05-09", "2025-12-31", "not a date"][index % 3]
        case _:
            return AWKWARD[index % len(AWKWARD)]


def _awkward_results(db, factory, version) -> None:
    """Results whose stored answers, names and scores take every shape."""
    questionnaire = questionnaire_of(version)
    questions = questionnaire.all_questions()
    texts = [question.id for question in questions if question.type is QuestionType.text]
    approved_through_services(
        db, factory, version, seed=3, overrides={
            texts[0]: AnswerInput(AWKWARD[4], comment=AWKWARD[7]),
            texts[1]: AnswerInput(AWKWARD[12], comment=AWKWARD[20])})
    approved_through_services(db, factory, version, seed=5, maturity=0.2)
    sections = [section.id for section in questionnaire.sections]
    for number in range(len(AWKWARD)):
        organisation = make_organisation(db, country=("KZ", "FR", "ZZ")[number % 3])
        organisation.name = AWKWARD[number] or "unnamed"
        project = make_project(db, organisation, name=AWKWARD[-number - 1],
                               sector=("mining", "energy", "unknown-sector")[number % 3],
                               country="" if number % 4 else "CL",
                               region="" if number % 4 else "latin_america")
        result = make_result(
            db, version, organisation=organisation, project=project,
            score=[86.45, None, 72.25, 0.0, 100.0, 33.333333333333336][number % 6],
            sections={sections[0]: [86.45, None, 50.0][number % 3], sections[-1]: 12.34,
                      "retired-section": 1.0},
            status=Status.certified if number % 2 else Status.approved,
            level=[None, questionnaire.levels[0].id, "retired-level"][number % 3])
        result.completion = [1.0, 2 / 3, 0.125, 0.0][number % 4]
        result.submitted_at = dt.datetime(2026, 3, 1, 12, 0, number, 999_999, tzinfo=dt.UTC)
        for index, question in enumerate(questions):
            if (index + number) % 7 == 0:
                continue  # not answered
            value = None if (index + number) % 11 == 0 else _value(question, index + number)
            db.add(Answer(assessment_id=result.id, question_id=question.id, value=value,
                          comment=AWKWARD[(index * 3 + number) % len(AWKWARD)]))
        db.add(Answer(assessment_id=result.id, question_id="retired-question", value="x",
                      comment="not exported"))
    # Not exported: a draft and a revoked result.
    for status in (Status.draft, Status.revoked):
        organisation = make_organisation(db)
        make_result(db, version, organisation=organisation,
                    project=make_project(db, organisation), score=1.0, status=status)
    db.flush()
    db.expire_all()


LOCALISERS = {
    "plain": exports.PLAIN,
    "worded": Localiser(code="fr", translate=lambda text: f"«{text}»",
                        number=lambda value: f"#{value:,}", date=lambda value: f"le {value:%d/%m}",
                        country=lambda code: f"pays {code}"),
}


@pytest.mark.parametrize("memo_limit", [1024, 1], ids=["memo", "no-memo"])
@pytest.mark.parametrize("language", LOCALISERS)
def test_csv_and_rows_are_what_the_previous_export_wrote(db, factory, people_first, language,
                                                         memo_limit, monkeypatch) -> None:
    monkeypatch.setattr(exports, "_MEMO_LIMIT", memo_limit)
    _awkward_results(db, factory, people_first)
    localiser = LOCALISERS[language]
    header = export_header(questionnaire_of(people_first))
    previous_rows = _previous_rows(db, people_first, localiser)
    assert len(previous_rows) == len(AWKWARD) + 2
    expected = _previous_csv(header, previous_rows)

    lines = exports.iter_csv_lines(db, people_first, localiser=localiser, batch_size=4)
    assert "".join(exports.csv_file_chunks(header, lines, lines_per_chunk=3)) == expected
    rows = list(exports.iter_export_rows(db, people_first, localiser=localiser, batch_size=4))
    # The same cells of the same types (3 and 3.0 are equal, but not written alike).
    assert [[(type(cell), cell) for cell in row] for row in rows] == [
        [(type(cell), cell) for cell in row] for row in previous_rows]
    assert "".join(exports.csv_chunks(header, rows)) == expected
    with io.StringIO(newline="") as target:
        count = exports.write_csv(target, header, exports.iter_csv_lines(
            db, people_first, localiser=localiser))
        assert count == len(previous_rows)
        assert target.getvalue() == expected


@pytest.mark.parametrize("row", [
    [""], [None], [], ["", ""], [None, None], ['"'], [","], ["a\nb", 1], [1.5, -2, 10 ** 20],
    [True, "x"], list(AWKWARD), [float("inf"), float("nan"), -0.0],
])
def test_a_csv_line_is_what_csv_writer_writes(row) -> None:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(
        [repr(value) if value.__class__ is float else value for value in
         [exports._LINE_BREAKS.sub(" ", value) if isinstance(value, str) else value
          for value in [neutralise(value) for value in row]]])
    assert exports.csv_line(row) == buffer.getvalue()
