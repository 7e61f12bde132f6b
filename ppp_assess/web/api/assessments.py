"""Assessment endpoints of the API: start, read, answer (the autosave) and submit."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request, url_for
from flask_babel import gettext as _

from ppp_assess.domain.scoring import ScoreReport
from ppp_assess.models import Answer, Assessment, Submission
from ppp_assess.services import assessments as service
from ppp_assess.services import permissions
from ppp_assess.services.assessments import AnswerInput, AnswersRejected
from ppp_assess.services.errors import Conflict, Invalid, MissingAnswers
from ppp_assess.unit_of_work import get_session
from ppp_assess.web.api import bp, service_error
from ppp_assess.web.api.openapi import (
    CSRF,
    INVALID,
    NOT_FOUND,
    UNAUTHORIZED,
    add_paths,
    add_schemas,
    error_response,
    json_content,
    json_response,
    path_parameter,
    ref,
)
from ppp_assess.web.assessments.present import GAP_LIMIT, score_payload
from ppp_assess.web.errors import json_error, refuse
from ppp_assess.web.fields import translate_answer_error
from ppp_assess.web.locale import current_locale_info
from ppp_assess.web.security import current_actor, login_required

_NOT_GIVEN = object()


def _question_url(assessment_id: int) -> Any:
    def build(section_id: str, question_id: str) -> str:
        return url_for("assessments.section", assessment_id=assessment_id,
                       section_id=section_id, _anchor=f"question-{question_id}")
    return build


def _score(assessment: Assessment, report: ScoreReport, *, gap_limit: int | None) -> Any:
    return score_payload(service.questionnaire_for(assessment), report, gap_limit=gap_limit,
                         question_url=_question_url(assessment.id))


def stored_answer(row: Answer | None) -> dict[str, Any] | None:
    """Return the API's representation of a stored answer."""
    if row is None:
        return None
    return {"value": row.value, "comment": row.comment, "evidence": list(row.evidence or []),
            "version": row.version, "updated_at": row.updated_at.isoformat()}


def assessment_json(assessment: Assessment) -> dict[str, Any]:
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
    }


def _with_etag(response: Response, assessment: Assessment) -> Response:
    response.set_etag(str(assessment.version))
    return response


def _if_match() -> int | str | None:
    """Return the version in ``If-Match``: None when absent, "bad" when unreadable."""
    header = request.headers.get("If-Match")
    if header is None:
        return None
    value = header.strip()
    if value.startswith("W/"):
        value = value[2:]
    value = value.strip('"')
    return int(value) if value.isdigit() else "bad"


@bp.get("/assessments")
@login_required
def list_assessments() -> Response:
    """List the assessments of my organisations, newest change first."""
    rows = service.list_assessments(get_session(), current_actor())
    return jsonify({"assessments": [assessment_json(row) for row in rows]})


