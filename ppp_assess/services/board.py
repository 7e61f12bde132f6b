"""The review board working as a panel: settings, assignments, recommendations, deadlines.

A questionnaire's :class:`~ppp_assess.models.ReviewSettings` say how many reviewers
recommend on a submission and whether a chair decides. The reviewer who takes an
assessment (:func:`ppp_assess.services.reviews.start_review`) leads its review: the
chair, when there is one. The chair or an administrator assigns the panel; each member
comments per question and recommends approving or returning; the lead decides once the
recommendations are in or the due date has passed
(:func:`ppp_assess.services.reviews.decide`). With a panel of one and no chair, the
reviewer who takes the assessment decides alone, as before.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ppp_assess.domain import board
from ppp_assess.domain.board import (
    AssignmentRole,
    AssignmentStatus,
    BoardRules,
    Reminder,
    ReviewTimes,
)
from ppp_assess.domain.messages import N_
from ppp_assess.domain.reference import PlatformRole
from ppp_assess.domain.schema import Questionnaire
from ppp_assess.domain.workflow import Decision, Status
from ppp_assess.models import (
    Assessment,
    Organisation,
    QuestionnaireVersion,
    ReviewAssignment,
    ReviewComment,
    ReviewDecision,
    ReviewerInterest,
    ReviewSettings,
    Submission,
    User,
)
from ppp_assess.models.base import utcnow
from ppp_assess.services import outbox
from ppp_assess.services.assessments import latest_submission, questionnaire_for
from ppp_assess.services.audit import record_event
from ppp_assess.services.errors import Conflict, Forbidden, Invalid, NotFound
from ppp_assess.services.permissions import (
    Person,
    active_assignment,
    can_administer_platform,
    can_assign_reviewers,
    can_decide_review,
    can_recommend,
    can_see_recommendations,
    conflicts_of_interest,
    eligible_reviewers,
    ensure_independent_reviewer,
    ensure_no_conflict_of_interest,
    lock_assessment_row,
)

log = logging.getLogger(__name__)

MAX_TEXT_LENGTH = 5000


# --------------------------------------------------------------------------- settings


def _rules(row: ReviewSettings | None) -> BoardRules:
    if row is None:
        return BoardRules()
    return BoardRules(panel_size=row.panel_size, chair_decides=row.chair_decides,
                      deadline_days=row.deadline_days,
                      remind_days_before=row.remind_days_before,
                      same_country_conflict=row.same_country_conflict,
                      show_reviewer_names=row.show_reviewer_names)


def rules_for(session: Session, questionnaire_id: str) -> BoardRules:
    """Return the review settings of a questionnaire (the defaults when it has none)."""
    return _rules(session.scalar(select(ReviewSettings).where(
        ReviewSettings.questionnaire_id == questionnaire_id)))


def rules_of(session: Session, assessment: Assessment) -> BoardRules:
    """Return the review settings of the assessment's questionnaire."""
    return rules_for(session, assessment.questionnaire_version.questionnaire_id)


def all_rules(session: Session) -> dict[str, BoardRules]:
    """Return the review settings of every questionnaire that has some, by questionnaire id."""
    return {row.questionnaire_id: _rules(row) for row in session.scalars(select(ReviewSettings))}


