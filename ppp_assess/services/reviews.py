"""The review board's work: the queue, starting a review, returning for changes, approving."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Select, case, func, select
from sqlalchemy.orm import Session, aliased

from ppp_assess.domain.board import AssignmentRole, AssignmentStatus, BoardRules
from ppp_assess.domain.review_diff import QuestionChange, diff_snapshots
from ppp_assess.domain.schema import Questionnaire
from ppp_assess.domain.scoring import ScoreReport, score
from ppp_assess.domain.workflow import DECISION_ACTIONS, Action, Decision, Status
from ppp_assess.models import (
    Assessment,
    Organisation,
    Project,
    QuestionnaireVersion,
    ReviewAssignment,
    ReviewComment,
    ReviewDecision,
    Submission,
    User,
)
from ppp_assess.models.base import utcnow
from ppp_assess.services import board, outbox
from ppp_assess.services.assessments import latest_submission, questionnaire_for
from ppp_assess.services.errors import Conflict, Invalid, NotFound
from ppp_assess.services.lifecycle import apply_action, change_status
from ppp_assess.services.permissions import (
    active_assignment,
    active_members,
    can_decide_review,
    can_start_review,
    ensure_assigned_reviewer,
    ensure_independent_reviewer,
    ensure_no_conflict_of_interest,
    is_member,
    lock_assessment_row,
    organisation_ids,
)

log = logging.getLogger(__name__)

MAX_REASON_LENGTH = board.MAX_TEXT_LENGTH

#: Statuses listed in the queue: waiting for a reviewer, or being reviewed.
QUEUE_STATUSES = (Status.submitted, Status.in_review)
#: Orders the queue can be sorted in; each has a natural direction (see :func:`review_queue`).
QUEUE_SORTS = ("waiting", "submitted", "score")
QUEUE_PAGE_SIZE = 50

#: The decisions as the forms and the API spell them.
DECISIONS = tuple(decision.value for decision in Decision)


# --------------------------------------------------------------------------- transitions


def start_review(session: Session, assessment: Assessment, *, reviewer: User,
                 declared_no_conflict: bool) -> ReviewAssignment:
    """Assign ``reviewer`` to a submitted assessment.

    The declaration of no conflict of interest is kept with the assignment and in the
    audit event. On a resubmission, the previous submission's panel members are assigned
    again (:func:`ppp_assess.services.board.carry_over_panel`).

    :raises Forbidden: when ``reviewer`` is not on the board or belongs to the organisation.
    :raises Invalid: when the reviewer has not declared the absence of a conflict of interest.
    :raises Conflict: code ``invalid_transition`` when the assessment is not waiting for
        review; code ``conflict_of_interest`` when the reviewer declared a link with it.
    """
    lock_assessment_row(session, assessment)
    ensure_independent_reviewer(session, reviewer, assessment)
    if not declared_no_conflict:
        raise Invalid("Declare that you have no conflict of interest before starting.",
                      fields={"declared_no_conflict": "required"})
    apply_action(assessment, Action.start_review)
    submission = latest_submission(session, assessment)
    if submission is None:
        raise Conflict("This assessment is not waiting for review.",
                       code="invalid_transition")
    rules = board.rules_of(session, assessment)
    ensure_no_conflict_of_interest(session, reviewer, assessment,
                                   same_country=rules.same_country_conflict)
    # A panel member who takes the assessment leads its review instead.
    assignment = active_assignment(session, reviewer, assessment)
    if assignment is None:
        assignment = ReviewAssignment(assessment_id=assessment.id,
                                      submission_id=submission.id, reviewer_id=reviewer.id)
        session.add(assignment)
    assignment.declared_no_conflict = True
    assignment.role = AssignmentRole.lead
    assignment.state = AssignmentStatus.active
    assignment.due_at = rules.due_at(submission.submitted_at)
    assessment.reviewer_id = reviewer.id
    # A resubmission is reviewed by the panel that returned it.
    board.carry_over_panel(session, assessment, submission, lead=reviewer)
    change_status(session, assessment, Action.start_review, actor=reviewer,
                  event="review.started", details={"reviewer": reviewer.id,
                                                   "submission": submission.number,
                                                   "declared_no_conflict": True})
    log.info("review of assessment %s started by %s", assessment.id, reviewer.id)
    return assignment


def decide(
    session: Session,
    assessment: Assessment,
    *,
    reviewer: User,
    decision: Decision | str,
    reason: str = "",
    question_comments: Mapping[str, str] | None = None,
    locale: str | None = None,
) -> ReviewDecision:
    """Approve an assessment under review, or return it to its organisation for changes.

    Returning needs a reason; the questions that carry a comment are flagged for the
    respondent and the assessment becomes a draft again. Each comment, and the decision,
    is an audit event. The organisation's members are told by mail once it commits.

    :param decision: a :class:`Decision`, or its value (``"approve"`` or ``"return"``).
    :param reason: why the assessment is returned (required then), or a note on approval.
    :param question_comments: question id -> the reviewer's comment; blank ones are ignored.
        ``None`` sends the comments the reviewer has typed so far
        (:func:`ppp_assess.services.board.save_comment_draft`).
    :param locale: the language the decision was taken in (for members without a
        preference of their own).
    :return: the stored decision.
    :raises Invalid: for an unknown decision, a return without reason, or bad comments.
    :raises Forbidden: when ``reviewer`` may not decide on this assessment.
    :raises Conflict: code ``invalid_transition`` when the assessment is not under review.
    """
    try:
        decision = Decision(decision)
    except ValueError:
        raise Invalid("Choose to approve or to return for changes.",
                      fields={"decision": "required"}) from None
    if reason is not None and not isinstance(reason, str):
        raise Invalid("The reason must be text.", fields={"reason": "wrong_type"})
    if question_comments is not None and not isinstance(question_comments, Mapping):
        raise Invalid("Question comments must map question ids to text.",
                      fields={"question_comments": "wrong_type"})
    lock_assessment_row(session, assessment)
    ensure_independent_reviewer(session, reviewer, assessment)
    ensure_assigned_reviewer(reviewer, assessment)
    action = DECISION_ACTIONS[decision]
    apply_action(assessment, action)
    reason = (reason or "").strip()
    if decision is Decision.return_ and not reason:
        raise Invalid("Say why the assessment is returned.", fields={"reason": "required"})
    if len(reason) > MAX_REASON_LENGTH:
        raise Invalid("The reason is longer than %(max)s characters.", {"max": MAX_REASON_LENGTH},
                      fields={"reason": "too_long"})
    questionnaire = questionnaire_for(assessment)
    comments = board.clean_comments(
        board.comment_drafts(session, assessment, reviewer) if question_comments is None
        else question_comments, questionnaire)
    submission = latest_submission(session, assessment)
    if submission is None:  # in_review implies a submission; a damaged row must not pass
        raise Conflict("This assessment is not waiting for review.",
                       code="invalid_transition")
    recommended = board.ensure_may_decide(session, assessment, submission)
    flagged = decision is Decision.return_
    board.add_comments(session, assessment, submission, reviewer=reviewer, comments=comments,
                       flagged=flagged)
    row = ReviewDecision(assessment_id=assessment.id, submission_id=submission.id,
                         reviewer_id=reviewer.id, decision=decision, reason=reason,
                         recommendations=board.recommendation_record(recommended)
                         if recommended else None)
    session.add(row)
    board.close_assignments(session, submission.id)
    if decision is Decision.approve:
        assessment.approved_at = utcnow()
    else:
        assessment.reviewer_id = None
    session.flush()
    details: dict[str, Any] = {"decision": row.id, "submission": submission.number,
                               "reason": reason, "flagged": list(comments) if flagged else []}
    if recommended:
        details["recommendations"] = row.recommendations
    change_status(session, assessment, action, actor=reviewer,
                  event="review.approved" if decision is Decision.approve else "review.returned",
                  details=details)
    for member in active_members(session, assessment.organisation_id):
        outbox.enqueue(session, outbox.REVIEW_DECISION, recipient=member, locale=locale,
                       assessment_id=assessment.id, decision_id=row.id)
    log.info("assessment %s %s by %s", assessment.id,
             "approved" if decision is Decision.approve else "returned", reviewer.id)
    return row


# --------------------------------------------------------------------------- reading


def decisions_of(session: Session, assessment: Assessment) -> list[ReviewDecision]:
    """Return every decision on ``assessment``, oldest first."""
    return list(session.scalars(
        select(ReviewDecision).where(ReviewDecision.assessment_id == assessment.id)
        .order_by(ReviewDecision.decided_at, ReviewDecision.id)))


def latest_decision(session: Session, assessment: Assessment) -> ReviewDecision | None:
    """Return the newest decision on ``assessment``, if any.

    Decisions are taken on submissions, so an assessment never submitted has none and
    nothing is read (most drafts: every page of a draft asks).
    """
    if assessment.submitted_at is None:
        return None
    return session.scalar(
        select(ReviewDecision).where(ReviewDecision.assessment_id == assessment.id)
        .order_by(ReviewDecision.decided_at.desc(), ReviewDecision.id.desc()).limit(1))


def open_review_comments(
    session: Session, assessment: Assessment
) -> dict[str, list[ReviewComment]]:
    """Return the reviewer's comments of the latest return, by question id.

    The comments stay open until the next decision: after a return they are shown to the
    respondent beside the flagged questions, and after the resubmission to the reviewer.
    Once the assessment is approved there is nothing open.

    :return: question id -> comments (oldest first); empty when the latest decision is not
        a return.
    """
    return review_comments_of(session, assessment, latest_decision(session, assessment))


def review_comments_of(session: Session, assessment: Assessment,
                       decision: ReviewDecision | None) -> dict[str, list[ReviewComment]]:
    """Return :func:`open_review_comments` given the latest decision, already read."""
    if decision is None or decision.decision is not Decision.return_:
        return {}
    rows = session.scalars(
        select(ReviewComment).where(
            ReviewComment.assessment_id == assessment.id,
            ReviewComment.submission_id == decision.submission_id,
            ReviewComment.draft.is_(False),
            ReviewComment.question_id.is_not(None),
        ).order_by(ReviewComment.created_at, ReviewComment.id))
    comments: dict[str, list[ReviewComment]] = {}
    for row in rows:
        assert row.question_id is not None
        comments.setdefault(row.question_id, []).append(row)
    return comments


@dataclass(frozen=True)
class CommentEntry:
    """A reviewer's comment on one question, as a reader may see it."""

    question_id: str
    text: str
    #: Not sent yet: only its author sees it.
    draft: bool
    #: Written by the reader.
    mine: bool
    submission: int
    changed_at: dt.datetime