@bp.post("/assessments")
@login_required
def create_assessment() -> tuple[Response, int]:
    """Start an assessment with the newest version of a questionnaire."""
    db = get_session()
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("questionnaire"), str):
        return json_error(422, _("Send a JSON object naming the questionnaire."),
                          fields={"questionnaire": _("This is required.")}, error_code="invalid")
    organisation_id, project_id = body.get("organisation"), body.get("project")
    for name, value in (("organisation", organisation_id), ("project", project_id)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            return json_error(422, _("Give ids as whole numbers."),
                              fields={name: _("Give an id.")}, error_code="invalid")
    try:
        assessment = service.start_assessment_for(
            db, actor=current_actor(), questionnaire_id=body["questionnaire"],
            organisation_id=organisation_id, project_id=project_id)
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
def get_assessment(assessment_id: int) -> Response:
    """Return an assessment: status, version, answers and score."""
    db = get_session()
    assessment = permissions.get_assessment(db, current_actor(), assessment_id)
    state = service.assessment_state(db, assessment)
    body = assessment_json(assessment)
    body["answers"] = {qid: stored_answer(row) for qid, row in sorted(state.answers.items())}
    body["score"] = _score(assessment, state.report, gap_limit=None)
    return _with_etag(jsonify(body), assessment)


def _answer_input(body: dict[str, Any]) -> AnswerInput | tuple[Response, int]:
    if "value" not in body:
        return json_error(422, _("Send the answer as {\"value\": ...}; null clears it."),
                          fields={"value": _("This is required.")}, error_code="invalid")
    comment = body.get("comment")
    if comment is not None and not isinstance(comment, str):
        return json_error(422, _("The comment must be text."),
                          fields={"comment": _("The comment must be text.")},
                          error_code="invalid")
    evidence = body.get("evidence")
    if evidence is not None and not (isinstance(evidence, list)
                                     and all(isinstance(link, str) for link in evidence)):
        return json_error(422, _("Evidence must be a list of links."),
                          fields={"evidence": _("Evidence must be a list of links.")},
                          error_code="invalid")
    return AnswerInput(body["value"], comment, evidence)


@bp.put("/assessments/<int:assessment_id>/answers/<question_id>")
@login_required
def put_answer(assessment_id: int, question_id: str) -> tuple[Response, int]:
    """Save one answer, based on the assessment version in ``If-Match``."""
    db = get_session()
    actor = current_actor()
    assessment = permissions.get_own_assessment(db, actor, assessment_id)
    base_version = _if_match()
    if base_version is None:
        return json_error(428, _("Send the assessment version the answer is based on in "
                                 "the If-Match header."), error_code="version_required")
    if not isinstance(base_version, int):
        return json_error(400, _("The If-Match header must hold an assessment version."),
                          error_code="bad_version")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return json_error(422, _("Send a JSON object."), error_code="invalid")
    given = _answer_input(body)
    if not isinstance(given, AnswerInput):
        return given
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
    row = service.load_answers(db, assessment).get(question_id) if result.changed else None
    response = jsonify({
        "version": result.version,
        "saved": bool(result.changed),
        "answer": stored_answer(row) if result.changed else None,
        "score": _score(assessment, result.report, gap_limit=GAP_LIMIT),
    })
    response.set_etag(str(result.version))
    return response, 200


@bp.post("/assessments/<int:assessment_id>/submit")
@login_required
def submit_assessment(assessment_id: int) -> tuple[Response, int]:
    """Submit the assessment for review; 422 lists the required questions left unanswered."""
    db = get_session()
    actor = current_actor()
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


_SCORE = {
    "type": "object",
    "properties": {
        "overall": {"type": ["number", "null"], "description": "0-100, exact."},
        "overall_display": {"type": "string"},
        "level": {"type": ["string", "null"]}, "level_label": {"type": ["string", "null"]},
        "capped": {"type": "boolean"},
        "completion": {"type": "number", "description": "Share of the applicable required "
                       "questions that are answered, 0-1."},
        "completion_display": {"type": "string"},
        "missing_required": {"type": "array", "items": {"type": "string"}},
        "sections": {"type": "array", "items": {"type": "object", "properties": {
            "id": {"type": "string"}, "title": {"type": "string"},
            "score": {"type": ["number", "null"]}, "display": {"type": "string"},
            "answered": {"type": "integer"}, "applicable": {"type": "integer"},
            "status": {"enum": ["complete", "started", "not_started"]}}}},
        "gaps": {"type": "array", "items": {"type": "object", "properties": {
            "question_id": {"type": "string"}, "section_id": {"type": "string"},
            "text": {"type": "string"}, "action": {"type": ["string", "null"]},
            "impact": {"type": "number", "description": "Points the overall score would "
                       "gain with full marks on this question."},
            "impact_label": {"type": "string"}, "url": {"type": ["string", "null"]}}}},
    },
}

add_schemas({
    "Score": _SCORE,
    "StoredAnswer": {
        "type": "object",
        "properties": {
            "value": {"description": "An option value, a list of option values, a number, "
                      "`\"na\"`, a text or a `YYYY-MM-DD` date."},
            "comment": {"type": "string"},
            "evidence": {"type": "array", "items": {"type": "string", "format": "uri"}},
            "version": {"type": "integer"},
            "updated_at": {"type": "string", "format": "date-time"},
        },
    },
    "AnswerInput": {
        "type": "object",
        "required": ["value"],
        "properties": {
            "value": {"description": "The answer; `null` clears it."},
            "comment": {"type": ["string", "null"], "description": "Left out or null: kept."},
            "evidence": {"type": ["array", "null"], "items": {"type": "string"},
                         "description": "Links starting with https:// or http://; left out "
                                        "or null: kept."},
        },
    },
    "AssessmentSummary": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "questionnaire": {"type": "object", "properties": {
                "id": {"type": "string"}, "version": {"type": "string"}}},
            "subject": {"type": "object", "properties": {
                "type": {"enum": ["organisation", "project"]},
                "organisation": {"type": "integer"}, "project": {"type": ["integer", "null"]}}},
            "status": {"enum": ["draft", "submitted", "in_review", "approved", "certified",
                                "revoked"]},
            "version": {"type": "integer"},
            "score": {"type": ["number", "null"]}, "level": {"type": ["string", "null"]},
            "completion": {"type": "number"},
            "updated_at": {"type": "string", "format": "date-time"},
        },
    },
    "Assessment": {
        "allOf": [ref("AssessmentSummary"), {"type": "object", "properties": {
            "answers": {"type": "object", "additionalProperties": ref("StoredAnswer")},
            "score": ref("Score")}}],
    },
})

