"""Assessment endpoints of the API: start, read, answer (the autosave) and submit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Literal

from flask import Response, current_app, jsonify, url_for
from flask_babel import gettext as _
from pydantic import BaseModel, Field, ValidationError

from ppp_assess.config import get_settings
from ppp_assess.domain.reference import SubjectType
from ppp_assess.domain.schema import Questionnaire
from ppp_assess.domain.scoring import ScoreReport
from ppp_assess.domain.verification import VerifiedScore as VerifiedReport
from ppp_assess.domain.verification import verified_score
from ppp_assess.domain.workflow import Status
from ppp_assess.models import Answer, Submission
from ppp_assess.models import Assessment as AssessmentRow
from ppp_assess.presentation import wording
from ppp_assess.services import assessments as service
from ppp_assess.services import evidence, history, permissions
from ppp_assess.services.assessments import AnswersRejected
from ppp_assess.services.errors import Conflict, Invalid, MissingAnswers
from ppp_assess.unit_of_work import commit_now, get_session
from ppp_assess.web import MAX_ID
from ppp_assess.web.addresses import question_urls
from ppp_assess.web.api import bp, service_error
from ppp_assess.web.api.openapi import (
    CSRF,
    INVALID,
    NOT_FOUND,
    READ,
    UNAUTHORIZED,
    WRITE,
    Error,
    ErrorDetail,
    Responses,
    StrictModel,
    refuse_invalid_request,
    spec,
)
from ppp_assess.web.assessments.present import GAP_LIMIT, score_payload, verified_payload
from ppp_assess.web.errors import json_error, refuse
from ppp_assess.web.fields import translate_answer_error
from ppp_assess.web.locale import current_locale_info
from ppp_assess.web.security import current_person, login_required

# --------------------------------------------------------------------------- models


class QuestionnaireRef(BaseModel):
    """The questionnaire version an assessment answers."""

    id: str
    version: str


class SubjectRef(BaseModel):
    """What is assessed: an organisation, or one of its projects."""

    type: SubjectType
    organisation: int
    project: int | None


class _AssessmentFacts(BaseModel):
    id: int
    questionnaire: QuestionnaireRef
    subject: SubjectRef
    status: Status
    version: int = Field(description="Changes with every saved answer; send it in If-Match.")
    level: str | None
    completion: float = Field(description="Share of the applicable required questions that "
                                          "are answered, 0-1.")
    updated_at: dt.datetime
    stage: str | None = Field(description="The project stage it describes, e.g. "
                                          "`financial_close`.")
    period: str | None = Field(description="The period it covers, e.g. `2026`.")
    previous: int | None = Field(description="The approved assessment it was started from.")


class AssessmentSummary(_AssessmentFacts):
    """An assessment without its answers."""

    score: float | None = Field(description="0-100, exact; null while nothing is scored.")


class ScoreSection(BaseModel):
    """A section's score and progress."""

    id: str
    title: str
    score: float | None
    display: str
    answered: int
    applicable: int
    status: Literal["complete", "started", "not_started", "hidden"] = Field(
        description="\"hidden\" when the section does not apply under the answers given")


class ScoreGap(BaseModel):
    """A question whose answer costs points, and what to do about it."""

    question_id: str
    section_id: str
    text: str
    action: str | None
    impact: float = Field(description="Points the overall score would gain with full marks "
                                      "on this question.")
    impact_label: str
    url: str | None


class HeldBackAnswer(BaseModel):
    """An answer that counts for less in the verified score for want of evidence."""

    question_id: str
    section_id: str
    text: str
    declared: float = Field(description="Its self-declared score, 0-1.")
    counted: float = Field(description="What it counts in the verified score, 0-1.")
    critical: bool = Field(description="A critical question, counted as not met.")
    reason: str
    url: str | None


class VerifiedScore(BaseModel):
    """The score counting only what evidence backs."""

    overall: float | None = Field(description="0-100, rounded as shown.")
    overall_display: str
    level: str | None
    level_label: str | None
    capped: bool
    held_back: list[HeldBackAnswer] = Field(description="In document order.")