def save_settings(session: Session, questionnaire_id: str, *, actor: Person, panel_size: int,
                  chair_decides: bool, deadline_days: int | None,
                  remind_days_before: int = board.DEFAULT_REMIND_DAYS_BEFORE,
                  same_country_conflict: bool = False,
                  show_reviewer_names: bool = False) -> ReviewSettings:
    """Set how the board reviews a questionnaire; the change is an audit event.

    :raises Forbidden: when ``actor`` is not a platform administrator.
    :raises NotFound: for a questionnaire that was never published.
    :raises Invalid: for a panel size, deadline or reminder outside the allowed ranges.
    """
    if not can_administer_platform(actor):
        raise Forbidden("Only administrators can change how the board reviews.")
    if session.scalar(select(QuestionnaireVersion.id).where(
            QuestionnaireVersion.questionnaire_id == questionnaire_id).limit(1)) is None:
        raise NotFound("This questionnaire does not exist.")
    if not isinstance(panel_size, int) or not 1 <= panel_size <= board.MAX_PANEL_SIZE:
        raise Invalid("The panel has between 1 and %(max)s reviewers.",
                      {"max": board.MAX_PANEL_SIZE}, fields={"panel_size": "out_of_range"})
    if deadline_days is not None and not 1 <= deadline_days <= board.MAX_DEADLINE_DAYS:
        raise Invalid("The deadline is between 1 and %(max)s days.",
                      {"max": board.MAX_DEADLINE_DAYS}, fields={"deadline_days": "out_of_range"})
    if not 0 <= remind_days_before <= board.MAX_DEADLINE_DAYS:
        raise Invalid("The reminder is between 0 and %(max)s days before the due date.",
                      {"max": board.MAX_DEADLINE_DAYS},
                      fields={"remind_days_before": "out_of_range"})
    row = session.scalar(select(ReviewSettings).where(
        ReviewSettings.questionnaire_id == questionnaire_id))
    before = _settings_dict(row) if row is not None else None
    if row is None:
        row = ReviewSettings(questionnaire_id=questionnaire_id)
        session.add(row)
    row.panel_size = panel_size
    row.chair_decides = bool(chair_decides)
    row.deadline_days = deadline_days
    row.remind_days_before = remind_days_before
    row.same_country_conflict = bool(same_country_conflict)
    row.show_reviewer_names = bool(show_reviewer_names)
    session.flush()
    record_event(session, actor_id=actor.id, action="review.settings_changed",
                 object_type="questionnaire", object_id=questionnaire_id,
                 before=before, after=_settings_dict(row))
    return row


def _settings_dict(row: ReviewSettings) -> dict[str, Any]:
    return {"panel_size": row.panel_size, "chair_decides": row.chair_decides,
            "deadline_days": row.deadline_days, "remind_days_before": row.remind_days_before,
            "same_country_conflict": row.same_country_conflict,
            "show_reviewer_names": row.show_reviewer_names}


def declare_interest(session: Session, reviewer: User, *, organisation_id: int | None = None,
                     country: str | None = None, note: str = "") -> ReviewerInterest:
    """Record a reviewer's link with an organisation or a country (a conflict of interest).

    :raises Invalid: when neither an existing organisation nor a country code is given.
    """
    if organisation_id is None and not country:
        raise Invalid("Name the organisation or the country.", fields={"organisation": "required"})
    if organisation_id is not None and session.get(Organisation, organisation_id) is None:
        raise Invalid("This organisation does not exist.", fields={"organisation": "invalid"})
    code = country.strip().upper() if country else None
    if code is not None and (len(code) != 2 or not code.isalpha()):
        raise Invalid("Choose a country.", fields={"country": "invalid"})
    row = ReviewerInterest(reviewer_id=reviewer.id, organisation_id=organisation_id,
                           country=code, note=(note or "").strip()[:MAX_TEXT_LENGTH])
    session.add(row)
    session.flush()
    record_event(session, actor_id=reviewer.id, action="review.interest_declared",
                 object_type="user", object_id=reviewer.id,
                 after={"organisation": organisation_id, "country": code, "note": row.note})
    return row


def interests_of(session: Session, reviewer: User) -> list[ReviewerInterest]:
    """Return the links ``reviewer`` declared, newest first."""
    return list(session.scalars(select(ReviewerInterest).where(
        ReviewerInterest.reviewer_id == reviewer.id)
        .order_by(ReviewerInterest.created_at.desc(), ReviewerInterest.id.desc())))


# --------------------------------------------------------------------------- assignments


def _current_submission(session: Session, assessment: Assessment) -> Submission:
    submission = latest_submission(session, assessment)
    if submission is None or assessment.status not in (Status.submitted, Status.in_review):
        raise Conflict("This assessment is not waiting for review.", code="invalid_transition")
    return submission


