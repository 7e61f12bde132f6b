"""The board's pure rules: who must recommend, when the lead may decide, reminders, times."""

from __future__ import annotations

import datetime as dt

import pytest

from ppp_assess.domain.board import (
    BoardRules,
    Reminder,
    disagreement,
    may_decide,
    reminder_due,
    review_times,
)
from ppp_assess.domain.workflow import Decision

NOW = dt.datetime(2026, 5, 4, 12, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(("size", "chair", "required"), [
    (1, False, 0), (1, True, 1), (3, False, 2), (3, True, 3)])
def test_how_many_recommendations_the_decision_waits_for(size, chair, required) -> None:
    assert BoardRules(panel_size=size, chair_decides=chair).required_recommendations == required


def test_the_lead_decides_once_the_panel_is_in_or_time_is_up() -> None:
    rules = BoardRules(panel_size=3, chair_decides=True, deadline_days=10)
    due = rules.due_at(NOW - dt.timedelta(days=9))
    assert due == NOW + dt.timedelta(days=1)
    assert not may_decide(rules, 2, due, NOW)
    assert may_decide(rules, 3, due, NOW)
    assert may_decide(rules, 0, due, due)
    assert not may_decide(rules, 2, None, NOW)  # no deadline: only the panel unlocks it
    assert may_decide(BoardRules(), 0, None, NOW)  # a board of one


def test_reminders_before_and_after_the_due_date() -> None:
    due = NOW + dt.timedelta(days=3)
    assert reminder_due(due, NOW, 2) is None
    assert reminder_due(due, NOW + dt.timedelta(days=1), 2) is Reminder.due_soon
    assert reminder_due(due, due, 2) is Reminder.overdue


def test_disagreement() -> None:
    assert not disagreement([Decision.approve, Decision.approve])
    assert disagreement([Decision.approve, Decision.return_])
    assert not disagreement([])


def test_review_times_interpolate_like_percentile_cont() -> None:
    assert review_times([]) is None
    times = review_times([dt.timedelta(days=days) for days in (10, 1, 4, 2, 3)])
    assert times is not None
    assert (times.count, times.median_days) == (5, 3.0)
    assert times.p90_days == pytest.approx(7.6)  # 4 + 0.6 x (10 - 4)
    single = review_times([dt.timedelta(hours=36)])
    assert single is not None and single.median_days == single.p90_days == 1.5
