"""Exports of decided assessments and their answers, as CSV or XLSX.

Layout
    One file holds one questionnaire version, so its columns never change: the fixed
    columns of :data:`FIXED_COLUMNS`, one score column per section, then for every
    question in document order a group of three columns: ``<question>.code`` (the
    stored value: an option value, option values joined by ``;``, a number, a text, an
    ISO date or ``na``), ``<question>.label`` (the same in words, in the chosen
    language) and ``<question>.comment``. Rows are the approved and certified
    assessments of that version (revoked results are not valid results), by id.

Numbers
    Scores are the numbers the pages show: rounded to one decimal, half up
    (:func:`ppp_assess.domain.display.rounded_score`), and completion is a share rounded
    to a whole percent (0.67 for two thirds). Labels are worded by the
    :class:`~ppp_assess.domain.display.Localiser` the adapter passes (its defaults write
    plain text: msgids, ISO dates, codes).

Memory and speed
    Rows are produced in batches of assessments, each batch with one query for the
    assessments, one for their section scores and one for their answers, and written out
    as they come: CSV as a stream of text chunks, XLSX through openpyxl's write-only mode.
    Each question's answers are read as their stored JSON text and worded once per
    distinct value for the whole export (a bounded memo), and the CSV writer gets each
    cell as its finished CSV text (:func:`iter_csv_lines`), so a row costs little more
    than reading it. The text is exactly what ``csv.writer`` wrote over the cells of
    :func:`iter_export_rows` (``tests/services/test_export_identity.py``).

Spreadsheet formulas
    Any text cell that a spreadsheet could read as a formula (it begins, perhaps after
    spaces, with ``=``, ``+``, ``-``, ``@``, a tab, a carriage return or a line feed, or
    their full-width forms) is prefixed with a single quote, as the OWASP guidance on CSV
    injection advises; header cells too. Numbers are written as numbers and need no
    prefix.

Line breaks
    A CSV line never breaks inside a cell: a line break in a name, title or comment is
    written as a space, so that a tool reading the file line by line sees one row per
    line. XLSX cells keep their line breaks.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any, TypeVar

from sqlalchemy import ColumnElement, Connection, Executable, Text, cast, func, select, type_coerce
from sqlalchemy.orm import Session

from ppp_assess.domain.display import (
    Localiser,
    code_label,
    percent_share,
    score_number,
    word_answer,
)
from ppp_assess.domain.messages import N_
from ppp_assess.domain.question_types import FreeText, QuestionStrategy
from ppp_assess.domain.schema import Question, Questionnaire
from ppp_assess.domain.workflow import STATUS_LABELS, Status
from ppp_assess.models import (
    Answer,
    Assessment,
    Organisation,
    Project,
    QuestionnaireVersion,
    SectionScore,
)
from ppp_assess.services import audit
from ppp_assess.services.benchmarks import DashboardFilters, evaluated_conditions
from ppp_assess.services.errors import NotFound
from ppp_assess.services.questionnaires import questionnaire_of

#: A cell: text, a number, or empty.
Cell = str | int | float | None
T = TypeVar("T")

#: First characters that make a spreadsheet treat a cell as a formula (or hide one).
FORMULA_TRIGGERS = frozenset("=+-@\t\r\n\uff1d\uff0b\uff0d\uff20")
#: Spaces a spreadsheet may skip before the formula trigger.
_LEADING_SPACE = " \u00a0\u3000"
#: Characters XML 1.0 (and so XLSX) cannot hold.
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

#: The fixed columns: code, then what the column holds (a msgid).
FIXED_COLUMNS: tuple[tuple[str, str], ...] = (
    ("assessment_id", N_("Assessment number")),
    ("questionnaire", N_("Questionnaire")),
    ("questionnaire_version", N_("Questionnaire version")),
    ("status", N_("Status (code)")),
    ("status_label", N_("Status")),
    ("organisation", N_("Organisation")),
    ("organisation_country", N_("Organisation's country (code)")),
    ("project_id", N_("Project number")),
    ("project", N_("Project")),
    ("sector", N_("Sector (code)")),
    ("sector_label", N_("Sector")),
    ("stage", N_("Project stage (code)")),
    ("stage_label", N_("Project stage")),
    ("contract_type", N_("Contract type (code)")),
    ("contract_type_label", N_("Contract type")),
    ("country", N_("Country (code)")),
    ("country_label", N_("Country")),
    ("region", N_("Region (code)")),
    ("region_label", N_("Region")),
    ("score", N_("Overall score (0-100)")),
    ("level", N_("Level (code)")),
    ("level_label", N_("Level")),
    ("completion", N_("Completion (0-1)")),
    ("submitted_at", N_("Submitted at (UTC)")),
    ("approved_at", N_("Approved at (UTC)")),
)
#: Labels in plain text when no adapter passes a localiser: msgids, ISO dates, codes.
PLAIN = Localiser()
SECTION_SCORE = N_("Section score (0-100): %(section)s")
QUESTION_CODE = N_("Answer (code): %(question)s")
QUESTION_LABEL = N_("Answer: %(question)s")
QUESTION_COMMENT = N_("Comment: %(question)s")


def neutralise(value: Cell) -> Cell:
    """Return ``value`` safe to open in a spreadsheet: formula-like text gets a ``'``.

    Numbers and empty cells are returned unchanged.
    """
    if not isinstance(value, str) or not value:
        return value
    first = value[0]
    if first in FORMULA_TRIGGERS:
        return "'" + value
    if first in _LEADING_SPACE:
        first = value.lstrip(_LEADING_SPACE)[:1]
    if first in FORMULA_TRIGGERS:
        return "'" + value
    return value


# --------------------------------------------------------------------------- layout


def export_header(questionnaire: Questionnaire) -> list[str]:
    """Return the column codes of an export of ``questionnaire`` (one version)."""
    header = [code for code, _description in FIXED_COLUMNS]
    header.extend(f"section.{section.id}.score" for section in questionnaire.sections)
    for question in questionnaire.all_questions():
        header.extend((f"{question.id}.code", f"{question.id}.label", f"{question.id}.comment"))
    return header


def column_descriptions(questionnaire: Questionnaire,
                        localiser: Localiser = PLAIN) -> list[tuple[str, str]]:
    """Return ``(code, what it holds)`` for every column, in the export's order."""
    say = localiser.translate
    rows = [(code, say(description)) for code, description in FIXED_COLUMNS]
    rows.extend((f"section.{section.id}.score",
                 say(SECTION_SCORE) % {"section": say(section.title)})
                for section in questionnaire.sections)
    for question in questionnaire.all_questions():
        # People know a question by its number; the code beside says the id.
        text = f"{questionnaire.number(question.id)} {say(question.text)}"
        rows.extend((
            (f"{question.id}.code", say(QUESTION_CODE) % {"question": text}),
            (f"{question.id}.label", say(QUESTION_LABEL) % {"question": text}),
            (f"{question.id}.comment", say(QUESTION_COMMENT) % {"question": text}),
        ))
    return rows