def assign_reviewer(session: Session, assessment: Assessment, *, actor: Person, reviewer: User,
                    locale: str | None = None) -> ReviewAssignment:
    """Put ``reviewer`` on the panel of the assessment's latest submission.

    The reviewer is told by mail. A reviewer already on the panel is not assigned twice.

    :raises Forbidden: when ``actor`` is neither the chair of the review nor an
        administrator.
    :raises Invalid: when ``reviewer`` is not an active member of the review board.
    :raises Conflict: code ``conflict_of_interest`` when the reviewer has one, code
        ``already_assigned`` when they are on the review already, code
        ``invalid_transition`` when the assessment does not wait for or is not in review.
    """
    lock_assessment_row(session, assessment)
    submission = _current_submission(session, assessment)
    if not can_assign_reviewers(session, actor, assessment):
        raise Forbidden("Only the chair of the review or an administrator can assign "
                        "reviewers.")
    if not reviewer.active or not reviewer.has_platform_role(PlatformRole.reviewer):
        raise Invalid("Only members of the review board can be assigned.",
                      fields={"reviewer": "not_reviewer"})
    rules = rules_of(session, assessment)
    ensure_no_conflict_of_interest(session, reviewer, assessment,
                                   same_country=rules.same_country_conflict)
    taken = session.scalar(select(ReviewAssignment.id).where(
        ReviewAssignment.submission_id == submission.id,
        ReviewAssignment.reviewer_id == reviewer.id,
        ReviewAssignment.state != AssignmentStatus.declined).limit(1))
    if taken is not None or assessment.reviewer_id == reviewer.id:
        raise Conflict("This reviewer is on this review already.", code="already_assigned")
    row = _seat_member(session, assessment, submission, reviewer=reviewer, actor=actor,
                       rules=rules, locale=locale)
    log.info("reviewer %s assigned to assessment %s by %s", reviewer.id, assessment.id,
             actor.id)
    return row


def _seat_member(session: Session, assessment: Assessment, submission: Submission, *,
                 reviewer: User, actor: Person, rules: BoardRules, locale: str | None,
                 carried_over: bool = False) -> ReviewAssignment:
    """Put ``reviewer`` on the panel of ``submission``: the row, its audit event and the
    mail that tells them."""
    row = ReviewAssignment(assessment_id=assessment.id, submission_id=submission.id,
                           reviewer_id=reviewer.id, declared_no_conflict=False,
                           role=AssignmentRole.member, state=AssignmentStatus.active,
                           assigned_by_id=actor.id,
                           due_at=rules.due_at(submission.submitted_at))
    session.add(row)
    session.flush()
    after: dict[str, Any] = {"assignment": row.id, "reviewer": reviewer.id,
                             "submission": submission.number}
    if carried_over:
        after["carried_over"] = True
    after["due_at"] = row.due_at.isoformat() if row.due_at else None
    record_event(session, actor_id=actor.id, action="review.assigned",
                 object_type="assessment", object_id=assessment.id,
                 organisation_id=assessment.organisation_id, after=after)
    outbox.enqueue(session, outbox.REVIEW_ASSIGNED, recipient=reviewer, locale=locale,
                   assessment_id=assessment.id, assignment_id=row.id)
    return row


def add_comments(session: Session, assessment: Assessment, submission: Submission, *,
                 reviewer: User, comments: Mapping[str, str], flagged: bool) -> None:
    """Send a reviewer's comments on questions of ``submission``, each audited.

    The reviewer's unsent comments (:func:`save_comment_draft`) become these comments;
    those on questions ``comments`` leaves out are dropped.
    """
    drafts = {row.question_id: row for row in _drafts(session, submission, reviewer)}
    now = utcnow()
    for question_id, body in comments.items():
        comment = drafts.pop(question_id, None)
        if comment is None:
            comment = ReviewComment(assessment_id=assessment.id, submission_id=submission.id,
                                    question_id=question_id, author_id=reviewer.id)
            session.add(comment)
        else:
            comment.created_at = now
        comment.body = body
        comment.flagged = flagged
        comment.draft = False
        session.flush()
        record_event(
            session, actor_id=reviewer.id, action="review.commented", object_type="assessment",
            object_id=assessment.id, organisation_id=assessment.organisation_id,
            after={"comment": comment.id, "question": question_id, "body": body,
                   "flagged": flagged, "submission": submission.number})
    for leftover in drafts.values():
        session.delete(leftover)
    session.flush()


def _drafts(session: Session, submission: Submission, reviewer: User) -> list[ReviewComment]:
    return list(session.scalars(select(ReviewComment).where(
        ReviewComment.submission_id == submission.id,
        ReviewComment.author_id == reviewer.id,
        ReviewComment.draft.is_(True)).order_by(ReviewComment.id)))


