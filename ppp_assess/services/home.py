"""What each role's home page sums up: the reviewer's queue, the evaluator's work, the
administrator's pending invitations."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ppp_assess.domain.board import BoardRules
from ppp_assess.domain.workflow import Status
from ppp_assess.models import Assessment, QuestionnaireVersion, User
from ppp_assess.models.base import utcnow
from ppp_assess.services import board
from ppp_assess.services.permissions import Person

#: How many pending invitations the administrator's home lists.
INVITATIONS_SHOWN = 10


@dataclass(frozen=True)
class ReviewerHome:
    """The review queue in numbers, and the reviews the reviewer leads or is on."""

    #: Open reviews the reviewer leads or sits on the panel of.
    assigned: tuple[board.MyReview, ...]
    #: Submitted assessments nobody has started reviewing.
    waiting: int
    #: Assessments waiting for or in review past their due date.
    overdue: int

    @property
    def assigned_overdue(self) -> int:
        """Return how many of the reviewer's own reviews are past their due date."""
        return sum(1 for item in self.assigned if item.overdue)


def reviewer_home(session: Session, reviewer: Person, *,
                  now: dt.datetime | None = None) -> ReviewerHome:
    """Sum up the queue for ``reviewer``'s home page."""
    now = now or utcnow()
    rows = session.execute(
        select(QuestionnaireVersion.questionnaire_id, Assessment.status, Assessment.submitted_at)
        .join(QuestionnaireVersion, Assessment.questionnaire_version_id == QuestionnaireVersion.id)
        .where(Assessment.status.in_((Status.submitted, Status.in_review)))).all()
    rules = board.all_rules(session)
    waiting = overdue = 0
    for questionnaire_id, status, submitted_at in rows:
        if status == Status.submitted:
            waiting += 1
        due_at = rules.get(questionnaire_id, BoardRules()).due_at(submitted_at)
        if due_at is not None and now >= due_at:
            overdue += 1
    return ReviewerHome(tuple(board.my_reviews(session, reviewer, now=now)), waiting, overdue)


@dataclass(frozen=True)
class EvaluatorHome:
    """The evaluator's work in numbers."""

    #: Approved assessments that have no certificate yet.
    to_certify: int
    #: Certified assessments.
    certified: int


def evaluator_home(session: Session) -> EvaluatorHome:
    """Count the assessments waiting for a certificate and those certified."""
    counts: dict[Status, int] = {status: count for status, count in session.execute(
        select(Assessment.status, func.count()).where(
            Assessment.status.in_((Status.approved, Status.certified)))
        .group_by(Assessment.status))}
    return EvaluatorHome(counts.get(Status.approved, 0), counts.get(Status.certified, 0))


@dataclass(frozen=True)
class AdminHome:
    """What waits for the platform administrator."""

    #: Invited people who have not set a password yet, newest first (at most
    #: :data:`INVITATIONS_SHOWN`).
    invitations: tuple[User, ...]
    #: How many there are in all.
    invitations_total: int


def admin_home(session: Session) -> AdminHome:
    """Collect the invitations nobody has taken up yet."""
    pending = (User.password_hash.is_(None), User.active.is_(True))
    total = session.scalar(select(func.count()).select_from(User).where(*pending)) or 0
    users = session.scalars(select(User).where(*pending)
                            .order_by(User.created_at.desc(), User.id.desc())
                            .limit(INVITATIONS_SHOWN))
    return AdminHome(tuple(users), total)
