"""Evidence in a real browser: the upload form beside a question, and the verified score
that the autosave refreshes."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from ppp_assess.domain.loader import load_questionnaire
from ppp_assess.services import assessments
from ppp_assess.services.questionnaires import publish_questionnaire
from ppp_assess.unit_of_work import get_database
from tests.e2e.conftest import LiveServer
from tests.factories import PASSWORD, Factory
from tests.web.test_assessments import SAMPLE


def _prepare(server: LiveServer) -> tuple[int, str]:
    text = SAMPLE.replace("id: web-sample", "id: web-evidence").replace(
        "evidence: recommended", "evidence: required")
    with get_database(server.app).transaction() as session:
        factory = Factory(session)
        version = publish_questionnaire(session, load_questionnaire(text)).version
        organisation = factory.organisation()
        user = factory.user(organisation=organisation)
        assessment = assessments.start_assessment(session, actor=user, version=version,
                                                  organisation_id=organisation.id)
        return assessment.id, user.email


def test_an_answer_is_held_back_until_a_document_is_attached(
        page: Page, live_server: LiveServer, tmp_path: Path) -> None:
    assessment_id, email = _prepare(live_server)
    page.goto(f"{live_server.url}/auth/sign-in")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/assessments/{assessment_id}/sections/basics")
    page.locator('[data-question="policy"] input[value="yes"]').check()
    expect(page.locator('[data-question="policy"] [data-save-status]')).to_contain_text("Saved")
    held_back = page.locator("[data-held-back] li")
    expect(held_back).to_have_count(1)
    expect(held_back.first).to_contain_text("Is there a written integrity policy?")
    # basics: policy 1 (held back to 0.5) and published unanswered (0); details: 0.
    expect(page.locator('[data-score="overall"]')).to_have_text("25.0")
    expect(page.locator('[data-score="verified"]')).to_have_text("12.5")

    document = tmp_path / "policy.pdf"
    document.write_bytes(b"%PDF-1.4\n%%EOF\n")
    page.set_input_files("#evidence-file-policy", str(document))
    page.fill("#evidence-description-policy", "Adopted by the board")
    page.locator('button[form="evidence-form-policy"]').click()
    expect(page.locator("#evidence-policy .evidence-list")).to_contain_text("policy.pdf")
    expect(page.locator("[data-held-back] li")).to_have_count(0)
    expect(page.locator('[data-score="verified"]')).to_have_text("25.0")