def find_version(session: Session, questionnaire_id: str,
                 version: str | None = None) -> QuestionnaireVersion:
    """Return the version to export: the one named, or the newest published.

    :raises NotFound: when the questionnaire or version does not exist.
    """
    query = select(QuestionnaireVersion).where(
        QuestionnaireVersion.questionnaire_id == questionnaire_id)
    if version:
        query = query.where(QuestionnaireVersion.version == version)
    found = session.scalar(query.order_by(QuestionnaireVersion.id.desc()).limit(1))
    if found is None:
        raise NotFound("This questionnaire does not exist.")
    return found


# --------------------------------------------------------------------------- values


def answer_cells(question: Question, value: Any, localiser: Localiser) -> tuple[Cell, Cell]:
    """Return the code and label cells of one stored answer.

    The code comes from the question's type; the label words its description as every
    page does, and is empty where the code says it all (free text, or a value no longer
    readable).
    """
    return _answer_cells(question, question.strategy, value, localiser)


def _answer_cells(question: Question, strategy: QuestionStrategy, value: Any,
                  localiser: Localiser) -> tuple[Cell, Cell]:
    if value is None:
        return None, None
    description = strategy.describe(question, value)
    label = None if isinstance(description, FreeText) else word_answer(description, localiser)
    return strategy.export_code(question, value), label or None


