"""Autosave in a real browser: saved, conflicts shown, offline answers kept."""

from __future__ import annotations

from dataclasses import dataclass

from playwright.sync_api import Page, expect
from sqlalchemy import select

from ppp_assess.domain.display import rounded_score
from ppp_assess.domain.loader import load_questionnaire
from ppp_assess.domain.schema import Question
from ppp_assess.models import Answer, Assessment, User
from ppp_assess.services import assessments
from ppp_assess.services.questionnaires import publish_questionnaire, questionnaire_of
from ppp_assess.unit_of_work import get_database
from tests.e2e.conftest import LiveServer
from tests.factories import PASSWORD, Factory


@dataclass
class Case:
    assessment_id: int
    user_id: int
    email: str
    section_id: str
    question: Question


def _prepare(server: LiveServer) -> Case:
    with get_database(server.app).transaction() as session:
        factory = Factory(session)
        version = factory.questionnaires()["zero-tolerance-corruption"]
        organisation = factory.organisation()
        user = factory.user(organisation=organisation)
        assessment = assessments.start_assessment(session, actor=user, version=version,
                                                  organisation_id=organisation.id)
        questionnaire = questionnaire_of(version)
        section = questionnaire.sections[0]
        return Case(assessment.id, user.id, user.email, section.id, section.questions[0])


def _stored(server: LiveServer, case: Case) -> object:
    with get_database(server.app).transaction() as session:
        return session.scalar(select(Answer.value).where(
            Answer.assessment_id == case.assessment_id,
            Answer.question_id == case.question.id))


def _open_section(page: Page, server: LiveServer, case: Case) -> None:
    page.goto(f"{server.url}/auth/sign-in")
    page.fill("#email", case.email)
    page.fill("#password", PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(f"{server.url}/")
    page.goto(f"{server.url}/assessments/{case.assessment_id}/sections/{case.section_id}")


def _option(page: Page, case: Case, value: str):  # type: ignore[no-untyped-def]
    return page.locator(f'[data-question="{case.question.id}"] input[value="{value}"]')


def test_choosing_an_answer_saves_it(page: Page, live_server: LiveServer) -> None:
    case = _prepare(live_server)
    _open_section(page, live_server, case)
    best = case.question.options[0].value
    _option(page, case, best).check()
    status = page.locator(f'[data-question="{case.question.id}"] [data-save-status]')
    expect(status).to_contain_text("Saved")
    assert _stored(live_server, case) == best
    # The live score beside the questions was updated from the API's answer.
    expect(page.locator('[data-score="overall"]')).not_to_have_text("0.0")


def test_a_colleagues_newer_answer_is_shown_not_overwritten(page: Page,
                                                           live_server: LiveServer) -> None:
    case = _prepare(live_server)
    _open_section(page, live_server, case)
    theirs, mine = case.question.options[1].value, case.question.options[0].value
    # A colleague saves this question after the page was loaded.
    with get_database(live_server.app).transaction() as session:
        assessment = session.get(Assessment, case.assessment_id)
        colleague = session.get(User, case.user_id)
        assessments.save_answer(session, assessment, case.question.id,
                                assessments.AnswerInput(theirs),
                                base_version=assessment.version, actor=colleague)
    _option(page, case, mine).check()
    conflict = page.locator(f'[data-question="{case.question.id}"] [data-conflict]')
    expect(conflict).to_be_visible()
    assert _stored(live_server, case) == theirs  # nothing was overwritten
    conflict.get_by_role("button", name="Keep my answer").click()
    status = page.locator(f'[data-question="{case.question.id}"] [data-save-status]')
    expect(status).to_contain_text("Saved")
    assert _stored(live_server, case) == mine


def test_an_answer_given_offline_is_saved_when_the_connection_returns(
        page: Page, live_server: LiveServer) -> None:
    case = _prepare(live_server)
    _open_section(page, live_server, case)
    value = case.question.options[0].value
    page.context.set_offline(True)
    _option(page, case, value).check()
    expect(page.locator("[data-autosave-status]")).to_contain_text("offline")
    assert _stored(live_server, case) is None
    page.context.set_offline(False)
    status = page.locator(f'[data-question="{case.question.id}"] [data-save-status]')
    expect(status).to_contain_text("Saved")
    assert _stored(live_server, case) == value


def test_every_kind_of_answer_is_read_and_saved(page: Page, live_server: LiveServer) -> None:
    # The sample questionnaire of the web tests has a question of every type, and each
    # question tells the script how to read its answer (data-reader).
    from tests.web.test_assessments import SAMPLE

    questionnaire = load_questionnaire(SAMPLE)
    with get_database(live_server.app).transaction() as session:
        factory = Factory(session)
        version = publish_questionnaire(session, questionnaire).version
        organisation = factory.organisation()
        user = factory.user(organisation=organisation)
        assessment = assessments.start_assessment(session, actor=user, version=version,
                                                  organisation_id=organisation.id)
        session.commit()
        case = Case(assessment.id, user.id, user.email, "basics",
                    questionnaire.question("policy"))

    def saves(question_id: str, expected: object) -> None:
        for _ in range(100):
            case.question = questionnaire.question(question_id)
            if _stored(live_server, case) == expected:
                return
            page.wait_for_timeout(100)
        assert _stored(live_server, case) == expected

    _open_section(page, live_server, case)
    page.locator('[data-question="policy"] input[value="yes"]').check()
    saves("policy", "yes")
    page.fill("#q_staff", "12")
    page.locator("#q_staff").blur()
    saves("staff", 12)
    page.locator("#q_staff__na").check()
    saves("staff", "na")
    page.goto(f"{live_server.url}/assessments/{case.assessment_id}/sections/details")
    page.locator('[data-question="channels"] input[value="gazette"]').check()
    page.locator('[data-question="channels"] input[value="web"]').check()
    saves("channels", ["web", "gazette"])
    page.locator('[data-question="maturity"] input[value="3"]').check()
    saves("maturity", 3)
    page.fill("#q_adopted", "2024-05-09")
    page.locator("#q_adopted").blur()
    saves("adopted", "2024-05-09")
    page.fill("#q_notes", "  Fine.")
    page.locator("#q_notes").blur()
    saves("notes", "  Fine.")


def test_the_live_score_reads_as_the_page_does(page: Page, live_server: LiveServer) -> None:
    # The page renders the score panel and the script refreshes it from the API: both
    # must write the score as the platform shows it, in the page's language.
    case = _prepare(live_server)
    _open_section(page, live_server, case)
    section = f"{live_server.url}/assessments/{case.assessment_id}/sections/{case.section_id}"
    page.goto(f"{section}?lang=fr")
    overall = page.locator('[data-score="overall"]')
    expect(overall).to_have_text("0,0")
    _option(page, case, case.question.options[0].value).check()
    expect(overall).not_to_have_text("0,0")
    live = overall.text_content()
    with get_database(live_server.app).transaction() as session:
        stored = session.get_one(Assessment, case.assessment_id).score
    assert stored is not None
    assert live == str(rounded_score(stored)).replace(".", ",")
    page.reload()
    expect(overall).to_have_text(live or "")