class Score(BaseModel):
    """The live score, with translated labels."""

    overall: float | None = Field(description="0-100, exact.")
    overall_display: str
    level: str | None
    level_label: str | None
    capped: bool
    completion: float = Field(description="Share of the applicable required questions that "
                                          "are answered, 0-1.")
    completion_display: str
    missing_required: list[str]
    sections: list[ScoreSection]
    gaps: list[ScoreGap]
    verified: VerifiedScore | None = Field(
        None, description="Beside this self-declared score: answers to questions that "
                          "require evidence count at most at the questionnaire's threshold "
                          "until a document no reviewer marked insufficient backs them.")


class AnswerValues(BaseModel):
    """An answer as stored: value, comment and evidence links."""

    value: Any = Field(description="An option value, a list of option values, a number, "
                                   "`\"na\"`, a text or a `YYYY-MM-DD` date.")
    comment: str
    evidence: list[str] = Field(description="Links starting with https:// or http://.")


class StoredAnswer(AnswerValues):
    """A stored answer with the assessment version that saved it."""

    version: int
    updated_at: dt.datetime
    carried: bool = Field(description="Carried over from the previous assessment and not "
                                      "confirmed yet: it counts as unanswered until saved "
                                      "(with the same value or another).")


class Assessment(_AssessmentFacts):
    """An assessment with its answers and its live score."""

    answers: dict[str, StoredAnswer] = Field(description="Question id -> stored answer.")
    score: Score


class AssessmentList(BaseModel):
    """The assessments of the caller's organisations."""

    assessments: list[AssessmentSummary]


class FrozenScore(BaseModel):
    """The score frozen at submission."""

    overall: float | None = None
    level: str | None = None
    uncapped_level: str | None = None
    capped: bool = False
    cap_reasons: list[str] = []
    completion: float | None = None
    sections: dict[str, float | None] = Field(default={},
                                              description="Section id -> score, 0-100.")
    missing_required: list[str] = []


class SubmissionFacts(BaseModel):
    """One submission of an assessment."""

    number: int
    submitted_at: dt.datetime
    score: FrozenScore


class SubmittedAssessment(AssessmentSummary):
    """An assessment just submitted, with the submission's frozen score."""

    submission: SubmissionFacts


class NewAssessment(StrictModel):
    """What to assess with which questionnaire."""

    questionnaire: str = Field(description="Questionnaire id.")
    project: int | None = Field(None, ge=1, le=MAX_ID, description="For project questionnaires.")
    organisation: int | None = Field(None, ge=1, le=MAX_ID,
                                     description="For organisation questionnaires; "
                                                       "may be left out by members of one.")
    from_: int | None = Field(None, alias="from", ge=1, le=MAX_ID,
                              description="An approved assessment of the same subject and "
                                          "questionnaire to start from: its answers are "
                                          "carried over, each to confirm or change.")
    stage: str | None = Field(None, max_length=32,
                              description="The project stage it describes: `procurement`, "
                                          "`financial_close`, `construction`, `operation` "
                                          "or `closure`.")
    period: str | None = Field(None, max_length=100,
                               description="The period it covers, e.g. `2026`.")


class AnswerInput(StrictModel):
    """One answer to save."""

    value: Any = Field(description="The answer; `null` clears it.")
    comment: str | None = Field(None, max_length=service.MAX_COMMENT_LENGTH,
                                description="Left out or null: kept.")
    evidence: list[str] | None = Field(None, description="Links starting with https:// or "
                                                         "http://; left out or null: kept.")


class IfMatch(BaseModel):
    """The version a change is based on."""

    if_match: str = Field(alias="If-Match",
                          description="The assessment version the answer is based on.")


class SavedAnswer(BaseModel):
    """The result of a save."""

    version: int
    saved: bool = Field(description="False when the answer was already stored.")
    answer: StoredAnswer | None
    score: Score


class AlreadyOpenDetail(ErrorDetail):
    """An assessment of this questionnaire and subject is already open."""

    assessment: int | None = Field(None, description="Its id (code `already_open`).")


class AlreadyOpen(BaseModel):
    """The error of a second start."""

    error: AlreadyOpenDetail