def comment_drafts(session: Session, assessment: Assessment, reviewer: User) -> dict[str, str]:
    """Return ``reviewer``'s unsent comments on the latest submission, by question id."""
    submission = latest_submission(session, assessment)
    if submission is None:
        return {}
    return {row.question_id: row.body for row in _drafts(session, submission, reviewer)
            if row.question_id is not None}


def save_comment_draft(session: Session, assessment: Assessment, *, reviewer: User,
                       question_id: str, text: object) -> ReviewComment | None:
    """Keep ``reviewer``'s comment on one question as it is typed, before it is sent.

    Only its author sees it until the decision or the recommendation sends it
    (:func:`add_comments`); the organisation sees nothing before. Blank text removes it.

    :return: the unsent comment, or ``None`` once removed.
    :raises NotFound: for a question the questionnaire does not have.
    :raises Invalid: for text that is not text or is too long.
    :raises Forbidden: code ``not_assigned`` when ``reviewer`` neither leads the review nor
        has an open seat on its panel.
    """
    ensure_independent_reviewer(session, reviewer, assessment)
    if not (can_decide_review(session, reviewer, assessment)
            or can_recommend(session, reviewer, assessment)):
        raise Forbidden("You are not on the panel of this assessment.", code="not_assigned")
    questionnaire = questionnaire_for(assessment)
    if not questionnaire.has_question(question_id):
        raise NotFound("This question does not exist.")
    body = clean_comments({question_id: text}, questionnaire).get(question_id, "")
    submission = _current_submission(session, assessment)
    row = next((draft for draft in _drafts(session, submission, reviewer)
                if draft.question_id == question_id), None)
    if not body:
        if row is not None:
            session.delete(row)
            session.flush()
        return None
    if row is None:
        row = ReviewComment(assessment_id=assessment.id, submission_id=submission.id,
                            question_id=question_id, author_id=reviewer.id, draft=True,
                            flagged=False)
        session.add(row)
    row.body = body
    row.updated_at = utcnow()
    session.flush()
    return row


def carry_over_panel(session: Session, assessment: Assessment, submission: Submission, *,
                     lead: User, locale: str | None = None) -> list[ReviewAssignment]:
    """Put the previous submission's panel on a resubmission's review.

    Members who declined, or who have since acquired a conflict of interest, are left
    out; each member carried over is told by mail, as on assignment.

    :return: the new assignments.
    """
    previous = session.scalar(select(Submission.id).where(
        Submission.assessment_id == assessment.id, Submission.number < submission.number)
        .order_by(Submission.number.desc()).limit(1))
    if previous is None:
        return []
    rules = rules_of(session, assessment)
    carried = []
    for old in assignments_of(session, assessment, previous):
        if (old.role != AssignmentRole.member or old.state == AssignmentStatus.declined
                or old.reviewer_id == lead.id):
            continue
        reviewer = session.get(User, old.reviewer_id)
        if (reviewer is None or not reviewer.active
                or not reviewer.has_platform_role(PlatformRole.reviewer)
                or conflicts_of_interest(session, reviewer, assessment,
                                         same_country=rules.same_country_conflict)):
            continue
        row = _seat_member(session, assessment, submission, reviewer=reviewer, actor=lead,
                           rules=rules, locale=locale, carried_over=True)
        carried.append(row)
    return carried


def _own_assignment(session: Session, assessment: Assessment, reviewer: User,
                    ) -> ReviewAssignment:
    ensure_independent_reviewer(session, reviewer, assessment)
    row = active_assignment(session, reviewer, assessment)
    if row is None:
        raise Forbidden("You are not on the panel of this assessment.", code="not_assigned")
    return row


def _clean_text(value: object, name: str, *, required: bool, message: str) -> str:
    if value is not None and not isinstance(value, str):
        raise Invalid("The reason must be text.", fields={name: "wrong_type"})
    text = (value or "").strip()
    if required and not text:
        raise Invalid(message, fields={name: "required"})
    if len(text) > MAX_TEXT_LENGTH:
        raise Invalid("The reason is longer than %(max)s characters.",
                      {"max": MAX_TEXT_LENGTH}, fields={name: "too_long"})
    return text