def visible_review_comments(session: Session, viewer: User,
                            assessment: Assessment) -> list[CommentEntry]:
    """Return the comments on questions ``viewer`` may read, in document order.

    Everyone who may read the assessment sees the comments of the latest return, once it
    is sent; a reviewer also sees their own unsent comments on the latest submission.
    """
    numbers = {row.id: row.number for row in submissions_of(session, assessment)}
    rows = [row for rows in open_review_comments(session, assessment).values() for row in rows]
    submission = latest_submission(session, assessment)
    if submission is not None:
        rows += session.scalars(select(ReviewComment).where(
            ReviewComment.submission_id == submission.id,
            ReviewComment.author_id == viewer.id,
            ReviewComment.draft.is_(True),
            ReviewComment.question_id.is_not(None)).order_by(ReviewComment.id))
    questionnaire = questionnaire_for(assessment)
    entries = [CommentEntry(question_id=row.question_id or "", text=row.body, draft=row.draft,
                            mine=row.author_id == viewer.id,
                            submission=numbers.get(row.submission_id, 0),
                            changed_at=row.updated_at or row.created_at) for row in rows]

    def order(entry: CommentEntry) -> tuple[int, bool, dt.datetime]:
        place = (questionnaire.position(entry.question_id)
                 if questionnaire.has_question(entry.question_id) else len(numbers) + 10**6)
        return place, entry.draft, entry.changed_at

    return sorted(entries, key=order)


