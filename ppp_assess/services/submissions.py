"""Importing answers collected with ODK or KoboToolbox into a draft assessment.

The export (CSV or XLSX, as ODK Central and KoboToolbox write it for a form exported with
``export-xlsform``) is read, every row checked (:mod:`ppp_assess.domain.submissions`),
and the answers saved through :func:`~ppp_assess.services.assessments.save_answers`, so
every changed answer is audited as if typed in. Nothing is saved unless every row is
acceptable, or the user asked for the acceptable rows only.
"""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from ppp_assess.domain.messages import N_
from ppp_assess.domain.submissions import CheckedExport, check_rows
from ppp_assess.domain.workflow import is_editable
from ppp_assess.models import Assessment
from ppp_assess.services.assessments import AnswerInput, questionnaire_for, save_answers
from ppp_assess.services.audit import record_event
from ppp_assess.services.errors import Conflict, Invalid, TooLarge
from ppp_assess.services.permissions import Person

#: Largest export accepted.
MAX_BYTES = 5 * 1024 * 1024
#: Most rows (submissions) in one export.
MAX_ROWS = 1000
#: Most columns read.
MAX_COLUMNS = 2000


class ImportRejected(Invalid):
    """Some rows cannot be imported and the user did not ask for the valid rows only."""

    code = "invalid_rows"

    def __init__(self, checked: CheckedExport) -> None:
        super().__init__(N_("Rows that cannot be imported: %(count)s. Nothing was imported."),
                         {"count": len(checked.invalid)})
        self.checked = checked


@dataclass(frozen=True)
class ImportResult:
    """What an import did."""

    checked: CheckedExport
    #: Question ids whose answer changed.
    changed: tuple[str, ...]
    #: The rows imported.
    imported_rows: tuple[int, ...]


def read_export(filename: str, data: bytes) -> tuple[list[str], list[tuple[int, list[Any]]]]:
    """Read a submission export: its column names and its rows with their row numbers.

    :raises TooLarge: past :data:`MAX_BYTES`.
    :raises Invalid: for a file that is not CSV or XLSX, cannot be read, has no rows or
        more than :data:`MAX_ROWS`.
    """
    if len(data) > MAX_BYTES:
        raise TooLarge("The file is larger than %(size)s MB.", {"size": MAX_BYTES // 2**20},
                       fields={"file": "too_large"})
    name = filename.lower()
    if name.endswith(".csv"):
        table = _read_csv(data)
    elif name.endswith(".xlsx"):
        table = _read_xlsx(data)
    else:
        raise Invalid("Choose a CSV or XLSX file.", fields={"file": "wrong_type"})
    if not table or not any(table[0]):
        raise Invalid("The file holds no submissions.", fields={"file": "empty"})
    header = ["" if cell is None else str(cell).strip() for cell in table[0][:MAX_COLUMNS]]
    rows = [(number, row[:MAX_COLUMNS]) for number, row in enumerate(table[1:], start=2)
            if any(cell not in (None, "") for cell in row)]
    if not rows:
        raise Invalid("The file holds no submissions.", fields={"file": "empty"})
    if len(rows) > MAX_ROWS:
        raise Invalid("The file holds more than %(count)s submissions.", {"count": MAX_ROWS},
                      fields={"file": "too_many_rows"})
    return header, rows


def _read_csv(data: bytes) -> list[list[Any]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid("The file is not UTF-8 text.", fields={"file": "encoding"}) from None
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count)
    try:
        return [list(row) for row in csv.reader(io.StringIO(text, newline=""),
                                                delimiter=delimiter)][: MAX_ROWS + 2]
    except csv.Error:
        raise Invalid("The file is not a readable CSV file.", fields={"file": "unreadable"}
                      ) from None


def _read_xlsx(data: bytes) -> list[list[Any]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError):
        raise Invalid("The file is not a readable XLSX workbook.",
                      fields={"file": "unreadable"}) from None
    try:
        sheet = workbook.worksheets[0]
        rows: list[list[Any]] = []
        for row in sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS):
            rows.append(list(row))
            if len(rows) > MAX_ROWS + 1:
                break
        return rows
    finally:
        workbook.close()


def import_submissions(session: Session, assessment: Assessment, *, actor: Person,
                       filename: str, data: bytes, valid_rows_only: bool = False
                       ) -> ImportResult:
    """Import the answers of a submission export into a draft assessment.

    :param valid_rows_only: import the acceptable rows and leave the others out, instead
        of importing nothing when a row is not acceptable.
    :raises Conflict: code ``not_editable`` when the assessment is not a draft.
    :raises Invalid: for an unreadable file, or one whose columns name no question.
    :raises ImportRejected: when a row is not acceptable (and ``valid_rows_only`` is
        false), or when no row is; ``checked`` holds the report.
    """
    if not is_editable(assessment.status):
        raise Conflict("This assessment is %(status)s and can no longer be changed.",
                       {"status": assessment.status.value}, code="not_editable")
    header, rows = read_export(filename, data)
    questionnaire = questionnaire_for(assessment)
    checked = check_rows(questionnaire, header, rows)
    if not checked.columns:
        raise Invalid("No column of the file is a question of this questionnaire.",
                      fields={"file": "no_questions"})
    if (checked.invalid and not valid_rows_only) or not checked.valid:
        raise ImportRejected(checked)
    answers: dict[str, Any] = {}
    for row in checked.valid:
        for question_id, value in row.answers.items():
            answers.setdefault(question_id, value)
    session.refresh(assessment)
    result = save_answers(session, assessment,
                          {qid: AnswerInput(value) for qid, value in answers.items()},
                          base_version=assessment.version, actor=actor)
    imported = tuple(row.row for row in checked.valid)
    record_event(
        session, actor_id=actor.id, action="assessment.answers_imported",
        object_type="assessment", object_id=assessment.id,
        organisation_id=assessment.organisation_id,
        after={"file": filename[:200], "sha256": hashlib.sha256(data).hexdigest(),
               "rows": imported, "rows_left_out": [row.row for row in checked.invalid],
               "answers_changed": list(result.changed)},
    )
    session.flush()
    return ImportResult(checked=checked, changed=result.changed, imported_rows=imported)
