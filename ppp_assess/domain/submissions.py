"""Answers collected with ODK or KoboToolbox on a form exported as XLSForm.

A submission export is a table: one row per submission, one column per question. ODK
Central names a column ``<group>-<question>``, KoboToolbox ``<group>/<question>``, and
both may give the bare question name; other columns (metadata such as ``KEY``,
``SubmissionDate`` or ``_uuid``, and Kobo's one column per option of a multiple choice)
are not answers and are left aside. Values are written as those tools write them: the
option's name, several names separated by spaces for a multiple choice, numbers, ISO
dates; an empty cell is no answer.

:func:`check_rows` turns every row into answers, or into the reasons it cannot be
imported. Rows are applied in order; a row that gives a question another answer than an
earlier row is refused, so that nothing is silently overwritten.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .answers import validate_answer
from .messages import N_
from .question_types.base import AnswerError
from .schema import NA, Question, Questionnaire, QuestionType
from .xlsform import section_and_question_names


@dataclass(frozen=True)
class RowProblem:
    """Why one value of a row cannot be imported; ``message`` is a msgid with ``params``."""

    question: str
    code: str
    message: str
    params: Mapping[str, object] = field(default_factory=dict)


@dataclass
class RowResult:
    """One row of the export: its answers, or its problems."""

    #: 1-based row of the file, the column names being row 1.
    row: int
    answers: dict[str, Any] = field(default_factory=dict)
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether every value of the row is acceptable."""
        return not self.problems


@dataclass
class CheckedExport:
    """Every row checked, and which columns were read as which questions."""

    rows: list[RowResult]
    #: Column name -> question id, for the columns read.
    columns: dict[str, str]
    #: Columns that are no question of the questionnaire.
    ignored: list[str]

    @property
    def valid(self) -> list[RowResult]:
        """The rows that can be imported."""
        return [row for row in self.rows if row.ok]

    @property
    def invalid(self) -> list[RowResult]:
        """The rows that cannot."""
        return [row for row in self.rows if not row.ok]


def match_columns(questionnaire: Questionnaire,
                  header: Sequence[str]) -> tuple[dict[str, str], list[str]]:
    """Return column -> question id for the columns that are questions, and the others."""
    names = section_and_question_names(questionnaire)
    columns: dict[str, str] = {}
    ignored: list[str] = []
    for column in header:
        question = names.get(column.strip())
        if question is not None and question.id not in columns.values():
            columns[column] = question.id
        elif column.strip():
            ignored.append(column)
    return columns, ignored


def _is_blank(cell: object) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def parse_value(question: Question, cell: object) -> object:
    """Return the answer an export's cell stands for (``None`` for an empty cell).

    The result still has to pass :func:`~ppp_assess.domain.answers.validate_answer`.
    """
    if _is_blank(cell):
        return None
    if isinstance(cell, dt.datetime):
        cell = cell.date()
    if isinstance(cell, dt.date):
        return cell.isoformat()
    if question.type is QuestionType.multi_choice:
        return str(cell).split()
    if question.type in (QuestionType.scale, QuestionType.number):
        if isinstance(cell, int | float) and not isinstance(cell, bool):
            return cell
        text = str(cell).strip()
        if text == NA:
            return NA
        try:
            number = float(text)
        except ValueError:
            return text
        return int(number) if number.is_integer() else number
    if question.type is QuestionType.date:
        text = str(cell).strip()
        # ODK writes a date alone; some exports add a time of day to it.
        return text[:10] if len(text) > 10 and text[10] in "T " else text
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip() if question.type is QuestionType.choice else str(cell)


def check_rows(questionnaire: Questionnaire, header: Sequence[str],
               rows: Sequence[tuple[int, Sequence[object]]]) -> CheckedExport:
    """Check every row of an export against the questionnaire.

    :param questionnaire: the questionnaire the form was exported from.
    :param header: the column names.
    :param rows: (1-based row number, cells) for every row after the header.
    :return: the rows with their answers or problems.
    """
    columns, ignored = match_columns(questionnaire, header)
    positions = {index: columns[name] for index, name in enumerate(header) if name in columns}
    results: list[RowResult] = []
    given: dict[str, tuple[Any, int]] = {}
    for number, cells in rows:
        result = RowResult(row=number)
        for index, question_id in positions.items():
            cell = cells[index] if index < len(cells) else None
            question = questionnaire.question(question_id)
            value = parse_value(question, cell)
            if value is None:
                continue
            try:
                answer = validate_answer(question, value)
            except AnswerError as error:
                result.problems.append(RowProblem(question_id, error.code, error.message,
                                                  error.params))
                continue
            earlier = given.get(question_id)
            if earlier is not None and earlier[0] != answer:
                result.problems.append(RowProblem(
                    question_id, "conflict",
                    N_("Row %(row)s gives this question another answer."),
                    {"row": earlier[1]}))
                continue
            result.answers[question_id] = answer
        if result.ok:
            for question_id, answer in result.answers.items():
                given.setdefault(question_id, (answer, number))
        results.append(result)
    return CheckedExport(rows=results, columns=columns, ignored=ignored)
