"""The evaluators' dashboard: the list, the distributions and the weakest questions."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from ppp_assess.models import QuestionnaireVersion
from ppp_assess.services import assessments
from ppp_assess.services.benchmarks.evaluations import DashboardFilters, dashboard
from ppp_assess.services.questionnaires import questionnaire_of
from tests.services.benchmark_support import approved_through_services


@pytest.fixture
def versions(factory) -> dict[str, QuestionnaireVersion]:
    return factory.questionnaires()


@pytest.fixture
def people_first(versions) -> QuestionnaireVersion:
    return versions["people-first"]


def _close(actual: float, expected: float) -> bool:
    return math.isclose(actual, expected, rel_tol=0.0, abs_tol=1e-9)


def test_dashboard_lists_distributions_and_weakest_questions(db, factory, people_first) -> None:
    approved = [approved_through_services(db, factory, people_first, maturity=0.2 + 0.15 * i,
                                          seed=10 + i) for i in range(4)]
    result = dashboard(db, DashboardFilters(questionnaire_id="people-first"))
    assert result.total == 4
    assert {row.assessment_id for row in result.rows} == {a.id for a in approved}
    assert sum(result.histogram) == 4
    for assessment in approved:
        assert result.histogram[min(int(assessment.score // 10), 9)] >= 1
    counted = {(row.level, row.count) for row in result.levels if row.count}
    assert sum(count for _level, count in counted) == 4
    assert result.analysed == 4
    assert result.weakest, "somebody lost points somewhere"
    # The average points lost, recomputed from each assessment's own score report.
    top = result.weakest[0]
    assert top.number == questionnaire_of(people_first).number(top.question_id)
    expected = 0.0
    for assessment in approved:
        report = assessments.score_of(assessment, assessments.load_answers(db, assessment))
        expected += sum(gap.impact for gap in report.gaps if gap.question_id == top.question_id)
    assert _close(top.mean_points_lost, expected / 4)
    losses = [row.mean_points_lost for row in result.weakest]
    assert losses == sorted(losses, reverse=True)
    # Filters narrow everything.
    nothing = dashboard(db, DashboardFilters(questionnaire_id="people-first", country="FR"))
    assert (nothing.total, nothing.rows, sum(nothing.histogram), nothing.weakest) == (
        0, (), 0, ())
    later = dashboard(db, DashboardFilters(
        approved_from=dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1)))
    assert later.total == 0