#: How many distinct values a memo of finished cells keeps, and the longest text it
#: keeps. Choices, scale points, codes, names and short comments repeat from row to row
#: and fit; long free text rarely repeats and is finished each time, so memory stays
#: flat (a few megabytes at most) whatever the number of rows.
_MEMO_LIMIT = 1024
_MEMO_TEXT = 200


K = TypeVar("K")
V = TypeVar("V")


def _bounded_memo(convert: Callable[[K], V], *,
                  keep: Callable[[K], bool] | None = None) -> Callable[[K], V]:
    """Return ``convert`` remembering up to :data:`_MEMO_LIMIT` results (those ``keep``
    accepts), so that an export's memory does not grow with its distinct values."""
    memo: dict[K, V] = {}

    def lookup(value: K) -> V:
        found = memo.get(value)
        if found is None:
            found = convert(value)
            if len(memo) < _MEMO_LIMIT and (keep is None or keep(value)):
                memo[value] = found
        return found

    return lookup


class _AnswerColumns:
    """The code and label cells of one question's answers, finished for one writer.

    A stored answer is read as its JSON text (or the number SQLite stored for it) and
    worded once per distinct value for the whole export: the cells are the same each
    time, since they depend on nothing but the question, the value and the localiser.
    """

    __slots__ = ("finish", "localiser", "memo", "numbers", "question", "strategy")

    def __init__(self, question: Question, localiser: Localiser,
                 finish: Callable[[Cell], Any]) -> None:
        self.question = question
        self.strategy = question.strategy
        self.localiser = localiser
        self.finish = finish
        empty = finish(None)
        #: JSON text (or None) -> finished (code, label).
        self.memo: dict[str | None, tuple[Any, Any]] = {None: (empty, empty)}
        #: (type, number) -> finished (code, label): 3 and 3.0 are equal keys otherwise.
        self.numbers: dict[tuple[type, Any], tuple[Any, Any]] = {}

    def cells(self, stored: Any) -> tuple[Any, Any]:
        """Return the finished code and label of a stored value (JSON text or a number)."""
        found = self.memo.get(stored)
        if found is not None:
            return found
        if isinstance(stored, str):
            found = self._word(json.loads(stored))
            if len(self.memo) < _MEMO_LIMIT and len(stored) <= _MEMO_TEXT:
                self.memo[stored] = found
            return found
        key = (stored.__class__, stored)
        found = self.numbers.get(key)
        if found is None:
            found = self._word(stored)
            if len(self.numbers) < _MEMO_LIMIT:
                self.numbers[key] = found
        return found

    def _word(self, value: Any) -> tuple[Any, Any]:
        code, label = _answer_cells(self.question, self.strategy, value, self.localiser)
        return self.finish(code), self.finish(label)