def submissions_of(session: Session, assessment: Assessment) -> list[Submission]:
    """Return every submission of ``assessment``, first one first."""
    return list(session.scalars(select(Submission)
                                .where(Submission.assessment_id == assessment.id)
                                .order_by(Submission.number)))


def submission_changes(
    session: Session, assessment: Assessment, number: int | None = None
) -> tuple[QuestionChange, ...] | None:
    """Return what changed in submission ``number`` (default: the latest) since the one before.

    :return: the changes in document order, or ``None`` for a first submission.
    """
    rows = submissions_of(session, assessment)
    by_number = {row.number: row for row in rows}
    if not rows:
        return None
    current = by_number.get(number if number is not None else rows[-1].number)
    if current is None:
        raise NotFound("This submission does not exist.")
    previous = by_number.get(current.number - 1)
    if previous is None:
        return None
    order = [question.id for question in questionnaire_for(assessment).all_questions()]
    return diff_snapshots(previous.answers or {}, current.answers or {}, order)


def reassessment_changes(
    session: Session, assessment: Assessment, submission: Submission
) -> tuple[QuestionChange, ...] | None:
    """Return what changed in ``submission`` of a reassessment since the approved
    assessment it was started from.

    Comments are not carried into a reassessment, so the earlier ones are left out of
    the comparison: a reviewer sees answers, evidence and the new comments.

    :return: the changes in document order, or ``None`` when ``assessment`` was not
        started from another one (or that one was never submitted).
    """
    if assessment.previous_assessment_id is None:
        return None
    previous = session.scalar(
        select(Submission).where(Submission.assessment_id == assessment.previous_assessment_id)
        .order_by(Submission.number.desc()).limit(1))
    if previous is None:
        return None
    before = {question_id: {**entry, "comment": ""}
              for question_id, entry in (previous.answers or {}).items()
              if isinstance(entry, Mapping)}
    order = [question.id for question in questionnaire_for(assessment).all_questions()]
    return diff_snapshots(before, submission.answers or {}, order)