_ASSESSMENT_ID = path_parameter("assessment_id", "The assessment's id.")

add_paths({
    "/assessments": {
        "get": {
            "operationId": "listAssessments",
            "summary": "The assessments of the caller's organisations",
            "responses": {
                "200": json_response("The assessments.", {
                    "type": "object", "properties": {"assessments": {
                        "type": "array", "items": ref("AssessmentSummary")}}}),
                "401": UNAUTHORIZED,
            },
        },
        "post": {
            "operationId": "startAssessment",
            "summary": "Start an assessment with the newest version of a questionnaire",
            "requestBody": {"required": True, "content": json_content({
                "type": "object", "required": ["questionnaire"],
                "properties": {
                    "questionnaire": {"type": "string", "description": "Questionnaire id."},
                    "project": {"type": "integer",
                                "description": "For project questionnaires."},
                    "organisation": {"type": "integer", "description": "For organisation "
                                     "questionnaires; may be left out by members of one."},
                }})},
            "responses": {
                "201": json_response("The new draft.", ref("AssessmentSummary")),
                "400": CSRF, "401": UNAUTHORIZED, "404": NOT_FOUND,
                "409": error_response("An assessment of this questionnaire and subject is "
                                      "already open; `assessment` gives its id."),
                "422": INVALID,
            },
        },
    },
    "/assessments/{assessment_id}": {"get": {
        "operationId": "getAssessment",
        "summary": "An assessment's status, version, answers and score",
        "parameters": [_ASSESSMENT_ID],
        "responses": {
            "200": {**json_response("The assessment; the ETag is its version.",
                                    ref("Assessment")),
                    "headers": {"ETag": {"schema": {"type": "string"}}}},
            "401": UNAUTHORIZED, "404": NOT_FOUND,
        },
    }},
    "/assessments/{assessment_id}/answers/{question_id}": {"put": {
        "operationId": "saveAnswer",
        "summary": "Save one answer (the autosave)",
        "description": (
            "Send the assessment version the answer is based on in `If-Match`. A save that "
            "would change an answer someone else changed after that version gets 409 with "
            "the stored answer in `current` and the assessment's `version`; saving what is "
            "already stored is harmless."),
        "parameters": [
            _ASSESSMENT_ID,
            path_parameter("question_id", "The question's id.", integer=False),
            {"name": "If-Match", "in": "header", "required": True,
             "description": "The assessment version the answer is based on.",
             "schema": {"type": "string"}},
        ],
        "requestBody": {"required": True, "content": json_content(ref("AnswerInput"))},
        "responses": {
            "200": json_response("Saved (or already stored).", {
                "type": "object", "properties": {
                    "version": {"type": "integer"}, "saved": {"type": "boolean"},
                    "answer": {"oneOf": [ref("StoredAnswer"), {"type": "null"}]},
                    "score": ref("Score")}}),
            "400": CSRF, "401": UNAUTHORIZED, "404": NOT_FOUND,
            "409": error_response("Stale version (`code` \"stale\", with `current` and "
                                  "`version`) or the assessment is no longer a draft."),
            "422": INVALID,
            "428": error_response("No If-Match header."),
        },
    }},
    "/assessments/{assessment_id}/submit": {"post": {
        "operationId": "submitAssessment",
        "summary": "Submit a draft to the review board",
        "parameters": [_ASSESSMENT_ID],
        "responses": {
            "200": json_response("Submitted; `submission` holds the frozen score.",
                                 ref("AssessmentSummary")),
            "400": CSRF, "401": UNAUTHORIZED, "404": NOT_FOUND,
            "409": error_response("The assessment is not a draft."),
            "422": error_response("Required questions are unanswered; `missing` lists "
                                  "their ids."),
        },
    }},
})