def clean_comments(question_comments: Mapping[str, Any],
                   questionnaire: Questionnaire) -> dict[str, str]:
    """Return the non-blank comments by question id, in document order.

    :raises Invalid: for a comment that is not text, too long, or on an unknown question.
    """
    cleaned: dict[str, str] = {}
    for question_id, body in question_comments.items():
        if body is not None and not isinstance(body, str):
            raise Invalid("A comment must be text.", fields={str(question_id): "wrong_type"})
        body = (body or "").strip()
        if not body:
            continue
        if not isinstance(question_id, str) or not questionnaire.has_question(question_id):
            raise Invalid("A comment refers to a question this questionnaire does not have.",
                          fields={str(question_id): "unknown_question"})
        if len(body) > MAX_TEXT_LENGTH:
            raise Invalid("A comment is longer than %(max)s characters.",
                          {"max": MAX_TEXT_LENGTH}, fields={question_id: "too_long"})
        cleaned[question_id] = body
    # Document order, so the flagged list and the events read like the questionnaire.
    return dict(sorted(cleaned.items(), key=lambda item: questionnaire.position(item[0])))


def decline_assignment(session: Session, assessment: Assessment, *, reviewer: User,
                       reason: str) -> ReviewAssignment:
    """Take ``reviewer`` off the panel at their request, with their reason.

    :raises Forbidden: code ``not_assigned`` when they have no open assignment on it.
    :raises Invalid: without a reason.
    """
    lock_assessment_row(session, assessment)
    _current_submission(session, assessment)
    row = _own_assignment(session, assessment, reviewer)
    text = _clean_text(reason, "reason", required=True,
                       message=N_("Say why you decline this review."))
    row.state = AssignmentStatus.declined
    row.declined_at = utcnow()
    row.decline_reason = text
    session.flush()
    record_event(session, actor_id=reviewer.id, action="review.declined",
                 object_type="assessment", object_id=assessment.id,
                 organisation_id=assessment.organisation_id,
                 after={"assignment": row.id, "reason": text})
    return row


def recommend(session: Session, assessment: Assessment, *, reviewer: User,
              recommendation: Decision | str, reason: str = "",
              question_comments: Mapping[str, str] | None = None) -> ReviewAssignment:
    """Record a panel member's recommendation, with their comments on the questions.

    A recommendation is recorded once. Returning needs a reason.

    :raises Invalid: for an unknown recommendation, a return without reason, bad comments.
    :raises Forbidden: code ``not_assigned`` when ``reviewer`` has no open assignment.
    :raises Conflict: code ``invalid_transition`` when the assessment is not in review.
    """
    try:
        choice = Decision(recommendation)
    except ValueError:
        raise Invalid("Choose to approve or to return for changes.",
                      fields={"recommendation": "required"}) from None
    if question_comments is not None and not isinstance(question_comments, Mapping):
        raise Invalid("Question comments must map question ids to text.",
                      fields={"question_comments": "wrong_type"})
    lock_assessment_row(session, assessment)
    submission = _current_submission(session, assessment)
    row = _own_assignment(session, assessment, reviewer)
    text = _clean_text(reason, "reason", required=choice is Decision.return_,
                       message=N_("Say why you recommend returning the assessment."))
    comments = clean_comments(
        comment_drafts(session, assessment, reviewer) if question_comments is None
        else question_comments, questionnaire_for(assessment))
    add_comments(session, assessment, submission, reviewer=reviewer, comments=comments,
                 flagged=False)
    row.state = AssignmentStatus.recommended
    row.recommendation = choice
    row.recommendation_reason = text
    row.recommended_at = utcnow()
    session.flush()
    record_event(session, actor_id=reviewer.id, action="review.recommended",
                 object_type="assessment", object_id=assessment.id,
                 organisation_id=assessment.organisation_id,
                 after={"assignment": row.id, "recommendation": choice.value, "reason": text,
                        "submission": submission.number, "comments": list(comments)})
    log.info("reviewer %s recommends %s on assessment %s", reviewer.id, choice.value,
             assessment.id)
    return row


def assignments_of(session: Session, assessment: Assessment,
                   submission_id: int | None = None) -> list[ReviewAssignment]:
    """Return the assignments on a submission (default: the latest), lead first."""
    if submission_id is None:
        submission = latest_submission(session, assessment)
        if submission is None:
            return []
        submission_id = submission.id
    rows = session.scalars(select(ReviewAssignment).where(
        ReviewAssignment.assessment_id == assessment.id,
        ReviewAssignment.submission_id == submission_id)
        .order_by(ReviewAssignment.started_at, ReviewAssignment.id))
    return sorted(rows, key=lambda row: row.role != AssignmentRole.lead)


