"""Review endpoints of the API: start a review, approve or return an assessment."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from flask import Response, jsonify
from pydantic import BaseModel, Field

from ppp_assess.domain.workflow import Status
from ppp_assess.models import Assessment, Submission
from ppp_assess.models import ReviewDecision as DecisionRow
from ppp_assess.services import board, permissions, reviews
from ppp_assess.services.errors import Invalid, ServiceError
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
from ppp_assess.web.locale import current_locale_info
from ppp_assess.web.security import current_actor, login_required, permission_required


def _state(assessment: Assessment) -> dict[str, Any]:
    return {"id": assessment.id, "status": assessment.status.value,
            "version": assessment.version, "reviewer": assessment.reviewer_id}


def _decision(row: DecisionRow) -> dict[str, Any]:
    submission = get_session().get(Submission, row.submission_id)
    return {"id": row.id, "decision": row.decision, "comment": row.reason,
            "submission": submission.number if submission else None,
            "decided_at": row.decided_at.isoformat()}


#: A reason or a comment on a question.
ReviewText = Annotated[str, Field(max_length=reviews.MAX_REASON_LENGTH)]


class ConflictDeclaration(StrictModel):
    """The reviewer's declaration."""

    declared_no_conflict: bool = Field(description="Must be true.")


class DecisionInput(StrictModel):
    """A reviewer's decision."""

    decision: Literal["approve", "return"]
    comment: ReviewText | None = Field(None, description="The reason; required to return.")
    question_comments: dict[str, ReviewText] | None = Field(
        None, description="Question id -> comment; blank comments are ignored. Left out, "
                          "the comments typed so far (`saveReviewComment`) are sent.")


class ReviewState(BaseModel):
    """An assessment's place in the review."""

    id: int
    status: Status
    version: int
    reviewer: int | None = Field(description="The user reviewing it; null unless in review.")


class ReviewDecision(BaseModel):
    """A decision of the review board."""

    id: int
    decision: Literal["approve", "return"]
    comment: str = Field(description="The reason or note.")
    submission: int | None = Field(description="Number of the submission decided on.")
    decided_at: dt.datetime


class ReviewStarted(BaseModel):
    """The assessment, now in review."""

    assessment: ReviewState


class ReviewDecided(BaseModel):
    """The assessment after the decision, and the decision."""

    assessment: ReviewState
    decision: ReviewDecision


_ASSESSMENT_ID = {"assessment_id": "The assessment."}
_NOT_REVIEWER = (Error, "Not a member of the review board, or no such submitted assessment.")
_FORBIDDEN = (Error, "The reviewer belongs to the assessed organisation (`own_organisation`) "
                     "or another reviewer has it (`not_assigned`).")
_WRONG_STATUS = (Error, "The lifecycle does not allow this now (`invalid_transition`); "
                        "nothing was changed.")


@bp.post("/assessments/<int:assessment_id>/start-review")
@permission_required(permissions.can_review)
@spec.validate(resp=Responses(
    HTTP_200=(ReviewStarted, "The assessment, now in review."),
    HTTP_400=CSRF, HTTP_401=UNAUTHORIZED, HTTP_403=_FORBIDDEN, HTTP_404=_NOT_REVIEWER,
    HTTP_409=_WRONG_STATUS, HTTP_422=INVALID),
    security=WRITE, path_parameter_descriptions=_ASSESSMENT_ID, operation_id="startReview",
    tags=["reviews"])
def start_review(assessment_id: int, json: ConflictDeclaration) -> tuple[Response, int]:
    """Take a submitted assessment for review

    Reviewers only. The reviewer declares that they have no conflict of interest; the
    declaration is kept with the assignment and in the audit log.
    """
    db = get_session()
    actor = current_actor()
    try:
        assessment = permissions.get_for_review(db, actor, assessment_id)
        reviews.start_review(db, assessment, reviewer=actor,
                             declared_no_conflict=json.declared_no_conflict)
    except ServiceError as error:
        return service_error(error)
    return jsonify({"assessment": _state(assessment)}), 200


@bp.post("/assessments/<int:assessment_id>/review")
@permission_required(permissions.can_review)
@spec.validate(resp=Responses(
    HTTP_200=(ReviewDecided, "The assessment after the decision, and the decision."),
    HTTP_400=CSRF, HTTP_401=UNAUTHORIZED, HTTP_403=_FORBIDDEN, HTTP_404=_NOT_REVIEWER,
    HTTP_409=(Error, "The lifecycle does not allow this now (`invalid_transition`), or the "
                     "panel has not all recommended and the due date has not passed "
                     "(`recommendations_pending`); nothing was changed."),
    HTTP_422=INVALID),
    security=WRITE, path_parameter_descriptions=_ASSESSMENT_ID, operation_id="decideReview",
    tags=["reviews"])
