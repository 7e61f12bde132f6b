"""Review endpoints of the API: start a review, approve or return an assessment."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request

from ppp_assess.domain.workflow import Status
from ppp_assess.models import Assessment, ReviewDecision, Submission
from ppp_assess.services import permissions, reviews
from ppp_assess.services.errors import Invalid, ServiceError
from ppp_assess.unit_of_work import get_session
from ppp_assess.web.api import bp, service_error
from ppp_assess.web.api.openapi import (
    CSRF,
    INVALID,
    UNAUTHORIZED,
    add_paths,
    add_schemas,
    error_response,
    json_content,
    json_response,
    path_parameter,
    ref,
)
from ppp_assess.web.locale import current_locale_info
from ppp_assess.web.security import current_actor, permission_required


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise Invalid("Send a JSON object.", fields={"body": "not_an_object"})
    return body


def _state(assessment: Assessment) -> dict[str, Any]:
    return {"id": assessment.id, "status": assessment.status.value,
            "version": assessment.version, "reviewer": assessment.reviewer_id}


def _decision(row: ReviewDecision) -> dict[str, Any]:
    submission = get_session().get(Submission, row.submission_id)
    return {"id": row.id, "decision": row.decision, "comment": row.reason,
            "submission": submission.number if submission else None,
            "decided_at": row.decided_at.isoformat()}


@bp.post("/assessments/<int:assessment_id>/start-review")
@permission_required(permissions.can_review)
def start_review(assessment_id: int) -> tuple[Response, int]:
    """Start reviewing a submitted assessment: ``{"declared_no_conflict": true}``."""
    db = get_session()
    actor = current_actor()
    try:
        body = _body()
        assessment = permissions.get_for_review(db, actor, assessment_id)
        declared = body.get("declared_no_conflict")
        if not isinstance(declared, bool):
            raise Invalid("Declare that you have no conflict of interest before starting.",
                          fields={"declared_no_conflict": "required"})
        reviews.start_review(db, assessment, reviewer=actor, declared_no_conflict=declared)
    except ServiceError as error:
        return service_error(error)
    return jsonify({"assessment": _state(assessment)}), 200


@bp.post("/assessments/<int:assessment_id>/review")
@permission_required(permissions.can_review)
def review(assessment_id: int) -> tuple[Response, int]:
    """Decide on an assessment under review.

    Body: ``{"decision": "approve" | "return", "comment": "...", "question_comments":
    {"question id": "comment"}}``; a return needs a comment (the reason).
    """
    db = get_session()
    actor = current_actor()
    try:
        body = _body()
        assessment = permissions.get_for_review(db, actor, assessment_id)
        comment = body.get("comment", "")
        question_comments = body.get("question_comments") or {}
        if comment is None:
            comment = ""
        if not isinstance(comment, str):
            raise Invalid("The comment must be text.", fields={"comment": "wrong_type"})
        decision = reviews.decide(db, assessment, reviewer=actor,
                                  decision=str(body.get("decision") or ""), reason=comment,
                                  question_comments=question_comments,
                                  locale=current_locale_info().code)
    except Invalid as error:
        # The service calls the reason "reason"; the API calls it "comment".
        if "reason" in error.fields:
            error.fields["comment"] = error.fields.pop("reason")
        return service_error(error)
    except ServiceError as error:
        return service_error(error)
    return jsonify({"assessment": _state(assessment), "decision": _decision(decision)}), 200


add_schemas({
    "ReviewState": {
        "type": "object",
        "required": ["id", "status", "version", "reviewer"],
        "properties": {
            "id": {"type": "integer"},
            "status": {"type": "string", "enum": [status.value for status in Status]},
            "version": {"type": "integer"},
            "reviewer": {"type": ["integer", "null"],
                         "description": "The user reviewing it; null unless in review."},
        },
    },
    "ReviewDecision": {
        "type": "object",
        "required": ["id", "decision", "comment", "submission", "decided_at"],
        "properties": {
            "id": {"type": "integer"},
            "decision": {"type": "string", "enum": list(reviews.DECISIONS)},
            "comment": {"type": "string", "description": "The reason or note."},
            "submission": {"type": "integer",
                           "description": "Number of the submission decided on."},
            "decided_at": {"type": "string", "format": "date-time"},
        },
    },
})

_ASSESSMENT_ID = path_parameter("assessment_id", "The assessment.")
_NOT_REVIEWER = error_response("Not a member of the review board, or no such submitted "
                               "assessment.")
_FORBIDDEN = error_response("The reviewer belongs to the assessed organisation "
                            "(`own_organisation`) or another reviewer has it "
                            "(`not_assigned`).")
_WRONG_STATUS = error_response("The lifecycle does not allow this now "
                               "(`invalid_transition`); nothing was changed.")

add_paths({
    "/assessments/{assessment_id}/start-review": {"post": {
        "operationId": "startReview",
        "summary": "Take a submitted assessment for review",
        "description": "Reviewers only. The reviewer declares that they have no conflict of "
                       "interest; the declaration is kept with the assignment and in the "
                       "audit log.",
        "parameters": [_ASSESSMENT_ID],
        "requestBody": {"required": True, "content": json_content({
            "type": "object", "required": ["declared_no_conflict"],
            "properties": {"declared_no_conflict": {
                "type": "boolean", "description": "Must be true."}}})},
        "responses": {
            "200": json_response("The assessment, now in review.", {
                "type": "object", "properties": {"assessment": ref("ReviewState")}}),
            "400": CSRF, "401": UNAUTHORIZED, "403": _FORBIDDEN, "404": _NOT_REVIEWER,
            "409": _WRONG_STATUS, "422": INVALID,
        },
    }},
    "/assessments/{assessment_id}/review": {"post": {
        "operationId": "decideReview",
        "summary": "Approve an assessment, or return it for changes",
        "description": "Only the reviewer who started the review decides. A return needs a "
                       "`comment` (the reason); the questions given a comment in "
                       "`question_comments` are flagged for the organisation. The "
                       "organisation's members are told by mail.",
        "parameters": [_ASSESSMENT_ID],
        "requestBody": {"required": True, "content": json_content({
            "type": "object", "required": ["decision"],
            "properties": {
                "decision": {"type": "string", "enum": list(reviews.DECISIONS)},
                "comment": {"type": "string", "maxLength": reviews.MAX_REASON_LENGTH},
                "question_comments": {
                    "type": "object",
                    "additionalProperties": {"type": "string",
                                             "maxLength": reviews.MAX_REASON_LENGTH},
                    "description": "Question id -> comment; blank comments are ignored."},
            }})},
        "responses": {
            "200": json_response("The assessment after the decision, and the decision.", {
                "type": "object", "properties": {"assessment": ref("ReviewState"),
                                                 "decision": ref("ReviewDecision")}}),
            "400": CSRF, "401": UNAUTHORIZED, "403": _FORBIDDEN, "404": _NOT_REVIEWER,
            "409": _WRONG_STATUS, "422": INVALID,
        },
    }},
})
