"""The anonymous journey in a real browser: quick check, sign in, copy into a draft."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from ppp_assess.services import assessments
from ppp_assess.services.questionnaires import questionnaire_of
from ppp_assess.unit_of_work import get_database
from tests.e2e.conftest import LiveServer
from tests.factories import PASSWORD, Factory


@pytest.mark.parametrize("locale", ["en", "ar"])
def test_quick_check_then_sign_in_and_copy_into_the_draft(page: Page, live_server: LiveServer,
                                                          locale: str) -> None:
    with get_database(live_server.app).transaction() as session:
        factory = Factory(session)
        version = factory.questionnaires()["zero-tolerance-corruption"]
        organisation = factory.organisation()
        user = factory.user(organisation=organisation)
        draft = assessments.start_assessment_for(
            session, actor=user, questionnaire_id="zero-tolerance-corruption",
            organisation_id=organisation.id)
        section = questionnaire_of(version).sections[0]
        first, second = section.questions[:2]
        # The draft answered the first question otherwise than the visitor will.
        assessments.save_answers(session, draft,
                                 {first.id: assessments.AnswerInput(first.options[1].value)},
                                 base_version=draft.version, actor=user)
        draft_id, email = draft.id, user.email

    url = live_server.url
    page.goto(f"{url}/check/?lang={locale}")
    expect(page.locator("html")).to_have_attribute("lang", locale)
    page.goto(f"{url}/check/{section.id}")
    for question in section.questions:
        page.locator(f'[data-question="{question.id}"] input[value="{question.options[0].value}"]'
                     ).check()
    page.locator("form.questionnaire-form .form-actions button[type=submit]").click()
    page.goto(f"{url}/check/results")
    page.locator('main a.button[href^="/auth/sign-in"]').click()
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(f"{url}/check/results")
    expect(page.locator("html")).to_have_attribute("lang", locale)

    copy_form = page.locator("form.copy-form")
    expect(copy_form).to_be_visible()
    copy_form.locator(f'input[name="take-{first.id}"][value="quick"]').check()
    copy_form.locator("button[type=submit]").click()
    page.wait_for_url(f"{url}/assessments/{draft_id}/**")
    with get_database(live_server.app).transaction() as session:
        stored = {question_id: row.value for question_id, row in assessments.load_answers(
            session, session.get_one(type(draft), draft_id)).items()}
    assert stored[first.id] == first.options[0].value
    assert stored[second.id] == second.options[0].value
    assert set(stored) == {question.id for question in section.questions}