def recommendations_on(session: Session, submission_id: int) -> list[ReviewAssignment]:
    """Return the recorded recommendations on a submission, first recorded first."""
    return list(session.scalars(select(ReviewAssignment).where(
        ReviewAssignment.submission_id == submission_id,
        ReviewAssignment.state == AssignmentStatus.recommended)
        .order_by(ReviewAssignment.recommended_at, ReviewAssignment.id)))


def ensure_may_decide(session: Session, assessment: Assessment, submission: Submission, *,
                      now: dt.datetime | None = None) -> list[ReviewAssignment]:
    """Refuse a decision the panel has not had its say on yet.

    :return: the recommendations the decision is taken on.
    :raises Conflict: code ``recommendations_pending`` while fewer members than the panel
        size have recommended and the due date has not passed.
    """
    rules = rules_of(session, assessment)
    recommended = recommendations_on(session, submission.id)
    due_at = rules.due_at(submission.submitted_at)
    if not board.may_decide(rules, len(recommended), due_at, now or utcnow()):
        raise Conflict("The decision waits until the whole panel has recommended or the "
                       "due date has passed.", code="recommendations_pending")
    return recommended


def close_assignments(session: Session, submission_id: int) -> None:
    """Close every assignment still open on a decided submission."""
    session.execute(update(ReviewAssignment).where(
        ReviewAssignment.submission_id == submission_id,
        ReviewAssignment.state == AssignmentStatus.active)
        .values(state=AssignmentStatus.closed).execution_options(synchronize_session="fetch"))


# --------------------------------------------------------------------------- the panel view


@dataclass(frozen=True)
class PanelSeat:
    """One reviewer on a submission's review, as the viewer may see it."""

    assignment: ReviewAssignment
    reviewer_name: str
    #: The recommendation and its reason, or ``None`` while hidden from the viewer.
    recommendation: Decision | None
    reason: str | None
    #: The member's comments by question id (empty while hidden).
    comments: Mapping[str, str]


@dataclass(frozen=True)
class PanelView:
    """The panel of the latest submission, as one viewer may see it."""

    rules: BoardRules
    seats: tuple[PanelSeat, ...]
    due_at: dt.datetime | None
    #: The viewer sees every recommendation and comment.
    sees_all: bool
    #: The viewer's own open assignment, if they are a member who has not recommended.
    own_open: ReviewAssignment | None
    recommended: int
    #: The recommendations disagree (only computed for a viewer who sees them all).
    disagreement: bool
    #: Questions on which the visible comments or recommendations differ.
    may_decide: bool
    can_assign: bool


def panel_view(session: Session, viewer: User, assessment: Assessment, *,
               now: dt.datetime | None = None) -> PanelView:
    """Collect the panel of the assessment's latest submission, as ``viewer`` may see it.

    Recommendations and comments of other members are shown only to those who may see
    them (:func:`~ppp_assess.services.permissions.can_see_recommendations`); each member
    always sees their own.
    """
    rules = rules_of(session, assessment)
    submission = latest_submission(session, assessment)
    if submission is None:
        raise NotFound("This assessment does not exist.")
    rows = assignments_of(session, assessment, submission.id)
    sees_all = can_see_recommendations(session, viewer, assessment)
    names = {user.id: user.name for user in session.scalars(
        select(User).where(User.id.in_({row.reviewer_id for row in rows})))} if rows else {}
    comments: dict[int, dict[str, str]] = {}
    for comment in session.scalars(select(ReviewComment).where(
            ReviewComment.submission_id == submission.id,
            ReviewComment.draft.is_(False),
            ReviewComment.question_id.is_not(None)).order_by(ReviewComment.id)):
        if comment.author_id is not None and comment.question_id is not None:
            comments.setdefault(comment.author_id, {})[comment.question_id] = comment.body
    seats = []
    for row in rows:
        visible = sees_all or row.reviewer_id == viewer.id
        seats.append(PanelSeat(
            assignment=row, reviewer_name=names.get(row.reviewer_id, ""),
            recommendation=row.recommendation if visible else None,
            reason=row.recommendation_reason if visible else None,
            comments=(comments.get(row.reviewer_id, {})
                      if visible and row.role == AssignmentRole.member else {})))
    recommended = [row for row in rows if row.state == AssignmentStatus.recommended]
    due_at = rules.due_at(submission.submitted_at)
    return PanelView(
        rules=rules, seats=tuple(seats), due_at=due_at, sees_all=sees_all,
        own_open=active_assignment(session, viewer, assessment),
        recommended=len(recommended),
        disagreement=sees_all and board.disagreement(
            row.recommendation for row in recommended if row.recommendation is not None),
        may_decide=board.may_decide(rules, len(recommended), due_at, now or utcnow()),
        can_assign=can_assign_reviewers(session, viewer, assessment),
    )