def _timestamp(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is not None and value.tzinfo is not dt.UTC:
        value = value.astimezone(dt.UTC)
    return value.isoformat(timespec="seconds")


def _label(kind: str, code: str | None, localiser: Localiser) -> str | None:
    return code_label(kind, code, localiser) or None


def count_export_rows(session: Session, version: QuestionnaireVersion, *,
                      filters: DashboardFilters | None = None) -> int:
    """Return how many rows :func:`iter_export_rows` yields for the same arguments."""
    conditions = evaluated_conditions(filters or DashboardFilters())
    return session.scalar(
        select(func.count(Assessment.id))
        .join(QuestionnaireVersion,
              QuestionnaireVersion.id == Assessment.questionnaire_version_id)
        .join(Organisation, Organisation.id == Assessment.organisation_id)
        .outerjoin(Project, Project.id == Assessment.project_id)
        .where(Assessment.questionnaire_version_id == version.id, *conditions)) or 0


def iter_export_rows(
    session: Session,
    version: QuestionnaireVersion,
    *,
    filters: DashboardFilters | None = None,
    localiser: Localiser = PLAIN,
    batch_size: int = 500,
) -> Iterator[list[Cell]]:
    """Yield one row per approved or certified assessment of ``version``, by id.

    The rows follow :func:`export_header`. Assessments are read in batches of
    ``batch_size`` (keyset pagination on the id), so memory does not grow with the number
    of assessments.
    """
    return _finished_rows(session, version, filters=filters, localiser=localiser,
                          batch_size=batch_size, finish=_as_it_is)


def iter_csv_lines(
    session: Session,
    version: QuestionnaireVersion,
    *,
    filters: DashboardFilters | None = None,
    localiser: Localiser = PLAIN,
    batch_size: int = 500,
) -> Iterator[str]:
    """Yield the CSV line (with its line ending) of each row :func:`iter_export_rows`
    yields for the same arguments: what :func:`csv_chunks` writes for that row.

    Each distinct answer is worded and written as CSV text once per export, not once
    per row; :func:`csv_file_chunks` puts the lines into a file.
    """
    for texts in _finished_rows(session, version, filters=filters, localiser=localiser,
                                batch_size=batch_size, finish=_csv_text):
        yield _line(texts)


def _as_it_is(value: Cell) -> Cell:
    return value


def _stored_value(session: Session) -> ColumnElement[Any]:
    """The stored answer as it was written: JSON text, or the number SQLite made of it.

    Read so, an answer is decoded once per distinct value rather than once per row.
    PostgreSQL's ``jsonb`` is read as its text (the driver would decode it); SQLite's
    JSON is text or a number already, read without decoding.
    """
    if session.get_bind().dialect.name == "postgresql":
        return cast(Answer.value, Text)
    return type_coerce(Answer.value, Text)


def _driver_rows(connection: Connection, statement: Executable) -> Iterator[Sequence[Any]]:
    """Yield the rows of ``statement`` as the database driver returns them.

    Only for columns SQLAlchemy does not convert (numbers, text, and the stored answers of
    :func:`_stored_value`): the answers are most of what an export reads, and a result
    row built around each one costs more than the rest of reading it.
    """
    result = connection.execute(statement)
    try:
        while rows := result.cursor.fetchmany(1000):
            yield from rows
    finally:
        result.close()


def _finished_rows(
    session: Session,
    version: QuestionnaireVersion,
    *,
    filters: DashboardFilters | None,
    localiser: Localiser,
    batch_size: int,
    finish: Callable[[Cell], T],
) -> Iterator[list[T]]:
    """Yield the rows of :func:`iter_export_rows` with ``finish`` applied to every cell.

    ``finish`` must be a pure function of the cell: the cells of answers, section scores
    and reference labels are finished once per distinct value.
    """
    questionnaire = questionnaire_of(version)
    questions = questionnaire.all_questions()
    section_column = {section.id: len(FIXED_COLUMNS) + index
                      for index, section in enumerate(questionnaire.sections)}
    first_question = len(FIXED_COLUMNS) + len(section_column)
    answer_columns = {}
    for index, question in enumerate(questions):
        answers = _AnswerColumns(question, localiser, finish)
        answer_columns[question.id] = (first_question + 3 * index, answers.memo, answers)
    conditions = evaluated_conditions(filters or DashboardFilters())
    levels = {level.id: level.label for level in questionnaire.levels}
    say = localiser.translate
    empty = finish(None)
    blank = [empty] * (len(section_column) + 3 * len(questions))
    finished_questionnaire = [finish(questionnaire.id), finish(version.version)]
    # Finished cells by the value they come from: most values repeat from row to row.
    statuses: dict[str, list[T]] = {}

    def label_cell(key: tuple[str, str | None]) -> T:
        return finish(_label(key[0], key[1], localiser))

    def level_cell(level: str | None) -> T:
        return finish(say(levels[level]) if level in levels else level)

    def score_cell(value: float | None) -> T:
        return finish(score_number(value))

    def share_cell(value: float | None) -> T:
        return finish(percent_share(value))

    def short(value: str | None) -> bool:
        return value is None or len(value) <= _MEMO_TEXT

    text = _bounded_memo(finish, keep=short)
    comment_cell = _bounded_memo(finish, keep=short)
    labelled = _bounded_memo(label_cell)
    level_label = _bounded_memo(level_cell)
    score = _bounded_memo(score_cell)
    share = _bounded_memo(share_cell)

    def label(kind: str, code: str | None) -> T:
        return labelled((kind, code))

    def status_cells(stored: str) -> list[T]:
        found = statuses.get(stored)
        if found is None:
            status = Status(stored)
            found = statuses[stored] = [finish(status.value), finish(say(STATUS_LABELS[status]))]
        return found

    stored_value = _stored_value(session)
    last_id = 0
    while True:
        # Plain Core rows (no ORM loading): the answers are most of what is read.
        connection = session.connection()
        batch = connection.execute(
            select(Assessment.id, Assessment.status, Assessment.score, Assessment.level,
                   Assessment.completion, Assessment.submitted_at, Assessment.approved_at,
                   Organisation.name.label("organisation"),
                   Organisation.country.label("organisation_country"),
                   Organisation.region.label("organisation_region"),
                   Project.id.label("project_id"), Project.name.label("project"),
                   Project.sector, Project.stage, Project.contract_type,
                   Project.country.label("project_country"),
                   Project.region.label("project_region"))
            .join(QuestionnaireVersion,
                  QuestionnaireVersion.id == Assessment.questionnaire_version_id)
            .join(Organisation, Organisation.id == Assessment.organisation_id)
            .outerjoin(Project, Project.id == Assessment.project_id)
            .where(Assessment.questionnaire_version_id == version.id, Assessment.id > last_id,
                   *conditions)
            .order_by(Assessment.id)
            .limit(batch_size)
        ).all()
        if not batch:
            return
        ids = [row.id for row in batch]
        last_id = ids[-1]
        rows: dict[int, list[T]] = {}
        for row in batch:
            country = row.project_country or row.organisation_country
            region = row.project_region or row.organisation_region
            cells = [finish(row.id), *finished_questionnaire, *status_cells(row.status),
                     text(row.organisation), text(row.organisation_country),
                     finish(row.project_id), text(row.project), text(row.sector),
                     label("sector", row.sector), text(row.stage), label("stage", row.stage),
                     text(row.contract_type), label("contract_type", row.contract_type),
                     text(country), label("country", country), text(region),
                     label("region", region), score(row.score), text(row.level),
                     level_label(row.level), share(row.completion),
                     finish(_timestamp(row.submitted_at)),
                     finish(_timestamp(row.approved_at))]
            cells += blank
            rows[row.id] = cells
        for assessment_id, section_id, section_score in _driver_rows(
            connection,
            select(SectionScore.assessment_id, SectionScore.section_id, SectionScore.score)
            .where(SectionScore.assessment_id.in_(ids))
        ):
            column = section_column.get(section_id)
            if column is None:
                continue
            rows[assessment_id][column] = score(section_score)
        for assessment_id, question_id, stored, comment in _driver_rows(
            connection,
            select(Answer.assessment_id, Answer.question_id, stored_value, Answer.comment)
            .where(Answer.assessment_id.in_(ids))
        ):
            found = answer_columns.get(question_id)
            if found is None:
                continue
            column, memo, answers = found
            cells = rows[assessment_id]
            pair = memo.get(stored)
            cells[column:column + 2] = answers.cells(stored) if pair is None else pair
            if comment:
                cells[column + 2] = comment_cell(comment)
        for assessment_id in ids:
            yield rows[assessment_id]


# --------------------------------------------------------------------------- writers


#: Line breaks of any kind, which a CSV line must never carry (tools that read a CSV file
#: line by line would take the rest of a name or comment for a new row).
_LINE_BREAKS = re.compile(r"\r\n|[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]")


#: What makes ``csv.writer`` (minimal quoting) put a field in quotes.
_QUOTED = re.compile(r'[,"\r\n]')


def _csv_field(text: str) -> str:
    """Return ``text`` as ``csv.writer`` writes a field: quoted when it holds a comma, a
    quote or a line break, its quotes doubled."""
    if _QUOTED.search(text) is None:
        return text
    return '"' + text.replace('"', '""') + '"'


def _csv_text(value: Cell) -> str:
    """Return a cell as the text of its CSV field: numbers as Python writes them, text
    neutralised (:func:`neutralise`) and on one line, nothing for an empty cell."""
    if value is None:
        return ""
    if value.__class__ is float:
        return repr(value)
    if value.__class__ is int:
        return str(value)
    if isinstance(value, str):
        return _csv_field(_LINE_BREAKS.sub(" ", neutralise(value)))  # type: ignore[arg-type]
    return _csv_field(str(value))


def _line(texts: list[str]) -> str:
    if len(texts) == 1 and not texts[0]:
        # A lone empty field is quoted, or the line would read as no field at all.
        return '""\r\n'
    return ",".join(texts) + "\r\n"


def csv_line(row: Sequence[Cell]) -> str:
    """Return one row of an export as a CSV line (RFC 4180), with its line ending."""
    return _line([_csv_text(value) for value in row])


def csv_file_chunks(header: Sequence[str], lines: Iterable[str], *,
                    lines_per_chunk: int = 200) -> Iterator[str]:
    """Yield a CSV file (RFC 4180, UTF-8 with a byte order mark) in text chunks: the
    header, then ``lines`` (from :func:`iter_csv_lines` or :func:`csv_line`).

    The byte order mark lets spreadsheet programs recognise UTF-8, so every script
    reads right. Header cells are neutralised too.
    """
    pending = ["\ufeff" + _line([_csv_field(str(neutralise(code))) for code in header])]
    count = 0
    for line in lines:
        pending.append(line)
        count += 1
        if count >= lines_per_chunk:
            yield "".join(pending)
            pending.clear()
            count = 0
    yield "".join(pending)


def csv_chunks(header: Sequence[str], rows: Iterable[Sequence[Cell]], *,
               rows_per_chunk: int = 200) -> Iterator[str]:
    """Yield a CSV file of ``rows`` (any cells) in text chunks, as :func:`csv_file_chunks`.

    Exports of assessments write :func:`iter_csv_lines` instead: the same text, faster.
    """
    return csv_file_chunks(header, (csv_line(row) for row in rows),
                           lines_per_chunk=rows_per_chunk)


def write_csv(target: IO[str], header: Sequence[str], lines: Iterable[str]) -> int:
    """Write CSV lines (:func:`iter_csv_lines`) to an open text file with the header;
    return the number of lines written."""
    count = 0

    def counted() -> Iterator[str]:
        nonlocal count
        for line in lines:
            count += 1
            yield line

    for chunk in csv_file_chunks(header, counted()):
        target.write(chunk)
    return count


def _xlsx_cell(value: Cell) -> Cell:
    if isinstance(value, str):
        return neutralise(_ILLEGAL_XML.sub("", value))
    return value


def write_xlsx(target: str | Path | IO[bytes], header: Sequence[str],
               rows: Iterable[Sequence[Cell]],
               descriptions: Sequence[tuple[str, str]] = ()) -> int:
    """Write an XLSX export with openpyxl's write-only mode; return the number of rows.

    The first sheet holds the export, the second what each column holds. With
    ``descriptions``, the first sheet starts with a row of labels for people (in the
    export's language) above the row of column codes that programs read; both stay in
    view when scrolling.
    """
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("assessments")
    if descriptions:
        sheet.freeze_panes = "A3"
        sheet.append([_xlsx_cell(description) for _code, description in descriptions])
    sheet.append([_xlsx_cell(code) for code in header])
    count = 0
    for row in rows:
        sheet.append([_xlsx_cell(value) for value in row])
        count += 1
    if descriptions:
        columns = workbook.create_sheet("columns")
        columns.append([_xlsx_cell("column"), _xlsx_cell("description")])
        for code, description in descriptions:
            columns.append([_xlsx_cell(code), _xlsx_cell(description)])
    workbook.save(target)
    return count


#: The audit action of a downloaded export.
EXPORT_DOWNLOADED = "export.downloaded"


def filter_values(filters: DashboardFilters) -> dict[str, Any]:
    """Return the filters that were set, as plain JSON values (dates as ISO text)."""
    return {name: value.isoformat() if isinstance(value, dt.date) else value
            for name, value in vars(filters).items() if value is not None}


def record_export(session: Session, *, actor_id: int, version: QuestionnaireVersion,
                  file_format: str, filters: DashboardFilters, language: str, rows: int,
                  complete: bool) -> None:
    """Record in the audit log who exported what, with which filters, and how many rows.

    Called once the rows are written (or the client went away, ``complete`` false), in
    a transaction of its own: the only write a download makes, and a record of reading.
    """
    chosen = filter_values(filters)
    audit.record_event(
        session, actor_id=actor_id, action=EXPORT_DOWNLOADED,
        object_type="questionnaire_version", object_id=version.id,
        after={"questionnaire": version.questionnaire_id, "version": version.version,
               "format": file_format, "language": language, "filters": chosen,
               "rows": rows, "complete": complete})