def snapshot_values(submission: Submission) -> dict[str, Any]:
    """Return the answered values of a submission snapshot by question id."""
    return {question_id: entry["value"] for question_id, entry in (submission.answers or {}).items()
            if isinstance(entry, Mapping) and entry.get("value") is not None}


@dataclass(frozen=True)
class ReviewView:
    """Everything the review page shows about one assessment."""

    assessment: Assessment
    questionnaire: Questionnaire
    #: The submission under review (the latest one).
    submission: Submission
    #: Its answers: question id -> ``{"value", "comment", "evidence"}``.
    answers: Mapping[str, Mapping[str, Any]]
    #: The score of those answers (the frozen snapshot, re-scored for the full report).
    report: ScoreReport
    #: What changed since the previous submission; ``None`` for a first submission.
    changes: tuple[QuestionChange, ...] | None
    #: The comments of the latest return, by question id (still open).
    open_comments: Mapping[str, Sequence[ReviewComment]]
    decisions: Sequence[ReviewDecision]
    #: Ids of users named in :attr:`decisions` and comments -> their names.
    people: Mapping[int, str]
    #: The viewer belongs to the assessment's organisation.
    own_organisation: bool
    can_start: bool
    can_decide: bool
    changed_ids: frozenset[str] = field(default_factory=frozenset)
    #: For the first submission of a reassessment: the approved assessment it started
    #: from, which :attr:`changes` compares with.
    previous_assessment_id: int | None = None


