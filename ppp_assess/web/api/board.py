"""Panel endpoints of the API: the reviewers on an assessment, assigning them, recommending."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from flask import Response, jsonify
from pydantic import BaseModel, Field

from ppp_assess.domain.board import AssignmentRole, AssignmentStatus
from ppp_assess.services import board, permissions
from ppp_assess.services.accounts.users import find_user
from ppp_assess.services.errors import Invalid, ServiceError
from ppp_assess.unit_of_work import get_session
from ppp_assess.web.api import bp, service_error
from ppp_assess.web.api.openapi import (
    CSRF,
    INVALID,
    READ,
    UNAUTHORIZED,
    WRITE,
    Error,
    Responses,
    StrictModel,
    spec,
)
from ppp_assess.web.api.reviews import ReviewText
from ppp_assess.web.locale import current_locale_info
from ppp_assess.web.security import current_actor, permission_required


class AssignmentInput(StrictModel):
    """The reviewer to put on the panel."""

    reviewer: str = Field(max_length=254, description="The reviewer's e-mail address.")


class RecommendationInput(StrictModel):
    """A panel member's recommendation."""

    recommendation: Literal["approve", "return"]
    reason: ReviewText | None = Field(None, description="Why; required to return.")
    question_comments: dict[str, ReviewText] | None = Field(
        None, description="Question id -> comment; blank comments are ignored.")


class Assignment(BaseModel):
    """One reviewer on the review of the assessment's latest submission."""

    id: int
    reviewer: int = Field(description="The reviewer's user id.")
    name: str
    role: AssignmentRole = Field(description="`lead` took the review and decides (the "
                                             "chair, where there is one); `member` recommends.")
    status: AssignmentStatus
    due_at: dt.datetime | None = Field(description="When the review is due; null without a "
                                                   "deadline.")
    recommendation: Literal["approve", "return"] | None = Field(
        description="Null until recorded, and while the caller may not see it: panel "
                    "members see the others' once they have recorded their own.")
    reason: str | None = Field(description="The recommendation's reason, when visible.")
    question_comments: dict[str, str] = Field(
        description="The member's comments by question id, when visible.")
    decline_reason: str | None = Field(description="Why the reviewer declined, if they did; "
                                                   "shown with the recommendations.")


class Panel(BaseModel):
    """The reviewers of the assessment's latest submission."""

    panel_size: int
    chair_decides: bool
    due_at: dt.datetime | None
    recommendations: int = Field(description="How many members have recommended.")
    disagreement: bool = Field(description="The visible recommendations differ.")
    may_decide: bool = Field(description="The recommendations are in or the due date "
                                         "passed, so the lead may decide.")
    assignments: list[Assignment]


class AssignmentCreated(BaseModel):
    """The new assignment."""

    assignment: Assignment


def _panel(assessment_id: int) -> dict[str, object]:
    db = get_session()
    actor = current_actor()
    assessment = permissions.get_for_panel(db, actor, assessment_id)
    view = board.panel_view(db, actor, assessment)
    return {
        "panel_size": view.rules.panel_size, "chair_decides": view.rules.chair_decides,
        "due_at": view.due_at.isoformat() if view.due_at else None,
        "recommendations": view.recommended, "disagreement": view.disagreement,
        "may_decide": view.may_decide,
        "assignments": [{
            "id": seat.assignment.id, "reviewer": seat.assignment.reviewer_id,
            "name": seat.reviewer_name, "role": seat.assignment.role.value,
            "status": seat.assignment.state.value,
            "due_at": seat.assignment.due_at.isoformat() if seat.assignment.due_at else None,
            "recommendation": seat.recommendation.value if seat.recommendation else None,
            "reason": seat.reason, "question_comments": dict(seat.comments),
            "decline_reason": seat.assignment.decline_reason if view.sees_all else None,
        } for seat in view.seats],
    }


_ASSESSMENT_ID = {"assessment_id": "The assessment."}
_NOT_FOUND = (Error, "No such assessment, or not one whose review the caller may see.")