def review(assessment_id: int, json: DecisionInput) -> tuple[Response, int]:
    """Approve an assessment, or return it for changes

    Only the reviewer who started the review decides; where the questionnaire has a
    panel, once its members have recommended or the due date has passed. A return needs
    a `comment` (the reason); the questions given a comment in `question_comments` are
    flagged for the organisation. The organisation's members are told by mail.
    """
    db = get_session()
    actor = current_actor()
    try:
        assessment = permissions.get_for_review(db, actor, assessment_id)
        decision = reviews.decide(db, assessment, reviewer=actor, decision=json.decision,
                                  reason=json.comment or "",
                                  question_comments=json.question_comments,
                                  locale=current_locale_info().code)
    except Invalid as error:
        # The service calls the reason "reason"; the API calls it "comment".
        if "reason" in error.fields:
            error.fields["comment"] = error.fields.pop("reason")
        return service_error(error)
    except ServiceError as error:
        return service_error(error)
    return jsonify({"assessment": _state(assessment), "decision": _decision(decision)}), 200


class CommentInput(StrictModel):
    """A reviewer's comment on one question, as typed so far."""

    text: str = Field(max_length=reviews.MAX_REASON_LENGTH,
                      description="The comment; blank removes it.")


class ReviewComment(BaseModel):
    """A reviewer's comment on one question."""

    question_id: str
    text: str
    draft: bool = Field(description="Not sent yet: only its author sees it, until the "
                                    "decision or the recommendation sends it.")
    mine: bool = Field(description="Written by the caller.")
    submission: int = Field(description="Number of the submission it is about.")
    changed_at: dt.datetime


class ReviewCommentList(BaseModel):
    """The comments on questions the caller may read, in the questionnaire's order."""

    comments: list[ReviewComment]


class ReviewCommentSaved(BaseModel):
    """The comment as kept; null once removed."""

    comment: ReviewComment | None


def _comment(entry: reviews.CommentEntry) -> dict[str, Any]:
    return {"question_id": entry.question_id, "text": entry.text, "draft": entry.draft,
            "mine": entry.mine, "submission": entry.submission,
            "changed_at": entry.changed_at.isoformat()}


@bp.get("/assessments/<int:assessment_id>/review-comments")
@login_required
@spec.validate(resp=Responses(
    HTTP_200=(ReviewCommentList, "The comments."),
    HTTP_401=UNAUTHORIZED, HTTP_404=NOT_FOUND),
    security=READ, path_parameter_descriptions=_ASSESSMENT_ID,
    operation_id="listReviewComments", tags=["reviews"])
def list_review_comments(assessment_id: int) -> Response:
    """The reviewers' comments on the questions

    The organisation sees the comments of the latest return once the decision is sent; a
    reviewer also sees the comments they have typed and not sent yet.
    """
    db = get_session()
    actor = current_actor()
    assessment = permissions.get_assessment(db, actor, assessment_id)
    entries = reviews.visible_review_comments(db, actor, assessment)
    return jsonify({"comments": [_comment(entry) for entry in entries]})


@bp.put("/assessments/<int:assessment_id>/review-comments/<question_id>")
@permission_required(permissions.can_review)
@spec.validate(resp=Responses(
    HTTP_200=(ReviewCommentSaved, "The comment as kept, unsent."),
    HTTP_400=CSRF, HTTP_401=UNAUTHORIZED,
    HTTP_403=(Error, "The caller neither leads the review nor has an open seat on its "
                     "panel (`not_assigned`), or belongs to the organisation."),
    HTTP_404=(Error, "No such assessment under review, or no such question."),
    HTTP_409=_WRONG_STATUS, HTTP_422=INVALID),
    security=WRITE, path_parameter_descriptions={**_ASSESSMENT_ID,
                                                 "question_id": "The question's id."},
    operation_id="saveReviewComment", tags=["reviews"])
def save_review_comment(assessment_id: int, question_id: str,
                        json: CommentInput) -> tuple[Response, int]:
    """Keep a reviewer's comment on one question as it is typed

    The comment stays with its author until the decision (or the panel member's
    recommendation) sends it; the organisation sees nothing before. Blank text removes it.
    """
    db = get_session()
    actor = current_actor()
    try:
        assessment = permissions.get_for_review(db, actor, assessment_id)
        board.save_comment_draft(db, assessment, reviewer=actor, question_id=question_id,
                                 text=json.text)
    except ServiceError as error:
        return service_error(error)
    entry = next((item for item in reviews.visible_review_comments(db, actor, assessment)
                  if item.draft and item.question_id == question_id), None)
    return jsonify({"comment": _comment(entry) if entry else None}), 200