def review_view(session: Session, reviewer: User, assessment: Assessment) -> ReviewView:
    """Collect what the review page shows to ``reviewer``.

    :raises NotFound: when the assessment was never submitted.
    """
    submission = latest_submission(session, assessment)
    if submission is None:
        raise NotFound("This assessment does not exist.")
    questionnaire = questionnaire_for(assessment)
    answers = {question_id: entry for question_id, entry in (submission.answers or {}).items()
               if isinstance(entry, Mapping)}
    report = score(questionnaire, snapshot_values(submission))
    changes = submission_changes(session, assessment)
    previous_assessment_id = None
    if changes is None:
        changes = reassessment_changes(session, assessment, submission)
        if changes is not None:
            previous_assessment_id = assessment.previous_assessment_id
    open_comments = open_review_comments(session, assessment)
    decisions = decisions_of(session, assessment)
    user_ids = {row.reviewer_id for row in decisions if row.reviewer_id is not None}
    user_ids.update(comment.author_id for rows in open_comments.values() for comment in rows
                    if comment.author_id is not None)
    if assessment.reviewer_id is not None:
        user_ids.add(assessment.reviewer_id)
    people = {user.id: user.name for user in
              session.scalars(select(User).where(User.id.in_(user_ids)))} if user_ids else {}
    own = is_member(session, reviewer, assessment.organisation_id)
    return ReviewView(
        assessment=assessment,
        questionnaire=questionnaire,
        submission=submission,
        answers=answers,
        report=report,
        changes=changes,
        open_comments=open_comments,
        decisions=decisions,
        people=people,
        own_organisation=own,
        can_start=can_start_review(session, reviewer, assessment),
        can_decide=can_decide_review(session, reviewer, assessment),
        changed_ids=frozenset(change.question_id for change in changes or ()),
        previous_assessment_id=previous_assessment_id,
    )


# --------------------------------------------------------------------------- the queue


@dataclass(frozen=True)
class QueueFilters:
    """What the queue is narrowed to; ``None`` means any."""

    questionnaire: str | None = None
    status: Status | None = None
    country: str | None = None
    sector: str | None = None


@dataclass(frozen=True)
class QueueEntry:
    """One assessment waiting for, or under, review."""

    assessment_id: int
    questionnaire_id: str
    questionnaire_title: str
    questionnaire_version: str
    #: The project's name, or the organisation's for an organisation assessment.
    subject: str
    organisation: str
    #: ISO country code of the project site, or of the organisation.
    country: str
    #: Sector code of the project; ``None`` for an organisation assessment.
    sector: str | None
    status: Status
    submitted_at: dt.datetime | None
    score: float | None
    level: str | None
    #: 1 for a first submission, 2 and more for resubmissions.
    submission_number: int
    reviewer_id: int | None
    reviewer_name: str | None
    #: Whole days since the latest submission.
    waiting_days: int
    #: The viewer belongs to the organisation, so may not review it.
    own_organisation: bool
    #: The viewer leads the review or is on its panel.
    assigned_to_viewer: bool
    #: When the review of the latest submission is due; ``None`` without a deadline.
    due_at: dt.datetime | None = None
    overdue: bool = False


@dataclass(frozen=True)
class QueuePage:
    """One page of the queue."""

    entries: tuple[QueueEntry, ...]
    total: int
    page: int
    pages: int


@dataclass(frozen=True)
class QueueOptions:
    """The values the queue's filters offer."""

    questionnaires: tuple[tuple[str, str], ...]
    countries: tuple[str, ...]
    sectors: tuple[str, ...]


def _queue_base() -> tuple[Select[Any], ColumnElement[str], Any, Any]:
    reviewer_user = aliased(User)
    number = (select(func.max(Submission.number))
              .where(Submission.assessment_id == Assessment.id)
              .correlate(Assessment).scalar_subquery())
    country = func.coalesce(Project.country, Organisation.country)
    query = (
        select(Assessment, QuestionnaireVersion, Organisation, Project, reviewer_user.name,
               number.label("submission_number"))
        .join(QuestionnaireVersion, Assessment.questionnaire_version_id == QuestionnaireVersion.id)
        .join(Organisation, Assessment.organisation_id == Organisation.id)
        .outerjoin(Project, Assessment.project_id == Project.id)
        .outerjoin(reviewer_user, Assessment.reviewer_id == reviewer_user.id)
        .where(Assessment.status.in_(QUEUE_STATUSES))
    )
    return query, country, reviewer_user, number