@bp.get("/assessments/<int:assessment_id>/assignments")
@permission_required(permissions.is_signed_in)
@spec.validate(resp=Responses(
    HTTP_200=(Panel, "The panel of the latest submission."),
    HTTP_401=UNAUTHORIZED, HTTP_404=_NOT_FOUND),
    security=READ, path_parameter_descriptions=_ASSESSMENT_ID, operation_id="listAssignments",
    tags=["reviews"])
def list_assignments(assessment_id: int) -> tuple[Response, int]:
    """List the reviewers of an assessment

    The review board and administrators. Each reviewer with their role, status and due
    date; a recommendation and its comments show once the caller may see them (the
    lead, administrators, and members who have recorded their own).
    """
    try:
        return jsonify(_panel(assessment_id)), 200
    except ServiceError as error:
        return service_error(error)


@bp.post("/assessments/<int:assessment_id>/assignments")
@permission_required(permissions.is_signed_in)
@spec.validate(resp=Responses(
    HTTP_201=(AssignmentCreated, "The reviewer is on the panel and has been told by mail."),
    HTTP_400=CSRF, HTTP_401=UNAUTHORIZED,
    HTTP_403=(Error, "The caller is neither the chair of the review nor an administrator."),
    HTTP_404=_NOT_FOUND,
    HTTP_409=(Error, "The reviewer has a conflict of interest (`conflict_of_interest`), is "
                     "on the review already (`already_assigned`), or the assessment is not "
                     "waiting for or in review (`invalid_transition`)."),
    HTTP_422=INVALID),
    security=WRITE, path_parameter_descriptions=_ASSESSMENT_ID, operation_id="assignReviewer",
    tags=["reviews"])
def assign(assessment_id: int, json: AssignmentInput) -> tuple[Response, int]:
    """Assign a reviewer to an assessment

    The chair of the review (the reviewer who took it) or an administrator. A reviewer of
    the assessed organisation, with a declared link to it, or (where the questionnaire's
    settings say so) from the subject's country is refused with 409.
    """
    db = get_session()
    actor = current_actor()
    try:
        assessment = permissions.get_for_panel(db, actor, assessment_id)
        reviewer = find_user(db, json.reviewer)
        if reviewer is None:
            raise Invalid("Only members of the review board can be assigned.",
                          fields={"reviewer": "not_reviewer"})
        row = board.assign_reviewer(db, assessment, actor=actor, reviewer=reviewer,
                                    locale=current_locale_info().code)
        panel = _panel(assessment_id)
    except ServiceError as error:
        return service_error(error)
    created = next(item for item in panel["assignments"]  # type: ignore[attr-defined]
                   if item["id"] == row.id)
    return jsonify({"assignment": created}), 201


@bp.post("/assessments/<int:assessment_id>/recommendation")
@permission_required(permissions.can_review)
@spec.validate(resp=Responses(
    HTTP_200=(Panel, "The recommendation is recorded; the panel as the caller now sees it."),
    HTTP_400=CSRF, HTTP_401=UNAUTHORIZED,
    HTTP_403=(Error, "The caller is not on the panel or has recommended already "
                     "(`not_assigned`), or belongs to the organisation (`own_organisation`)."),
    HTTP_404=_NOT_FOUND,
    HTTP_409=(Error, "The assessment is not waiting for or in review (`invalid_transition`)."),
    HTTP_422=INVALID),
    security=WRITE, path_parameter_descriptions=_ASSESSMENT_ID,
    operation_id="recommendReview", tags=["reviews"])
def recommend(assessment_id: int, json: RecommendationInput) -> tuple[Response, int]:
    """Recommend approving or returning an assessment

    Reviewers assigned to its panel, once each. Returning needs a `reason`; comments on
    questions go in `question_comments`. The answer shows the panel as the caller sees it
    now: with the other members' recommendations.
    """
    db = get_session()
    actor = current_actor()
    try:
        assessment = permissions.get_for_review(db, actor, assessment_id)
        board.recommend(db, assessment, reviewer=actor, recommendation=json.recommendation,
                        reason=json.reason or "",
                        question_comments=json.question_comments)
        return jsonify(_panel(assessment_id)), 200
    except ServiceError as error:
        return service_error(error)