class StaleAnswerDetail(ErrorDetail):
    """The answer changed since the version sent."""

    current: AnswerValues | None = Field(None, description="The stored answer (code "
                                                           "`stale`).")
    version: int | None = Field(None, description="The assessment's version now.")


class StaleAnswer(BaseModel):
    """The error of a save based on an old version."""

    error: StaleAnswerDetail


class AnswerRefusedDetail(ErrorDetail):
    """The value is not one the question accepts."""

    reason: str | None = Field(None, description="Why, e.g. `not_an_option`, `out_of_range`.")


class AnswerRefused(BaseModel):
    """The error of a value the question does not accept."""

    error: AnswerRefusedDetail


class MissingAnswersDetail(ErrorDetail):
    """Required questions are unanswered."""

    missing: list[str] = Field(default=[], description="Their ids.")


class MissingAnswersError(BaseModel):
    """The error of a refused submission."""

    error: MissingAnswersDetail


# --------------------------------------------------------------------------- helpers


def _score(assessment: AssessmentRow, report: ScoreReport, *, gap_limit: int | None,
           answers: Mapping[str, Answer] | None = None) -> Any:
    db = get_session()
    values = service.answer_values(service.load_answers(db, assessment) if answers is None
                                   else answers)
    verified = evidence.verified_score_of(db, assessment, values, declared=report)
    return _score_body(service.questionnaire_for(assessment), assessment.id, report,
                       verified, gap_limit=gap_limit)


def _score_body(questionnaire: Questionnaire, assessment_id: int, report: ScoreReport,
                verified: VerifiedReport, *, gap_limit: int | None) -> Any:
    """Present a score and its verified counterpart; reads nothing from the database."""
    url = question_urls(assessment_id)
    words = wording()
    payload = score_payload(questionnaire, report, gap_limit=gap_limit, question_url=url,
                            words=words)
    payload["verified"] = verified_payload(questionnaire, verified, question_url=url,
                                           words=words)
    return payload


def stored_answer(row: Answer | service.StoredAnswer | None) -> dict[str, Any] | None:
    """Return the API's representation of a stored answer (one a save just wrote, or one
    read from the database)."""
    if row is None:
        return None
    return {"value": row.value, "comment": row.comment, "evidence": list(row.evidence or []),
            "version": row.version,
            "updated_at": row.updated_at.isoformat() if row.updated_at else None,
            "carried": bool(row.carried)}


def assessment_json(assessment: AssessmentRow) -> dict[str, Any]:
    """Return the summary of an assessment (without its answers)."""
    return {
        "id": assessment.id,
        "questionnaire": {"id": assessment.questionnaire_version.questionnaire_id,
                          "version": assessment.questionnaire_version.version},
        "subject": {"type": assessment.subject_type.value,
                    "organisation": assessment.organisation_id,
                    "project": assessment.project_id},
        "status": assessment.status.value,
        "version": assessment.version,
        "score": assessment.score,
        "level": assessment.level,
        "completion": assessment.completion,
        "updated_at": assessment.updated_at.isoformat(),
        "stage": assessment.stage,
        "period": assessment.period,
        "previous": assessment.previous_assessment_id,
    }


def _with_etag(response: Response, assessment: AssessmentRow) -> Response:
    response.set_etag(str(assessment.version))
    return response


def _if_match(header: str) -> int | None:
    """Return the version in an ``If-Match`` header, or None when it holds none."""
    value = header.strip()
    if value.startswith("W/"):
        value = value[2:]
    value = value.strip('"')
    return int(value) if value.isdigit() else None


class VersionRequired(Exception):
    """A change was sent without the version it is based on."""


@bp.errorhandler(VersionRequired)
def _version_required(_error: VersionRequired) -> tuple[Response, int]:
    return json_error(428, _("Send the assessment version the answer is based on in the "
                             "If-Match header."), error_code="version_required")


def _require_if_match(request_: Any, response: Any, error: Exception | None, instance: Any,
                      adapter: Any) -> None:
    """Answer 428, not 422, when the If-Match header is what is missing."""
    if isinstance(error, ValidationError) and error.title == IfMatch.__name__:
        raise VersionRequired
    refuse_invalid_request(request_, response, error, instance, adapter)


# --------------------------------------------------------------------------- routes