def recommendation_record(rows: Sequence[ReviewAssignment]) -> list[dict[str, Any]]:
    """Return who recommended what, as the decision keeps it."""
    return [{"reviewer": row.reviewer_id,
             "recommendation": row.recommendation.value if row.recommendation else None,
             "reason": row.recommendation_reason or ""} for row in rows]


@dataclass(frozen=True)
class PanelOpinion:
    """One recommendation as the respondent sees it."""

    #: The reviewer's name, where the settings show names; ``None`` otherwise.
    name: str | None
    recommendation: Decision
    reason: str


@dataclass(frozen=True)
class DecisionNotice:
    """The latest decision on an assessment, as its organisation sees it."""

    decision: Decision
    decided_at: dt.datetime
    reason: str
    #: Who decided, where the settings show names; ``None`` otherwise.
    decided_by: str | None
    opinions: tuple[PanelOpinion, ...]
    #: Comment author id -> name, where the settings show names; empty otherwise.
    authors: Mapping[int, str]


def decision_notice(session: Session, assessment: Assessment) -> DecisionNotice | None:
    """Return the latest decision with its reasons and the panel's, for the organisation.

    Reviewers' names are left out unless the questionnaire's settings show them.
    """
    decision = session.scalar(
        select(ReviewDecision).where(ReviewDecision.assessment_id == assessment.id)
        .order_by(ReviewDecision.decided_at.desc(), ReviewDecision.id.desc()).limit(1))
    return decision_notice_of(session, assessment, decision)


def decision_notice_of(session: Session, assessment: Assessment,
                       decision: ReviewDecision | None) -> DecisionNotice | None:
    """Return :func:`decision_notice` given the latest decision, already read."""
    if decision is None:
        return None
    show = rules_of(session, assessment).show_reviewer_names
    entries = [entry for entry in decision.recommendations or []
               if isinstance(entry, Mapping) and entry.get("recommendation")]
    ids = {entry.get("reviewer") for entry in entries} | {decision.reviewer_id}
    ids.update(session.scalars(select(ReviewComment.author_id).where(
        ReviewComment.submission_id == decision.submission_id,
        ReviewComment.draft.is_(False))))
    names = ({user.id: user.name for user in session.scalars(
        select(User).where(User.id.in_({value for value in ids if value is not None})))}
        if show else {})
    return DecisionNotice(
        decision=decision.decision, decided_at=decision.decided_at, reason=decision.reason,
        decided_by=names.get(decision.reviewer_id or 0),
        opinions=tuple(PanelOpinion(names.get(entry.get("reviewer") or 0),
                                    Decision(entry["recommendation"]),
                                    str(entry.get("reason") or "")) for entry in entries),
        authors=names)


@dataclass(frozen=True)
class MyReview:
    """A review the viewer leads or is on the panel of, still open."""

    assessment_id: int
    subject: str
    role: AssignmentRole
    due_at: dt.datetime | None
    overdue: bool


def my_reviews(session: Session, reviewer: Person, *,
               now: dt.datetime | None = None) -> list[MyReview]:
    """Return the open reviews ``reviewer`` leads or is on the panel of, soonest due first."""
    now = now or utcnow()
    rows = session.scalars(
        select(ReviewAssignment).join(Assessment,
                                      Assessment.id == ReviewAssignment.assessment_id)
        .where(ReviewAssignment.reviewer_id == reviewer.id,
               ReviewAssignment.state == AssignmentStatus.active,
               Assessment.status.in_((Status.submitted, Status.in_review)))
        .order_by(ReviewAssignment.due_at.is_(None), ReviewAssignment.due_at,
                  ReviewAssignment.id))
    reviews = []
    for row in rows:
        assessment = session.get(Assessment, row.assessment_id)
        assert assessment is not None
        subject = (assessment.project.name if assessment.project is not None
                   else assessment.organisation.name)
        reviews.append(MyReview(row.assessment_id, subject, row.role, row.due_at,
                                row.due_at is not None and now >= row.due_at))
    return reviews


