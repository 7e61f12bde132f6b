"""The respondent's fill-and-submit path with the keyboard only, in English and Arabic.

Every step is reached with Tab and used with Space or Enter: signing in, answering the
last open question, saving, and submitting from the check page. Addresses are typed, as
a keyboard user would.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from ppp_assess.domain.workflow import Status
from ppp_assess.models import Assessment
from ppp_assess.services import assessments
from ppp_assess.services.questionnaires import questionnaire_of
from ppp_assess.unit_of_work import get_database
from tests.certificate_support import answers_for
from tests.e2e.conftest import LiveServer
from tests.factories import PASSWORD, Factory

#: More Tab presses than any page here needs to reach its last control.
MAX_TABS = 400


def tab_to(page: Page, selector: str) -> None:
    """Press Tab until the element matching ``selector`` has the focus."""
    for _press in range(MAX_TABS):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)",
                         selector):
            return
    pytest.fail(f"Tab never reached {selector}")


@pytest.mark.parametrize("locale", ["en", "ar"])
def test_fill_and_submit_with_the_keyboard_only(page: Page, live_server: LiveServer,
                                                locale: str) -> None:
    with get_database(live_server.app).transaction() as session:
        factory = Factory(session)
        version = factory.questionnaires()["zero-tolerance-corruption"]
        organisation = factory.organisation()
        user = factory.user(organisation=organisation)
        draft = assessments.start_assessment(session, actor=user, version=version,
                                             organisation_id=organisation.id)
        questionnaire = questionnaire_of(version)
        last = questionnaire.sections[-1]
        question = next(item for item in last.questions if item.required and item.options)
        inputs = answers_for(questionnaire, 0.8)
        inputs.pop(question.id)
        assessments.save_answers(session, draft, inputs, base_version=draft.version,
                                 actor=user)
        draft_id, email = draft.id, user.email

    url = live_server.url
    page.goto(f"{url}/auth/sign-in?lang={locale}")
    tab_to(page, "#email")
    page.keyboard.type(email)
    tab_to(page, "#password")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{url}/")
    expect(page.locator("html")).to_have_attribute("lang", locale)

    page.goto(f"{url}/assessments/{draft_id}/sections/{last.id}")
    first_option = f'[data-question="{question.id}"] input[type=radio]'
    tab_to(page, first_option)
    page.keyboard.press("Space")
    expect(page.locator(f"{first_option}:checked")).to_have_count(1)
    tab_to(page, 'form.questionnaire-form button[value="continue"]')
    page.keyboard.press("Enter")
    page.wait_for_url(f"{url}/assessments/{draft_id}/check")

    tab_to(page, "form.submit-form button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/check" not in page.url
    with get_database(live_server.app).transaction() as session:
        assert session.get_one(Assessment, draft_id).status == Status.submitted
