"""The 2.x format in a real browser: exclusive options and sections that do not apply."""

from __future__ import annotations

from playwright.sync_api import Page, expect
from sqlalchemy import select

from ppp_assess.domain.loader import load_questionnaire
from ppp_assess.models import Answer
from ppp_assess.services import assessments
from ppp_assess.services.questionnaires import publish_questionnaire
from ppp_assess.unit_of_work import get_database
from tests.e2e.conftest import LiveServer
from tests.factories import PASSWORD, Factory
from tests.web.test_assessments_v2 import V2_TEXT


def _prepare(server: LiveServer) -> tuple[int, str]:
    with get_database(server.app).transaction() as session:
        factory = Factory(session)
        version = publish_questionnaire(session, load_questionnaire(V2_TEXT)).version
        organisation = factory.organisation()
        user = factory.user(organisation=organisation)
        assessment = assessments.start_assessment(session, actor=user, version=version,
                                                  organisation_id=organisation.id)
        return assessment.id, user.email


def _sign_in(page: Page, server: LiveServer, email: str) -> None:
    page.goto(f"{server.url}/auth/sign-in")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(f"{server.url}/")


def _stored(server: LiveServer, assessment_id: int, question_id: str) -> object:
    with get_database(server.app).transaction() as session:
        return session.scalar(select(Answer.value).where(
            Answer.assessment_id == assessment_id, Answer.question_id == question_id))


def test_ticking_an_exclusive_option_unticks_the_others(page: Page,
                                                        live_server: LiveServer) -> None:
    assessment_id, email = _prepare(live_server)
    _sign_in(page, live_server, email)
    page.goto(f"{live_server.url}/assessments/{assessment_id}/sections/law")
    box = lambda value: page.locator(f'[data-question="l3"] input[value="{value}"]')  # noqa: E731
    box("audit").check()
    box("hotline").check()
    box("none").check()
    expect(box("audit")).not_to_be_checked()
    expect(box("hotline")).not_to_be_checked()
    status = page.locator('[data-question="l3"] [data-save-status]')
    expect(status).to_contain_text("Saved")
    assert _stored(live_server, assessment_id, "l3") == ["none"]
    box("audit").check()
    expect(box("none")).not_to_be_checked()
    expect(status).to_contain_text("Saved")
    assert _stored(live_server, assessment_id, "l3") == ["audit"]


def test_a_section_that_stops_applying_leaves_the_steps(page: Page,
                                                        live_server: LiveServer) -> None:
    assessment_id, email = _prepare(live_server)
    _sign_in(page, live_server, email)
    page.goto(f"{live_server.url}/assessments/{assessment_id}/sections/profile")
    step = page.locator('[data-step="tailings"]')
    expect(step).to_be_hidden()  # no answer yet: the condition is false
    page.locator('[data-question="p1"] input[value="mine"]').check()
    expect(step).to_be_visible()
    page.locator('[data-question="p1"] input[value="rail"]').check()
    expect(step).to_be_hidden()