def assignable_reviewers(session: Session, assessment: Assessment) -> list[User]:
    """Return the reviewers the chair may offer: independent and not on the review yet."""
    taken = {row.reviewer_id for row in assignments_of(session, assessment)
             if row.state != AssignmentStatus.declined}
    if assessment.reviewer_id is not None:
        taken.add(assessment.reviewer_id)
    return [user for user in eligible_reviewers(session, assessment) if user.id not in taken]


# --------------------------------------------------------------------------- deadlines


def queue_reminders(session: Session, *, now: dt.datetime | None = None,
                    locale: str | None = None) -> int:
    """Queue the reminders that are due: before the due date, and once it has passed.

    Each open assignment gets each reminder once: the assignment records when it was
    queued, with a conditional update, so running this again (or twice at the same
    time) queues nothing more. An assignment first seen after its due date gets only the
    overdue reminder.

    :return: how many reminders were queued.
    """
    now = now or utcnow()
    rows = session.execute(
        select(ReviewAssignment, Assessment.status, QuestionnaireVersion.questionnaire_id)
        .join(Assessment, Assessment.id == ReviewAssignment.assessment_id)
        .join(QuestionnaireVersion,
              QuestionnaireVersion.id == Assessment.questionnaire_version_id)
        .where(ReviewAssignment.state == AssignmentStatus.active,
               ReviewAssignment.due_at.is_not(None),
               ReviewAssignment.reminded_after_at.is_(None),
               Assessment.status.in_((Status.submitted, Status.in_review)))
        .order_by(ReviewAssignment.id)).all()
    rules = all_rules(session)
    queued = 0
    for row, _status, questionnaire_id in rows:
        assert row.due_at is not None
        days_before = rules.get(questionnaire_id, BoardRules()).remind_days_before
        kind = board.reminder_due(row.due_at, now, days_before)
        if kind is None:
            continue
        column = (ReviewAssignment.reminded_after_at if kind is Reminder.overdue
                  else ReviewAssignment.reminded_before_at)
        if getattr(row, column.key) is not None:
            continue  # queued by an earlier run
        claimed = session.execute(
            update(ReviewAssignment)
            .where(ReviewAssignment.id == row.id, column.is_(None))
            .values({column.key: now}).execution_options(synchronize_session=False))
        if not claimed.rowcount:  # type: ignore[attr-defined]
            continue
        reviewer = session.get(User, row.reviewer_id)
        outbox.enqueue(session, outbox.REVIEW_REMINDER, recipient=reviewer, locale=locale,
                       assessment_id=row.assessment_id, assignment_id=row.id,
                       reminder=kind.value)
        queued += 1
    session.expire_all()
    log.info("%s review reminders queued", queued)
    return queued


def review_time_report(session: Session) -> dict[str, ReviewTimes]:
    """Return, per questionnaire id, how long decided reviews took.

    A review's time runs from the submission to the decision on it; every decision
    counts (a returned submission and its resubmission are two reviews).
    """
    rows = session.execute(
        select(QuestionnaireVersion.questionnaire_id, Submission.submitted_at,
               ReviewDecision.decided_at)
        .join(Submission, Submission.id == ReviewDecision.submission_id)
        .join(Assessment, Assessment.id == ReviewDecision.assessment_id)
        .join(QuestionnaireVersion,
              QuestionnaireVersion.id == Assessment.questionnaire_version_id)).all()
    durations: dict[str, list[dt.timedelta]] = {}
    for questionnaire_id, submitted_at, decided_at in rows:
        durations.setdefault(questionnaire_id, []).append(
            max(decided_at - submitted_at, dt.timedelta(0)))
    report = {}
    for questionnaire_id, values in sorted(durations.items()):
        times = board.review_times(values)
        if times is not None:
            report[questionnaire_id] = times
    return report
