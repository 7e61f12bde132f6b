"""At most 20 SQL statements per page, the same at 10 and at 10 000 stored assessments.

The pages a respondent, a reviewer's queue and an evaluator load most, and the autosave,
are counted (after one warm-up request) with 10 decided assessments stored, then again
after 9 990 more are added. The added ones are copies, made in SQL, of one assessment
approved through the services: its row, section scores, submission and the questions it
lost points on. Counting is deterministic, so the test asserts exact equality.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from ppp_assess.domain.reference import PlatformRole
from ppp_assess.models import Assessment
from ppp_assess.services.benchmarks.totals import rebuild_totals
from tests.factories import sign_in
from tests.services.benchmark_support import approved_through_services
from tests.web.test_assessments import Member, make_member
from tests.web.test_statement_counts import _assessment, _autosave, _section_page, count

BUDGET = 20
FEW = 10
MANY = 10_000


@pytest.fixture
def member(app, db, factory) -> Member:
    signed_in = make_member(app, db, factory)
    factory.questionnaires()
    db.commit()
    return signed_in


def _clone(db, template: Assessment, copies: int) -> None:
    """Store ``copies`` more decided assessments like ``template``, set-based in SQL."""
    columns = [column.name for column in Assessment.__table__.columns if column.name != "id"]
    listed = ", ".join(columns)
    first = db.execute(text("SELECT MAX(id) FROM assessments")).scalar_one() + 1
    db.execute(text(f"INSERT INTO assessments ({listed}) SELECT {listed} FROM assessments "
                    "WHERE id = :template"), [{"template": template.id}] * copies)
    new = {"template": template.id, "first": first}
    db.execute(text(
        "INSERT INTO section_scores (assessment_id, section_id, score) "
        "SELECT a.id, s.section_id, s.score FROM assessments a, section_scores s "
        "WHERE a.id >= :first AND s.assessment_id = :template"), new)
    db.execute(text(
        "INSERT INTO submissions (assessment_id, number, submitted_by_id, submitted_at, "
        "answers, score) SELECT a.id, s.number, s.submitted_by_id, s.submitted_at, s.answers, "
        "s.score FROM assessments a, submissions s "
        "WHERE a.id >= :first AND s.assessment_id = :template"), new)
    db.execute(text(
        "INSERT INTO question_scores (assessment_id, submission_id, question_id, points_lost) "
        "SELECT s.assessment_id, s.id, q.question_id, q.points_lost "
        "FROM submissions s, question_scores q "
        "WHERE s.assessment_id >= :first AND q.assessment_id = :template"), new)
    # Rows loaded around the services: the dashboard totals are counted again.
    rebuild_totals(db)
    db.commit()


def _pages(app, db, member, evaluator, draft: Assessment) -> dict[str, int]:
    db.refresh(draft)  # the autosave starts from the version the requests left
    pages: dict[str, Any] = {
        "section page": _section_page(member, draft),
        "autosave": _autosave(app, member, draft),
        "my assessments": lambda: member.client.get("/assessments/"),
        "evaluators' dashboard": lambda: evaluator.get("/evaluations"),
    }
    return {name: count(app, request) for name, request in pages.items()}


def test_pages_stay_within_budget_from_10_to_10_000_assessments(app, db, member,
                                                                 factory) -> None:
    draft = _assessment(db, member, answered=10)
    version = factory.questionnaires()["people-first"]
    approved = [approved_through_services(db, factory, version, organisation=(
        member.organisation if index % 2 else None), maturity=0.3 + 0.05 * index, seed=index)
        for index in range(FEW)]
    evaluator_user = factory.user(role=None, platform_roles=(PlatformRole.evaluator,))
    db.commit()
    evaluator = app.test_client()
    sign_in(evaluator, evaluator_user.email)

    few = _pages(app, db, member, evaluator, draft)
    assert max(few.values()) <= BUDGET, few
    _clone(db, approved[0], MANY - FEW)
    assert db.execute(text("SELECT COUNT(*) FROM assessments WHERE status IN "
                           "('approved', 'certified')")).scalar_one() == MANY
    assert db.execute(text("SELECT SUM(assessments) FROM dashboard_totals")).scalar_one() == MANY
    many = _pages(app, db, member, evaluator, draft)
    assert many == few
