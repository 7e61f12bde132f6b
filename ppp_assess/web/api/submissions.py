"""Importing answers collected with ODK or KoboToolbox into a draft assessment."""

from __future__ import annotations

from typing import Literal

from flask import Response, jsonify, request
from flask_babel import gettext as _
from pydantic import BaseModel, Field
from spectree.model_adapter.pydantic_adapter import BaseFile

from ppp_assess.services import permissions
from ppp_assess.services.errors import ServiceError
from ppp_assess.services.submissions import MAX_BYTES, ImportRejected, import_submissions
from ppp_assess.unit_of_work import get_session
from ppp_assess.web.api import bp
from ppp_assess.web.api.openapi import CSRF, NOT_FOUND, UNAUTHORIZED, WRITE, Error, Responses, spec
from ppp_assess.web.errors import error_message, json_error, refuse
from ppp_assess.web.security import current_person, login_required
from ppp_assess.web.submissions import report_json


class SubmissionsUpload(BaseModel):
    """A submission export (multipart/form-data)."""

    # Optional here so that the permission check comes first (see the evidence upload).
    file: BaseFile | None = Field(None, description="Required: the export, `.csv` or "
                                                    "`.xlsx`, as ODK Central or "
                                                    "KoboToolbox write it.")
    valid_rows_only: Literal["true", "false"] | None = Field(
        None, description="`true`: import the acceptable rows and leave the others out. "
                          "Default: import nothing when a row is not acceptable.")


class RowProblemItem(BaseModel):
    """Why one value of a row cannot be imported."""

    question: str
    code: str = Field(description="`not_an_option`, `out_of_range`, `conflict`, ...")
    message: str


class RowReport(BaseModel):
    """One row of the export."""

    row: int = Field(description="The row of the file; the column names are row 1.")
    status: Literal["imported", "left_out", "valid", "invalid"]
    answers: int = Field(description="Answers the row gives.")
    problems: list[RowProblemItem]


class ImportReport(BaseModel):
    """What was imported, row by row."""

    columns: dict[str, str] = Field(description="Column -> question id, for the columns "
                                                "read.")
    ignored_columns: list[str]
    rows: list[RowReport]
    changed: list[str] = Field(description="Questions whose answer changed.")
    version: int = Field(description="The assessment's version after the import.")


class ImportRefusal(BaseModel):
    """An error with the per-row report."""

    error: dict[str, object] = Field(description="`code`, `message`, `fields`, and for "
                                                 "code `invalid_rows` the `report`.")


@bp.post("/assessments/<int:assessment_id>/import")
@login_required
@spec.validate(resp=Responses(
    HTTP_200=(ImportReport, "Imported."),
    HTTP_400=CSRF, HTTP_401=UNAUTHORIZED, HTTP_404=NOT_FOUND,
    HTTP_409=(Error, "The assessment is no longer a draft (code `not_editable`)."),
    HTTP_413=(Error, "The file is too large (code `too_large`)."),
    HTTP_422=(ImportRefusal, "No file, a file that cannot be read or names no question "
                             "(`fields.file` says which), or rows that cannot be imported "
                             "(code `invalid_rows`, with the `report`); nothing was "
                             "imported.")),
    security=WRITE, path_parameter_descriptions={"assessment_id": "The assessment's id."},
    operation_id="importSubmissions", tags=["assessments"])
def import_answers(assessment_id: int, form: SubmissionsUpload) -> tuple[Response, int]:
    """Import answers collected with ODK or KoboToolbox

    The export of a form made with `GET /questionnaires/{id}/xlsform`: columns are matched
    to questions by name (`group-question`, `group/question` or `question`), other columns
    are ignored. Every row is checked; unless `valid_rows_only` is `true`, nothing is
    imported when a row is not acceptable. Each changed answer is audited.
    """
    db = get_session()
    actor = current_person()
    assessment = permissions.get_own_assessment(db, actor, assessment_id)
    upload = request.files.get("file")
    if form is None or upload is None or not upload.filename:
        return json_error(422, error_message(422), error_code="invalid",
                          fields={"file": _("Choose a file to import.")})
    try:
        result = import_submissions(db, assessment, actor=actor, filename=upload.filename,
                                    data=upload.stream.read(MAX_BYTES + 1),
                                    valid_rows_only=form.valid_rows_only == "true")
    except ImportRejected as error:
        message = refuse(error)
        return json_error(422, message, error_code=error.code,
                          extra={"report": report_json(error.checked, imported=False)})
    except ServiceError as error:
        message = refuse(error)
        return json_error(error.status, message, error_code=error.code,
                          fields={name: message for name in error.fields})
    body = report_json(result.checked, imported=True)
    body["changed"] = list(result.changed)
    body["version"] = assessment.version
    return jsonify(body), 200
