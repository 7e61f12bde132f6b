"""The review board's rules: panels, recommendations, deadlines and review times.

A questionnaire's review settings say how many reviewers recommend on each submission
(the panel), whether a chair decides on their recommendations, and how many days the
board has. With a panel of one and no chair, the reviewer who takes the assessment
decides alone, as a board of one does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from ppp_assess.domain.benchmarking import percentile_cont
from ppp_assess.domain.messages import N_
from ppp_assess.domain.workflow import Decision

#: Largest panel the settings accept.
MAX_PANEL_SIZE = 9
#: Longest deadline the settings accept, in days.
MAX_DEADLINE_DAYS = 365
#: Days before the due date when the first reminder goes out, unless configured.
DEFAULT_REMIND_DAYS_BEFORE = 2


class AssignmentRole(StrEnum):
    """What a reviewer does on a submission's review."""

    #: Took the assessment for review and decides: the chair when the settings have one.
    lead = "lead"
    #: Assigned to the panel: comments and recommends.
    member = "member"


class AssignmentStatus(StrEnum):
    """Where one reviewer's assignment stands."""

    active = "active"
    declined = "declined"
    recommended = "recommended"
    #: The submission was decided before this reviewer finished.
    closed = "closed"


def role_label(role: AssignmentRole, chair_decides: bool) -> str:
    """Return the label (msgid) of a reviewer's role on a review."""
    if role is AssignmentRole.member:
        return N_("Panel member")
    return N_("Chair") if chair_decides else N_("Lead reviewer")


ASSIGNMENT_STATUS_LABELS: Mapping[AssignmentStatus, str] = MappingProxyType({
    AssignmentStatus.active: N_("Assigned"),
    AssignmentStatus.declined: N_("Declined"),
    AssignmentStatus.recommended: N_("Recommended"),
    AssignmentStatus.closed: N_("Closed"),
})


class Reminder(StrEnum):
    """The two reminders an open assignment can get."""

    due_soon = "due_soon"
    overdue = "overdue"


@dataclass(frozen=True)
class BoardRules:
    """A questionnaire's review settings, as plain values."""

    panel_size: int = 1
    chair_decides: bool = False
    #: Days from submission to the due date; ``None``: no deadline.
    deadline_days: int | None = None
    remind_days_before: int = DEFAULT_REMIND_DAYS_BEFORE
    #: A reviewer from the subject's country has a conflict of interest.
    same_country_conflict: bool = False
    #: The respondent sees who wrote each comment.
    show_reviewer_names: bool = False

    @property
    def required_recommendations(self) -> int:
        """How many panel members recommend before the lead decides.

        A chair decides on the recommendations of the whole panel; without a chair, the
        reviewer who took the assessment is one of the panel and their decision is their
        say, so a board of one decides at once, as a single reviewer does.
        """
        return self.panel_size if self.chair_decides else self.panel_size - 1

    def due_at(self, submitted_at: dt.datetime | None) -> dt.datetime | None:
        """Return when the review of a submission made at ``submitted_at`` is due."""
        if self.deadline_days is None or submitted_at is None:
            return None
        return submitted_at + dt.timedelta(days=self.deadline_days)


def may_decide(rules: BoardRules, recommendations: int, due_at: dt.datetime | None,
               now: dt.datetime) -> bool:
    """Return whether the lead may decide: the recommendations are in, or time is up.

    :param recommendations: how many panel members have recommended on the submission.
    """
    if recommendations >= rules.required_recommendations:
        return True
    return due_at is not None and now >= due_at


def disagreement(recommendations: Iterable[Decision]) -> bool:
    """Return whether the panel's recommendations differ."""
    return len(set(recommendations)) > 1


def reminder_due(due_at: dt.datetime, now: dt.datetime, remind_days_before: int,
                 ) -> Reminder | None:
    """Return the reminder an open assignment due at ``due_at`` should have by ``now``."""
    if now >= due_at:
        return Reminder.overdue
    if now >= due_at - dt.timedelta(days=remind_days_before):
        return Reminder.due_soon
    return None


@dataclass(frozen=True)
class ReviewTimes:
    """How long reviews of one questionnaire took, from submission to decision, in days."""

    count: int
    median_days: float
    p90_days: float


def review_times(durations: Iterable[dt.timedelta]) -> ReviewTimes | None:
    """Return the median and 90th percentile of review ``durations`` (linear interpolation).

    The percentiles interpolate between the two nearest ordered values, as PostgreSQL's
    ``percentile_cont`` does.

    :return: ``None`` when there are no durations.
    """
    days = [duration.total_seconds() / 86400 for duration in durations]
    if not days:
        return None
    return ReviewTimes(count=len(days), median_days=percentile_cont(days, 0.5),
                       p90_days=percentile_cont(days, 0.9))