_ASSESSMENT_ID = {"assessment_id": "The assessment's id."}


@bp.get("/assessments")
@login_required
@spec.validate(resp=Responses(HTTP_200=(AssessmentList, "The assessments."),
                              HTTP_401=UNAUTHORIZED),
               security=READ, operation_id="listAssessments", tags=["assessments"])
def list_assessments() -> Response:
    """The assessments of the caller's organisations

    Newest change first.
    """
    rows = service.list_assessments(get_session(), current_person())
    return jsonify({"assessments": [assessment_json(row) for row in rows]})


@bp.post("/assessments")
@login_required
@spec.validate(resp=Responses(
    HTTP_201=(AssessmentSummary, "The new draft."),
    HTTP_400=CSRF, HTTP_401=UNAUTHORIZED, HTTP_404=NOT_FOUND,
    HTTP_409=(AlreadyOpen, "An assessment of this questionnaire and subject is already "
                           "open; `assessment` gives its id."),
    HTTP_422=INVALID,
    headers={"HTTP_201": {"Location": "The new assessment's address.",
                          "ETag": "Its version."}}),
    security=WRITE, operation_id="startAssessment", tags=["assessments"])
def create_assessment(json: NewAssessment) -> tuple[Response, int]:
    """Start an assessment with the newest version of a questionnaire

    With `from`, a reassessment: the answers of that approved assessment are carried
    over, each marked `carried` until it is saved again.
    """
    db = get_session()
    try:
        if json.from_ is not None:
            assessment, _carried = history.start_reassessment(
                db, actor=current_person(), questionnaire_id=json.questionnaire,
                previous_id=json.from_, organisation_id=json.organisation,
                project_id=json.project, stage=json.stage, period=json.period,
                mapping_dir=get_settings(current_app).questionnaire_dir)
        else:
            assessment = service.start_assessment_for(
                db, actor=current_person(), questionnaire_id=json.questionnaire,
                organisation_id=json.organisation, project_id=json.project,
                stage=json.stage, period=json.period)
    except Conflict as error:
        extra = {"assessment": error.current} if error.code == "already_open" else {}
        return json_error(409, refuse(error), error_code=error.code,
                          extra=extra)
    except Invalid as error:
        return json_error(422, refuse(error), error_code=error.code,
                          fields={name: refuse(error)
                                  for name in error.fields})
    response = _with_etag(jsonify(assessment_json(assessment)), assessment)
    response.headers["Location"] = url_for("api.get_assessment", assessment_id=assessment.id)
    return response, 201


@bp.get("/assessments/<int:assessment_id>")
@login_required
@spec.validate(resp=Responses(
    HTTP_200=(Assessment, "The assessment; the ETag is its version."),
    HTTP_401=UNAUTHORIZED, HTTP_404=NOT_FOUND,
    headers={"HTTP_200": {"ETag": "The assessment's version."}}),
    path_parameter_descriptions=_ASSESSMENT_ID, security=READ, operation_id="getAssessment",
    tags=["assessments"])
def get_assessment(assessment_id: int) -> Response:
    """An assessment's status, version, answers and score"""
    db = get_session()
    assessment = permissions.get_assessment(db, current_person(), assessment_id)
    state = service.assessment_state(db, assessment)
    body = assessment_json(assessment)
    body["answers"] = {qid: stored_answer(row) for qid, row in sorted(state.answers.items())}
    body["score"] = _score(assessment, state.report, gap_limit=None)
    return _with_etag(jsonify(body), assessment)


@bp.put("/assessments/<int:assessment_id>/answers/<question_id>")
@login_required
@spec.validate(resp=Responses(
    HTTP_200=(SavedAnswer, "Saved (or already stored)."),
    HTTP_400=(Error, "The If-Match header holds no version (code `bad_version`), or a "
                     "cookie session without a valid `X-CSRFToken` header."),
    HTTP_401=UNAUTHORIZED, HTTP_404=NOT_FOUND,
    HTTP_409=(StaleAnswer, "Stale version (`code` \"stale\", with `current` and "
                           "`version`) or the assessment is no longer a draft."),
    HTTP_422=(AnswerRefused, "The data sent was not acceptable; `fields` says why, per "
                             "field, and `reason` why the question refuses the value."),
    HTTP_428=(Error, "No If-Match header (code `version_required`)."),
    headers={"HTTP_200": {"ETag": "The assessment's new version."}}),
    before=_require_if_match, security=WRITE,
    path_parameter_descriptions={**_ASSESSMENT_ID, "question_id": "The question's id."},
    operation_id="saveAnswer", tags=["assessments"])
