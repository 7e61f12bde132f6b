"""The review board's work: starting a review, returning for changes, approving."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from sqlalchemy.orm import Session

from ppp_assess.domain.reference import PlatformRole
from ppp_assess.domain.workflow import Action, Status
from ppp_assess.models import Assessment, ReviewAssignment, ReviewComment, ReviewDecision, User
from ppp_assess.models.base import utcnow
from ppp_assess.services.access import is_member
from ppp_assess.services.assessments import apply_action, latest_submission
from ppp_assess.services.audit import record_event
from ppp_assess.services.errors import Conflict, Forbidden, Invalid

log = logging.getLogger(__name__)

MAX_REASON_LENGTH = 5000


def _check_reviewer(session: Session, reviewer: User, assessment: Assessment) -> None:
    if not reviewer.has_platform_role(PlatformRole.reviewer):
        raise Forbidden("Only members of the review board can review assessments.")
    if is_member(session, reviewer, assessment.organisation_id):
        raise Forbidden("You cannot review an assessment of an organisation you belong to.",
                        code="own_organisation")


def _set_status(session: Session, assessment: Assessment, action: Action, *, actor: User,
                event: str, extra: Mapping[str, object] | None = None) -> None:
    new_status = apply_action(assessment, action)
    before = assessment.status
    assessment.status = new_status
    assessment.version += 1
    assessment.updated_at = utcnow()
    session.flush()
    record_event(
        session, actor_id=actor.id, action=event, object_type="assessment",
        object_id=assessment.id, organisation_id=assessment.organisation_id,
        before={"status": before.value}, after={"status": new_status.value, **(extra or {})},
    )


def start_review(session: Session, assessment: Assessment, *, reviewer: User,
                 declared_no_conflict: bool) -> ReviewAssignment:
    """Assign ``reviewer`` to a submitted assessment.

    :raises Forbidden: when ``reviewer`` is not on the board or belongs to the organisation.
    :raises Invalid: when the reviewer has not declared the absence of a conflict of interest.
    :raises Conflict: when the assessment is not waiting for review.
    """
    session.refresh(assessment, with_for_update=True)
    _check_reviewer(session, reviewer, assessment)
    if not declared_no_conflict:
        raise Invalid("Declare that you have no conflict of interest before starting.",
                      fields={"declared_no_conflict": "required"})
    apply_action(assessment, Action.start_review)
    submission = latest_submission(session, assessment)
    if submission is None:
        raise Conflict("This assessment is not waiting for review.")
    assignment = ReviewAssignment(assessment_id=assessment.id, submission_id=submission.id,
                                  reviewer_id=reviewer.id, declared_no_conflict=True)
    session.add(assignment)
    assessment.reviewer_id = reviewer.id
    _set_status(session, assessment, Action.start_review, actor=reviewer,
                event="review.started", extra={"reviewer": reviewer.id,
                                               "declared_no_conflict": True})
    return assignment


def _check_assigned(assessment: Assessment, reviewer: User) -> None:
    if assessment.status == Status.in_review and assessment.reviewer_id != reviewer.id:
        raise Forbidden("Another reviewer is reviewing this assessment.",
                        code="not_assigned")


def _clean_comments(question_comments: Mapping[str, str], valid_ids: set[str]) -> dict[str, str]:
    cleaned: dict[str, str] = {}
    for question_id, body in question_comments.items():
        body = (body or "").strip()
        if not body:
            continue
        if question_id not in valid_ids:
            raise Invalid("A comment refers to a question this questionnaire does not have.",
                          fields={question_id: "unknown_question"})
        if len(body) > MAX_REASON_LENGTH:
            raise Invalid("A comment is longer than %(max)s characters.",
                          {"max": MAX_REASON_LENGTH}, fields={question_id: "too_long"})
        cleaned[question_id] = body
    return cleaned


def decide(
    session: Session,
    assessment: Assessment,
    *,
    reviewer: User,
    decision: str,
    reason: str = "",
    question_comments: Mapping[str, str] | None = None,
) -> ReviewDecision:
    """Approve an assessment under review, or return it to its organisation for changes.

    Returning needs a reason; the questions that carry a comment are flagged for the
    respondent and the assessment becomes a draft again.

    :raises Invalid: for an unknown decision, a return without reason, or bad comments.
    :raises Forbidden: when ``reviewer`` may not decide on this assessment.
    :raises Conflict: when the assessment is not under review.
    """
    from ppp_assess.services.assessments import questionnaire_for

    if decision not in {"approve", "return"}:
        raise Invalid("Choose to approve or to return for changes.",
                      fields={"decision": "required"})
    session.refresh(assessment, with_for_update=True)
    _check_reviewer(session, reviewer, assessment)
    _check_assigned(assessment, reviewer)
    action = Action.approve if decision == "approve" else Action.return_
    apply_action(assessment, action)
    reason = (reason or "").strip()
    if decision == "return" and not reason:
        raise Invalid("Say why the assessment is returned.", fields={"reason": "required"})
    if len(reason) > MAX_REASON_LENGTH:
        raise Invalid("The reason is longer than %(max)s characters.", {"max": MAX_REASON_LENGTH},
                      fields={"reason": "too_long"})
    questionnaire = questionnaire_for(assessment)
    comments = _clean_comments(question_comments or {},
                               {q.id for q in questionnaire.all_questions()})
    submission = latest_submission(session, assessment)
    assert submission is not None  # in_review implies a submission
    for question_id, body in comments.items():
        session.add(ReviewComment(assessment_id=assessment.id, submission_id=submission.id,
                                  question_id=question_id, author_id=reviewer.id, body=body,
                                  flagged=decision == "return"))
    row = ReviewDecision(assessment_id=assessment.id, submission_id=submission.id,
                         reviewer_id=reviewer.id, decision=decision, reason=reason)
    session.add(row)
    if decision == "approve":
        assessment.approved_at = utcnow()
    else:
        assessment.reviewer_id = None
    _set_status(session, assessment, action, actor=reviewer,
                event="review.approved" if decision == "approve" else "review.returned",
                extra={"submission": submission.number, "flagged": sorted(comments)
                       if decision == "return" else []})
    return row
