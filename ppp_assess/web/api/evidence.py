"""Evidence endpoints of the API: attach files to answers, list, download, delete, judge."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from flask import Response, jsonify, request, url_for
from flask_babel import gettext as _
from pydantic import BaseModel, Field
from spectree.model_adapter.pydantic_adapter import BaseFile
from werkzeug.wrappers import Response as WerkzeugResponse

from ppp_assess.domain.evidence import Verdict
from ppp_assess.models import EvidenceDocument
from ppp_assess.services import evidence as service
from ppp_assess.services import permissions
from ppp_assess.services.errors import ServiceError
from ppp_assess.unit_of_work import get_session
from ppp_assess.web.api import bp, service_error
from ppp_assess.web.api.openapi import (
    CSRF,
    INVALID,
    NOT_FOUND,
    READ,
    UNAUTHORIZED,
    WRITE,
    Error,
    Responses,
    StrictModel,
    spec,
)
from ppp_assess.web.errors import error_message, json_error, refuse
from ppp_assess.web.evidence import download, evidence_setup
from ppp_assess.web.security import current_person, login_required


class EvidenceUpload(BaseModel):
    """A file to attach (multipart/form-data)."""

    # Optional here so that the permission check comes first: an outsider learns
    # nothing from a refusal of the form. The view refuses a missing file itself.
    file: BaseFile | None = Field(None, description="Required: the document (PDF, PNG, "
                                                    "JPEG, Word, Excel, OpenDocument, CSV "
                                                    "or plain text).")
    description: str | None = Field(None, description="What the document shows.")


class Evidence(BaseModel):
    """A document attached to an answer."""

    id: int
    question_id: str
    name: str = Field(description="The file name as uploaded.")
    description: str
    size: int = Field(description="Bytes.")
    media_type: str = Field(description="Decided from the content.")
    sha256: str = Field(description="SHA-256 of the content, hex.")
    uploaded_at: dt.datetime
    verdict: Verdict | None = Field(description="The reviewer's judgement, if given.")
    review_comment: str
    url: str = Field(description="Where to download it.")


class EvidenceList(BaseModel):
    """The documents of an assessment, by question."""

    evidence: list[Evidence]


class EvidenceJudgement(StrictModel):
    """A reviewer's judgement of a document."""

    verdict: Literal["accepted", "insufficient"]
    comment: str | None = Field(None, description="Required when insufficient.")


def evidence_json(document: EvidenceDocument) -> dict[str, object]:
    """Return the API's representation of a document."""
    return {**service.document_facts(document),
            "url": url_for("api.download_evidence", evidence_id=document.id)}


def _refusal(error: ServiceError) -> tuple[Response, int]:
    """Return the API error of a refused upload or judgement, its message on each field."""
    message = refuse(error)
    return json_error(error.status, message, error_code=error.code,
                      fields={name: message for name in error.fields})


_ASSESSMENT_ID = {"assessment_id": "The assessment's id."}
_EVIDENCE_ID = {"evidence_id": "The document's id."}
_TOO_LARGE = (Error, "The file passes the size limit of one file or of all the "
                     "assessment's files together (code `too_large`).")
_NOT_EDITABLE = (Error, "The assessment is no longer a draft (code `not_editable`): its "
                        "evidence is frozen.")


@bp.post("/assessments/<int:assessment_id>/answers/<question_id>/evidence")
@login_required
@spec.validate(resp=Responses(
    HTTP_201=(Evidence, "Attached."),
    HTTP_400=CSRF, HTTP_401=UNAUTHORIZED, HTTP_404=NOT_FOUND, HTTP_409=_NOT_EDITABLE,
    HTTP_413=_TOO_LARGE,
    HTTP_422=(Error, "No file, an empty file, a kind of file that is refused, or content "
                     "that does not match the file's name; `fields.file` says which."),
    HTTP_503=(Error, "The virus scanner cannot be reached; nothing was attached."),
    headers={"HTTP_201": {"Location": "Where to download the document."}}),
    security=WRITE, path_parameter_descriptions={**_ASSESSMENT_ID,
                                                 "question_id": "The question's id."},
    operation_id="attachEvidence", tags=["evidence"])