def review_queue(
    session: Session,
    reviewer: User,
    filters: QueueFilters | None = None,
    *,
    sort: str = "waiting",
    reverse: bool = False,
    page: int = 1,
    per_page: int = QUEUE_PAGE_SIZE,
    now: dt.datetime | None = None,
) -> QueuePage:
    """Return the assessments that are submitted or in review, filtered and sorted.

    The assessments ``reviewer`` leads or is on the panel of come first.

    :param sort: ``"waiting"`` (longest waiting first), ``"submitted"`` (newest first) or
        ``"score"`` (highest first); unscored assessments come last either way.
    :param reverse: the other way round: shortest waiting, oldest or lowest first.
    :raises Invalid: for an unknown sort order.
    """
    if sort not in QUEUE_SORTS:
        raise Invalid("Choose how to sort the queue.", fields={"sort": "invalid"})
    filters = filters or QueueFilters()
    query, country, _reviewer_user, _number = _queue_base()
    if filters.questionnaire:
        query = query.where(QuestionnaireVersion.questionnaire_id == filters.questionnaire)
    if filters.status is not None:
        query = query.where(Assessment.status == filters.status)
    if filters.country:
        query = query.where(country == filters.country.upper())
    if filters.sector:
        query = query.where(Project.sector == filters.sector)

    # What the viewer is assigned to comes first, then the chosen order.
    mine = (select(ReviewAssignment.id).where(
        ReviewAssignment.assessment_id == Assessment.id,
        ReviewAssignment.reviewer_id == reviewer.id,
        ReviewAssignment.state == AssignmentStatus.active)
        .correlate(Assessment).exists())
    mine_first = case((mine, 0), else_=1)
    query = query.add_columns(mine_first.label("mine"))
    # Longest waiting first is the earliest submission first.
    going_down = (sort != "waiting") != reverse
    column: Any = Assessment.score if sort == "score" else Assessment.submitted_at
    ordered = column.desc() if going_down else column.asc()
    # Unscored (and, defensively, undated) assessments go last in either direction, the
    # same on SQLite and PostgreSQL.
    query = query.order_by(mine_first, column.is_(None), ordered, Assessment.id)

    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    rows = session.execute(query.limit(per_page).offset((page - 1) * per_page)).all()
    own = organisation_ids(session, reviewer)
    now = now or utcnow()
    rules = board.all_rules(session)
    entries = []
    for (assessment, version, organisation, project, reviewer_name, submission_number,
         mine_rank) in rows:
        submitted_at = assessment.submitted_at
        waiting = max(0, (now - submitted_at).days) if submitted_at is not None else 0
        due_at = rules.get(version.questionnaire_id, BoardRules()).due_at(submitted_at)
        entries.append(QueueEntry(
            assessment_id=assessment.id,
            questionnaire_id=version.questionnaire_id,
            questionnaire_title=version.title,
            questionnaire_version=version.version,
            subject=project.name if project is not None else organisation.name,
            organisation=organisation.name,
            country=project.country if project is not None else organisation.country,
            sector=project.sector if project is not None else None,
            status=assessment.status,
            submitted_at=submitted_at,
            score=assessment.score,
            level=assessment.level,
            submission_number=submission_number or 0,
            reviewer_id=assessment.reviewer_id,
            reviewer_name=reviewer_name,
            waiting_days=waiting,
            own_organisation=assessment.organisation_id in own,
            assigned_to_viewer=mine_rank == 0 or (assessment.reviewer_id == reviewer.id
                                                  and assessment.status == Status.in_review),
            due_at=due_at,
            overdue=due_at is not None and now >= due_at,
        ))
    return QueuePage(tuple(entries), total, page, pages)


def queue_options(session: Session) -> QueueOptions:
    """Return the questionnaires, countries and sectors the queue's filters offer."""
    versions = session.execute(
        select(QuestionnaireVersion.questionnaire_id, QuestionnaireVersion.title)
        .order_by(QuestionnaireVersion.questionnaire_id, QuestionnaireVersion.id)).all()
    questionnaires = dict((row.questionnaire_id, row.title) for row in versions)
    query, country, _reviewer_user, _number = _queue_base()
    countries = sorted({value for value in session.scalars(
        query.with_only_columns(country).distinct().order_by(None)) if value})
    sectors = sorted({value for value in session.scalars(
        query.with_only_columns(Project.sector).distinct().order_by(None)) if value})
    return QueueOptions(tuple(questionnaires.items()), tuple(countries), tuple(sectors))
