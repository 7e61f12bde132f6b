"""A board in a real browser: two reviewers recommend differently, the chair decides."""

from __future__ import annotations

from dataclasses import dataclass

from playwright.sync_api import Browser, Page, expect

from ppp_assess.domain.workflow import Status
from ppp_assess.models import Assessment
from ppp_assess.services import board, reviews
from ppp_assess.unit_of_work import get_database
from tests.certificate_support import admin
from tests.e2e.conftest import LiveServer
from tests.factories import PASSWORD, Factory
from tests.services.review_support import ORGANISATION_QUESTIONNAIRE, reviewer, submitted


@dataclass
class Board:
    assessment_id: int
    chair: str
    members: dict[str, tuple[int, str]]
    question_id: str


def _prepare(server: LiveServer) -> Board:
    with get_database(server.app).transaction() as session:
        factory = Factory(session)
        factory.questionnaires()
        board.save_settings(session, ORGANISATION_QUESTIONNAIRE, actor=admin(factory),
                            panel_size=2, chair_decides=True, deadline_days=14)
        case = submitted(factory)
        reviews.start_review(session, case.assessment, reviewer=case.reviewer,
                             declared_no_conflict=True)
        ana = reviewer(factory, name="Ana Panelist")
        bo = reviewer(factory, name="Bo Panelist")
        return Board(case.assessment.id, case.reviewer.email,
                     {"ana": (ana.id, ana.email), "bo": (bo.id, bo.email)},
                     case.questionnaire.all_questions()[0].id)


def _signed_in(browser: Browser, server: LiveServer, email: str) -> Page:
    page = browser.new_context().new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{server.url}/auth/sign-in")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(f"{server.url}/")
    return page


def test_two_reviewers_disagree_and_the_chair_decides(browser: Browser,
                                                     live_server: LiveServer) -> None:
    case = _prepare(live_server)
    url = f"{live_server.url}/review/{case.assessment_id}"

    chair = _signed_in(browser, live_server, case.chair)
    chair.goto(url)
    expect(chair.locator("#panel")).to_contain_text("The decision waits")
    for key in ("ana", "bo"):
        chair.select_option("#reviewer", str(case.members[key][0]))
        chair.get_by_role("button", name="Assign to the panel").click()
        expect(chair.locator(f'tr[data-reviewer="{case.members[key][0]}"]')).to_be_visible()

    for key, choice, reason in (("ana", "approve", "Sound practice."),
                                ("bo", "return", "The decree is missing.")):
        page = _signed_in(browser, live_server, case.members[key][1])
        page.goto(url)
        page.fill(f"#comment-{case.question_id}", f"{reason} (on the question)")
        page.locator(f'input[name="recommendation"][value="{choice}"]').check()
        page.fill("#reason", reason)
        page.get_by_role("button", name="Record the recommendation").click()
        expect(page.locator(".flash, [role=status]").first).to_be_visible()
        page.context.close()

    chair.goto(url)
    expect(chair.locator(".disagreement-notice")).to_be_visible()
    expect(chair.locator(f'tr[data-reviewer="{case.members["ana"][0]}"]')).to_have_attribute(
        "data-recommendation", "approve")
    expect(chair.locator(f'tr[data-reviewer="{case.members["bo"][0]}"]')).to_have_attribute(
        "data-recommendation", "return")
    expect(chair.locator(f"#question-{case.question_id} .panel-comments.disagreement")
           ).to_be_visible()
    chair.locator('input[name="decision"][value="return"]').check()
    chair.fill("#reason", "Publish the decree, as one reviewer asks.")
    chair.get_by_role("button", name="Send the decision").click()
    chair.wait_for_url(f"{live_server.url}/review/")
    with get_database(live_server.app).transaction() as session:
        assessment = session.get(Assessment, case.assessment_id)
        assert assessment is not None and assessment.status == Status.draft
    chair.context.close()