def attach_evidence(assessment_id: int, question_id: str,
                    form: EvidenceUpload) -> tuple[Response, int]:
    """Attach a document to an answer

    The file's kind is decided from its content and must agree with its name; HTML, SVG,
    scripts and archives are refused. The same bytes are stored once, whichever answers
    they back.
    """
    db = get_session()
    actor = current_person()
    assessment = permissions.get_own_assessment(db, actor, assessment_id)
    upload = request.files.get("file")
    # Spectree hands over no form when the body is not multipart.
    if form is None or upload is None:
        return json_error(422, error_message(422), error_code="invalid",
                          fields={"file": _("Choose a file to attach.")})
    setup = evidence_setup()
    try:
        document = service.attach_evidence(
            db, assessment, question_id, actor=actor, stream=upload.stream,
            filename=upload.filename or "", description=form.description or "",
            storage=setup.storage, limits=setup.limits, scanner=setup.scanner)
    except ServiceError as error:
        return _refusal(error)
    response = jsonify(evidence_json(document))
    response.headers["Location"] = url_for("api.download_evidence", evidence_id=document.id)
    return response, 201


@bp.get("/assessments/<int:assessment_id>/evidence")
@login_required
@spec.validate(resp=Responses(HTTP_200=(EvidenceList, "The documents."),
                              HTTP_401=UNAUTHORIZED, HTTP_404=NOT_FOUND),
               security=READ, path_parameter_descriptions=_ASSESSMENT_ID,
               operation_id="listEvidence", tags=["evidence"])
def list_evidence(assessment_id: int) -> Response:
    """The documents attached to an assessment's answers

    By question, oldest first.
    """
    db = get_session()
    assessment = permissions.get_assessment(db, current_person(), assessment_id)
    return jsonify({"evidence": [evidence_json(document)
                                 for document in service.list_evidence(db, assessment)]})


@bp.get("/evidence/<int:evidence_id>")
@login_required
@spec.validate(resp=Responses(HTTP_200=(None, "The file, as an attachment, with the type "
                                              "decided at upload."),
                              HTTP_401=UNAUTHORIZED, HTTP_404=NOT_FOUND,
                              media_types={"HTTP_200": "*/*"},
                              headers={"HTTP_200": {
                                  "Content-Disposition": "Always `attachment`.",
                                  "X-Content-Type-Options": "Always `nosniff`."}}),
               security=READ, path_parameter_descriptions=_EVIDENCE_ID,
               operation_id="downloadEvidence", tags=["evidence"])
def download_evidence(evidence_id: int) -> WerkzeugResponse:
    """Download a document

    Every download is written to the audit log with the file's SHA-256.
    """
    actor = current_person()
    document = permissions.get_evidence(get_session(), actor, evidence_id)
    return download(document, actor)


@bp.delete("/evidence/<int:evidence_id>")
@login_required
@spec.validate(resp=Responses(HTTP_204=(None, "Detached."), HTTP_400=CSRF,
                              HTTP_401=UNAUTHORIZED, HTTP_404=NOT_FOUND,
                              HTTP_409=_NOT_EDITABLE),
               security=WRITE, path_parameter_descriptions=_EVIDENCE_ID,
               operation_id="deleteEvidence", tags=["evidence"])
def delete_evidence(evidence_id: int) -> tuple[Response, int]:
    """Detach a document while the assessment is a draft (or returned)"""
    db = get_session()
    actor = current_person()
    document = permissions.get_evidence(db, actor, evidence_id)
    # Only members answer (and so attach and detach); to others it does not exist here.
    permissions.get_own_assessment(db, actor, document.assessment_id)
    try:
        service.delete_evidence(db, document, actor=actor)
    except ServiceError as error:
        return service_error(error)
    return Response(status=204), 204


@bp.post("/evidence/<int:evidence_id>/review")
@login_required
@spec.validate(resp=Responses(HTTP_200=(Evidence, "Judged."), HTTP_400=CSRF,
                              HTTP_401=UNAUTHORIZED,
                              HTTP_403=(Error, "Not the reviewer deciding this review."),
                              HTTP_404=NOT_FOUND,
                              HTTP_409=(Error, "The assessment is not in review."),
                              HTTP_422=INVALID),
               security=WRITE, path_parameter_descriptions=_EVIDENCE_ID,
               operation_id="judgeEvidence", tags=["evidence"])
def judge_evidence(evidence_id: int, json: EvidenceJudgement) -> tuple[Response, int]:
    """Mark a document accepted or insufficient

    Only the reviewer deciding the review may, while it is in review. A document marked
    insufficient no longer backs its answer in the verified score.
    """
    db = get_session()
    actor = current_person()
    document = permissions.get_evidence(db, actor, evidence_id)
    try:
        service.judge_evidence(db, document, actor=actor, verdict=Verdict(json.verdict),
                               comment=json.comment or "")
    except ServiceError as error:
        return _refusal(error)
    return jsonify(evidence_json(document)), 200