def put_answer(assessment_id: int, question_id: str, json: AnswerInput,
               headers: IfMatch) -> tuple[Response, int]:
    """Save one answer (the autosave)

    Send the assessment version the answer is based on in `If-Match`. A save that would
    change an answer someone else changed after that version gets 409 with the stored
    answer in `current` and the assessment's `version`; saving what is already stored is
    harmless.
    """
    db = get_session()
    actor = current_person()
    assessment = permissions.lock_own_assessment(db, actor, assessment_id, with_answers=True)
    base_version = _if_match(headers.if_match)
    if base_version is None:
        return json_error(400, _("The If-Match header must hold an assessment version."),
                          error_code="bad_version")
    given = service.AnswerInput(json.value, json.comment, json.evidence)
    try:
        result = service.save_answer(db, assessment, question_id, given,
                                     base_version=base_version, actor=actor)
    except Conflict as error:
        if error.code != "stale":
            return service_error(error)
        current = (error.current or {}).get(question_id)
        return json_error(409, refuse(error), error_code="stale",
                          extra={"current": current, "version": assessment.version})
    except AnswersRejected as error:
        problem = error.problems[question_id]
        message = translate_answer_error(problem)
        return json_error(422, message, fields={"value": message}, error_code="invalid",
                          extra={"reason": problem.code})
    except Invalid as error:
        message = refuse(error)
        return json_error(422, message, fields={name: message for name in error.fields},
                          error_code="invalid")
    row = result.answers.get(question_id) if result.changed else None
    questionnaire = service.questionnaire_for(assessment)
    # Nothing below reads the database: commit now, so that the locks are released before
    # the score is presented (most of the request's time) rather than after.
    commit_now()
    verified = verified_score(questionnaire, service.answer_values(result.answers),
                              result.evidenced, declared=result.report)
    response = jsonify({
        "version": result.version,
        "saved": bool(result.changed),
        "answer": stored_answer(row) if result.changed else None,
        "score": _score_body(questionnaire, assessment_id, result.report, verified,
                             gap_limit=GAP_LIMIT),
    })
    response.set_etag(str(result.version))
    return response, 200


@bp.post("/assessments/<int:assessment_id>/submit")
@login_required
@spec.validate(resp=Responses(
    HTTP_200=(SubmittedAssessment, "Submitted; `submission` holds the frozen score."),
    HTTP_400=CSRF, HTTP_401=UNAUTHORIZED, HTTP_404=NOT_FOUND,
    HTTP_409=(Error, "The assessment is not a draft."),
    HTTP_422=(MissingAnswersError, "Required questions are unanswered (code "
                                   "`missing_answers`), or answers carried over from the "
                                   "previous assessment are not confirmed (code "
                                   "`unconfirmed_answers`); `missing` lists their ids."),
    headers={"HTTP_200": {"ETag": "The assessment's new version."}}),
    security=WRITE, path_parameter_descriptions=_ASSESSMENT_ID,
    operation_id="submitAssessment", tags=["assessments"])
def submit_assessment(assessment_id: int) -> tuple[Response, int]:
    """Submit a draft to the review board

    422 lists the required questions left unanswered.
    """
    db = get_session()
    actor = current_person()
    assessment = permissions.get_own_assessment(db, actor, assessment_id)
    try:
        submission: Submission = service.submit_assessment(
            db, assessment, actor=actor, locale=current_locale_info().code)
    except MissingAnswers as error:
        # Nothing is committed: the refreshed score the refusal computed is dropped.
        db.expire_all()
        return service_error(error)
    body = assessment_json(assessment)
    body["submission"] = {"number": submission.number,
                          "submitted_at": submission.submitted_at.isoformat(),
                          "score": submission.score}
    return _with_etag(jsonify(body), assessment), 200
