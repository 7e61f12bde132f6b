"""Questions below full marks, frozen at submission, and the dashboard's SQL aggregate."""

from __future__ import annotations

import math
import random

from sqlalchemy import select

from ppp_assess.domain.reference import PlatformRole
from ppp_assess.models import QuestionScore
from ppp_assess.services import assessments, reviews
from ppp_assess.services.benchmarks.evaluations import DashboardFilters, dashboard
from ppp_assess.services.questionnaires import questionnaire_of
from tests.services.benchmark_support import _answers, approved_through_services


def _frozen(db, assessment) -> dict[str, float]:
    return {row.question_id: row.points_lost for row in db.scalars(
        select(QuestionScore).where(QuestionScore.assessment_id == assessment.id))}


def _rescored_gaps(db, assessment) -> dict[str, float]:
    """Re-score the assessment's latest submission snapshot in Python."""
    submission = assessments.latest_submission(db, assessment)
    assert submission is not None
    values = {question_id: entry["value"] for question_id, entry in submission.answers.items()
              if entry.get("value") is not None}
    report = assessments.score(questionnaire_of(assessment.questionnaire_version), values)
    return {gap.question_id: gap.impact for gap in report.gaps}


def test_submission_freezes_each_question_below_full_marks(db, factory) -> None:
    version = factory.questionnaires()["people-first"]
    assessment = approved_through_services(db, factory, version, maturity=0.4, seed=3)
    frozen = _frozen(db, assessment)
    assert frozen, "a 0.4 maturity loses points somewhere"
    assert frozen == _rescored_gaps(db, assessment)
    submission = assessments.latest_submission(db, assessment)
    assert {row.submission_id for row in db.scalars(
        select(QuestionScore).where(QuestionScore.assessment_id == assessment.id))} == {
        submission.id}


def test_a_new_submission_replaces_the_frozen_scores(db, factory) -> None:
    version = factory.questionnaires()["people-first"]
    questionnaire = questionnaire_of(version)
    organisation = factory.organisation()
    respondent = factory.user(organisation=organisation)
    reviewer = factory.user(role=None, platform_roles=(PlatformRole.reviewer,))
    assessment = assessments.start_assessment(
        db, actor=respondent, version=version, organisation_id=organisation.id,
        project=factory.project(organisation))
    assessments.save_answers(db, assessment, _answers(questionnaire, 0.1, 1.0, random.Random(1)),
                             base_version=assessment.version, actor=respondent)
    assessments.submit_assessment(db, assessment, actor=respondent)
    first = _frozen(db, assessment)
    reviews.start_review(db, assessment, reviewer=reviewer, declared_no_conflict=True)
    reviews.decide(db, assessment, reviewer=reviewer, decision="return", reason="Not yet.")
    assessments.save_answers(db, assessment, _answers(questionnaire, 0.9, 1.0, random.Random(2)),
                             base_version=assessment.version, actor=respondent)
    assessments.submit_assessment(db, assessment, actor=respondent)
    second = _frozen(db, assessment)
    assert second == _rescored_gaps(db, assessment)
    assert second != first
    assert sum(second.values()) < sum(first.values())


def test_dashboard_aggregate_equals_the_python_rescore(db, factory) -> None:
    versions = factory.questionnaires()
    approved = [approved_through_services(db, factory, versions["people-first"],
                                          maturity=0.15 + 0.1 * index, seed=20 + index)
                for index in range(6)]
    result = dashboard(db, DashboardFilters())
    lost: dict[str, float] = {}
    below: dict[str, int] = {}
    for assessment in approved:
        for question_id, impact in _rescored_gaps(db, assessment).items():
            lost[question_id] = lost.get(question_id, 0.0) + impact
            below[question_id] = below.get(question_id, 0) + 1
    expected = sorted(((total / len(approved), question_id) for question_id, total
                       in lost.items() if total > 0), key=lambda item: -item[0])[:10]
    weakest = [row for row in result.weakest if row.questionnaire_id == "people-first"]
    assert result.analysed == len(approved)
    assert len(weakest) == len(expected)
    for row, (mean, _question_id) in zip(weakest, expected, strict=True):
        assert math.isclose(row.mean_points_lost, mean, rel_tol=0.0, abs_tol=1e-9)
        assert math.isclose(row.mean_points_lost,
                            lost[row.question_id] / len(approved), abs_tol=1e-9)
        assert row.share_below_full == below[row.question_id] / len(approved)
