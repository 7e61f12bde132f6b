"""Each role lands on a home that sums up its work and says what to do next."""

from __future__ import annotations

import re

from ppp_assess.domain.reference import PlatformRole
from ppp_assess.services import board, reviews
from tests.certificate_support import admin
from tests.factories import sign_in
from tests.services.review_support import ORGANISATION_QUESTIONNAIRE, reviewer, submitted


def _home(app, email: str) -> str:
    client = app.test_client()
    sign_in(client, email)
    return client.get("/").text


def _counts(page: str) -> list[str]:
    return re.findall(r'<span class="count">([^<]+)</span>\s*([^<]+)</a>', page)


def test_a_reviewer_sees_the_queue_in_numbers(app, factory, db) -> None:
    idle = reviewer(factory, name="Idle Reviewer")
    db.commit()
    page = _home(app, idle.email)
    assert [count for count, _label in _counts(page)] == ["0", "0", "0"]
    assert "Nothing waits for review now." in page and "/review/interests" in page

    factory.questionnaires()
    board.save_settings(db, ORGANISATION_QUESTIONNAIRE, actor=admin(factory), panel_size=1,
                        chair_decides=False, deadline_days=14)
    mine = submitted(factory)
    reviews.start_review(db, mine.assessment, reviewer=mine.reviewer, declared_no_conflict=True)
    submitted(factory)  # one more, waiting for anyone
    db.commit()
    page = _home(app, mine.reviewer.email)
    assert [(count, label.strip()) for count, label in _counts(page)] == [
        ("1", "assigned to you"), ("1", "waiting for a reviewer"), ("0", "overdue")]
    assert f'href="/review/{mine.assessment.id}"' in page
    page = _home(app, idle.email)
    assert "Nothing is assigned to you." in page


def test_an_evaluator_and_an_administrator_have_their_homes(app, factory, db) -> None:
    evaluator = factory.user(role=None, platform_roles=(PlatformRole.evaluator,))
    operator = admin(factory)
    factory.user(role=None, name="Pending Person", password_hash=None)
    db.commit()
    page = _home(app, evaluator.email)
    assert "No approved assessment waits for a certificate." in page
    assert "/evaluations" in page
    page = _home(app, operator.email)
    assert "Pending Person" in page
    assert "1 person has not set a password yet." in page


def test_a_respondent_sees_the_next_step_of_each_assessment(app, factory, db) -> None:
    case = submitted(factory)
    reviews.start_review(db, case.assessment, reviewer=case.reviewer, declared_no_conflict=True)
    reviews.decide(db, case.assessment, reviewer=case.reviewer, decision="return",
                   reason="Add the decree.")
    db.commit()
    page = _home(app, case.respondent.email)
    row = page[page.index(f'data-assessment="{case.assessment.id}"'):]
    row = row[:row.index("</tr>")]
    assert "Returned for changes" in row
    assert "revise and resubmit" in row

    newcomer = factory.user(organisation=factory.organisation())
    db.commit()
    page = _home(app, newcomer.email)
    assert "Your organisations have no assessments yet." in page
    assert 'href="/assessments/new"' in page and 'href="/projects/new"' in page
