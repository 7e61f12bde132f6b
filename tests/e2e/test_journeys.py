"""Whole journeys in a real browser, in English and in Arabic.

The respondent joins by invitation, records a project, answers over two visits, attaches
a document, submits, reads the reviewer's reason and comments when it comes back, fixes
and resubmits, and downloads the certificate and the report. The reviewer takes an
assessment from the queue, comments, finds the comments still there after a reload,
returns it, and approves the resubmission. What the other side does is done through the
services, so each journey stays on one person's screens. One server serves the module.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlalchemy import select
from werkzeug.serving import make_server

from ppp_assess import create_app
from ppp_assess.config import get_settings
from ppp_assess.domain.loader import load_questionnaire
from ppp_assess.domain.reference import OrgRole
from ppp_assess.domain.workflow import Status
from ppp_assess.models import Assessment, QuestionnaireVersion, User, migrate
from ppp_assess.services import accounts, assessments, reviews, tokens
from ppp_assess.services.questionnaires import publish_questionnaire, questionnaire_of
from ppp_assess.unit_of_work import get_database
from tests.certificate_support import evaluator, issue
from tests.e2e.conftest import LiveServer, thread_stacks
from tests.factories import PASSWORD, Factory
from tests.services.review_support import reviewer

LANGUAGES = ("en", "ar")
CHOSEN = "limestone quarry by the sea"

#: A small project questionnaire: two sections, a document recommended on the first answer.
JOURNEY = """
id: journey
version: "1.0"
subject: project
title: Journey checklist
source: {title: Test instrument}
scoring:
  levels:
    - {id: good, min: 50, label: Good}
    - {id: weak, min: 0, label: Weak}
answer_sets:
  compliance:
    - {value: "yes", label: "Yes", score: 1.0}
    - {value: "no", label: "No", score: 0.0}
sections:
  - id: basics
    title: Basics
    questions:
      - id: policy
        type: choice
        text: Is there a written integrity policy?
        answers: compliance
        required: true
        evidence: recommended
        reference: Test 1
      - id: published
        type: choice
        text: Is the policy published?
        answers: compliance
        required: true
        reference: Test 2
  - id: details
    title: Details
    questions:
      - id: training
        type: choice
        text: Are the staff trained?
        answers: compliance
        required: true
        reference: Test 3
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """Serve one app for the whole module (CSRF on, as in production)."""
    folder = tmp_path_factory.mktemp("journeys")
    url = f"sqlite:///{folder / 'journeys.sqlite3'}"
    migrate.upgrade(url)
    app = create_app({"env": "testing", "database_url": url,
                      "instance_path": str(folder / "instance"),
                      "secret_key": "e2e-secret-key"})
    with get_database(app).transaction() as session:
        factory = Factory(session)
        factory.questionnaires()
        publish_questionnaire(session, load_questionnaire(JOURNEY))
    http = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveServer(app, f"http://127.0.0.1:{http.server_port}")
    finally:
        http.shutdown()
        thread.join(timeout=10)
        get_database(app).dispose()


def _context(browser: Browser, language: str) -> BrowserContext:
    context = browser.new_context(locale=language)
    context.set_default_timeout(15_000)
    return context


def _sign_in(context: BrowserContext, server: LiveServer, email: str,
             password: str = PASSWORD) -> Page:
    page = context.new_page()
    page.goto(f"{server.url}/auth/sign-in")
    page.fill("#email", email)
    page.fill("#password", password)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(f"{server.url}/")
    return page


def _assessment(app: Flask, assessment_id: int) -> tuple[Status, int]:
    with get_database(app).transaction() as session:
        row = session.get(Assessment, assessment_id)
        assert row is not None
        return row.status, row.organisation_id


def _review(app: Flask, assessment_id: int, reviewer_id: int, decision: str,
            comments: dict[str, str] | None = None) -> None:
    """The review board's side: take the assessment and decide."""
    with get_database(app).transaction() as session:
        assessment = session.get(Assessment, assessment_id)
        board_member = session.get(User, reviewer_id)
        assert assessment is not None and board_member is not None
        reviews.start_review(session, assessment, reviewer=board_member,
                             declared_no_conflict=True)
        reviews.decide(session, assessment, reviewer=board_member, decision=decision,
                       reason="The policy must be published." if decision == "return" else "",
                       question_comments=comments)


def _answer(page: Page, question: str, value: str) -> None:
    page.locator(f'[data-question="{question}"] input[value="{value}"]').check()
    expect(page.locator(f'[data-question="{question}"] [data-save-status]')).to_have_class(
        re.compile(r"\bis-saved\b"))


# --------------------------------------------------------------------------- respondent


@dataclass
class Invited:
    link: str
    email: str
    organisation_id: int
    reviewer_id: int
    evaluator_id: int


def _invite(server: LiveServer, language: str) -> Invited:
    with get_database(server.app).transaction() as session:
        factory = Factory(session)
        organisation = factory.organisation(name=f"Harbour PPP Unit {language}")
        head = factory.user(organisation=organisation, role=OrgRole.org_admin)
        invitation = accounts.invite_member(
            session, head, organisation.id, email=f"newcomer-{language}@example.org",
            name="Newcomer", role=OrgRole.respondent)
        token = tokens.make_link_token(get_settings(server.app).secret_key, tokens.INVITATION,
                                       invitation.user, organisation_id=organisation.id)
        board_member = reviewer(factory, name=f"Reviewer {language}")
        certifier = evaluator(factory)
        return Invited(f"{server.url}/auth/invitation/{token}", invitation.user.email,
                       organisation.id, board_member.id, certifier.id)


@pytest.mark.parametrize("language", LANGUAGES)
def test_respondent_journey(browser: Browser, server: LiveServer, language: str,
                            tmp_path: Path) -> None:
    case = _invite(server, language)
    context = _context(browser, language)
    page = context.new_page()
    expect(page.locator("html")).to_have_count(1)
    # Sign up by invitation.
    page.goto(case.link)
    expect(page.locator("html")).to_have_attribute("lang", language)
    if language == "ar":
        expect(page.locator("html")).to_have_attribute("dir", "rtl")
    page.fill("#name", "Layla Haddad")
    page.fill("#password", CHOSEN)
    page.fill("#confirm", CHOSEN)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{server.url}/organisations/{case.organisation_id}/members")

    # Record a project.
    page.goto(f"{server.url}/projects/new")
    page.fill("#name", f"Harbour Bridge {language}")
    for field in ("#sector", "#country", "#region", "#stage", "#contract_type"):
        page.select_option(field, index=1)
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".flash, [role=status]").first).to_be_visible()

    # Start the assessment and answer the first section; then leave.
    page.goto(f"{server.url}/assessments/new")
    page.locator('form:has(input[name="questionnaire"][value="journey"]) button').click()
    page.wait_for_url("**/sections/basics")
    assessment_id = int(page.url.split("/assessments/")[1].split("/")[0])
    _answer(page, "policy", "yes")
    _answer(page, "published", "no")
    document = tmp_path / "policy.pdf"
    document.write_bytes(b"%PDF-1.4\n%%EOF\n")
    page.set_input_files("#evidence-file-policy", str(document))
    page.locator('button[form="evidence-form-policy"]').click()
    expect(page.locator("#evidence-policy .evidence-list")).to_contain_text("policy.pdf")
    context.close()

    # A second visit: the answers are there; finish and submit.
    context = _context(browser, language)
    page = _sign_in(context, server, case.email, CHOSEN)
    expect(page.locator(f'tr[data-assessment="{assessment_id}"]')).to_be_visible()
    page.locator(f'tr[data-assessment="{assessment_id}"] .next-step a').click()
    page.wait_for_url("**/sections/details")
    page.goto(f"{server.url}/assessments/{assessment_id}/sections/basics")
    expect(page.locator('[data-question="policy"] input[value="yes"]')).to_be_checked()
    page.goto(f"{server.url}/assessments/{assessment_id}/sections/details")
    _answer(page, "training", "yes")
    page.goto(f"{server.url}/assessments/{assessment_id}/check")
    page.locator(f'form[action$="/assessments/{assessment_id}/submit"] button').click()
    page.wait_for_url(f"**/assessments/{assessment_id}/submitted")
    assert _assessment(server.app, assessment_id)[0] == Status.submitted

    # Returned: the badge, the reason at the top, the comment beside its question.
    _review(server.app, assessment_id, case.reviewer_id, "return",
            {"published": "Publish it on the unit's website."})
    page.goto(f"{server.url}/")
    row = page.locator(f'tr[data-assessment="{assessment_id}"]')
    expect(row.locator(".status-returned")).to_be_visible()
    row.locator(".next-step a").click()
    expect(page.locator(".status-returned").first).to_be_visible()
    expect(page.locator(".returned-notice")).to_contain_text("The policy must be published.")
    page.goto(f"{server.url}/assessments/{assessment_id}/sections/basics")
    expect(page.locator('[data-step="basics"] .step-flag')).to_be_visible()
    expect(page.locator('[data-step="details"] .step-flag')).to_have_count(0)
    expect(page.locator('[data-question="published"] .review-note')).to_contain_text(
        "Publish it on the unit's website.")

    # Fix, resubmit, get approved and certified, download both documents.
    _answer(page, "published", "yes")
    page.goto(f"{server.url}/assessments/{assessment_id}/check")
    page.locator(f'form[action$="/assessments/{assessment_id}/submit"] button').click()
    page.wait_for_url(f"**/assessments/{assessment_id}/submitted")
    _review(server.app, assessment_id, case.reviewer_id, "approve")
    with get_database(server.app).transaction() as session:
        assessment = session.get(Assessment, assessment_id)
        certifier = session.get(User, case.evaluator_id)
        assert assessment is not None and certifier is not None
        issue(session, server.app, assessment, certifier)
    page.goto(f"{server.url}/assessments/{assessment_id}/submitted")
    for suffix in ("certificate.pdf", "report.pdf"):
        link = page.locator(f'main a[href$="/{assessment_id}/{suffix}"]').first
        with page.expect_download() as download:
            link.click()
        path = download.value.path()
        assert path is not None and Path(path).read_bytes().startswith(b"%PDF")
    context.close()


# --------------------------------------------------------------------------- reviewer


@dataclass
class Submitted:
    assessment_id: int
    reviewer_email: str
    respondent_id: int


def _submitted(server: LiveServer, language: str) -> Submitted:
    with get_database(server.app).transaction() as session:
        factory = Factory(session)
        organisation = factory.organisation(name=f"Delta Water Authority {language}")
        respondent = factory.user(organisation=organisation)
        project = factory.project(organisation, name=f"Delta Pipeline {language}")
        version = session.scalars(select(QuestionnaireVersion).where(
            QuestionnaireVersion.questionnaire_id == "journey")).one()
        assessment = assessments.start_assessment(session, actor=respondent, version=version,
                                                  organisation_id=organisation.id,
                                                  project=project)
        questionnaire = questionnaire_of(version)
        assessments.save_answers(
            session, assessment, {question.id: assessments.AnswerInput("no")
                                  for question in questionnaire.all_questions()},
            base_version=assessment.version, actor=respondent)
        assessments.submit_assessment(session, assessment, actor=respondent)
        board_member = reviewer(factory, name=f"Rania {language}", locale=language)
        return Submitted(assessment.id, board_member.email, respondent.id)


@pytest.mark.parametrize("language", LANGUAGES)
def test_reviewer_journey(browser: Browser, server: LiveServer, language: str) -> None:
    case = _submitted(server, language)
    context = _context(browser, language)
    page = _sign_in(context, server, case.reviewer_email)
    # The home counts the queue; the queue lists the assessment.
    expect(page.locator(".role-home .count").first).to_be_visible()
    page.goto(f"{server.url}/review/?status=submitted")
    page.locator(f'main a[href="/review/{case.assessment_id}"]').first.click()
    page.locator(f'main a[href="/review/{case.assessment_id}/start"]').click()
    # Starting without the declaration is refused, with the error linked at the top.
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".error-summary a")).to_have_count(1)
    page.check("#declared_no_conflict")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{server.url}/review/{case.assessment_id}")

    # Comments are kept as typed, and survive a reload.
    for field, text in (("published", "Publish the policy."), ("policy", "Which document?")):
        page.fill(f"#comment-{field}", text)
        page.locator(f"#comment-{field}").blur()
        expect(page.locator(f"#comment-{field}")).to_have_attribute("data-sent", text)
    page.reload()
    expect(page.locator("#comment-published")).to_have_value("Publish the policy.")
    expect(page.locator("#comment-policy")).to_have_value("Which document?")
    # Nothing reached the organisation yet.
    with get_database(server.app).transaction() as session:
        assessment = session.get(Assessment, case.assessment_id)
        assert assessment is not None
        assert reviews.open_review_comments(session, assessment) == {}

    # Returning without a reason: the error summary at the top leads to the field.
    page.locator('input[name="decision"][value="return"]').check()
    page.locator("#decision-panel button[type=submit]").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    summary.locator('a[href="#reason"]').click()
    expect(page.locator("#reason")).to_be_focused()
    page.fill("#reason", "Publish the policy and train the staff.")
    page.locator('input[name="decision"][value="return"]').check()
    page.locator("#decision-panel button[type=submit]").click()
    page.wait_for_url(f"{server.url}/review/")
    assert _assessment(server.app, case.assessment_id)[0] == Status.draft

    # The organisation fixes one answer and resubmits.
    with get_database(server.app).transaction() as session:
        assessment = session.get(Assessment, case.assessment_id)
        respondent = session.get(User, case.respondent_id)
        assert assessment is not None and respondent is not None
        assessments.save_answer(session, assessment, "published",
                                assessments.AnswerInput("yes"),
                                base_version=assessment.version, actor=respondent)
        assessments.submit_assessment(session, assessment, actor=respondent)

    # The resubmission: unchanged sections folded, changes marked; approve it.
    page.goto(f"{server.url}/review/{case.assessment_id}")
    page.locator(f'main a[href="/review/{case.assessment_id}/start"]').click()
    page.check("#declared_no_conflict")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{server.url}/review/{case.assessment_id}")
    expect(page.locator("details#section-basics")).to_have_attribute("open", "")
    expect(page.locator("details#section-details")).not_to_have_attribute("open", "")
    expect(page.locator(".review-nav .section-changed")).to_have_count(1)
    page.locator('.review-nav a[href="#decision-title"]').click()
    page.locator('input[name="decision"][value="approve"]').check()
    page.locator("#decision-panel button[type=submit]").click()
    page.wait_for_url(f"{server.url}/review/")
    assert _assessment(server.app, case.assessment_id)[0] == Status.approved
    context.close()


def test_a_review_without_scripts_sends_the_comments_with_the_decision(
        browser: Browser, server: LiveServer) -> None:
    case = _submitted(server, "noscript")
    context = browser.new_context(java_script_enabled=False)
    context.set_default_timeout(15_000)
    page = _sign_in(context, server, case.reviewer_email)
    page.goto(f"{server.url}/review/{case.assessment_id}/start")
    page.check("#declared_no_conflict")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{server.url}/review/{case.assessment_id}")
    # Every section is open on a first submission, and the decision is one link away.
    expect(page.locator("details.review-section:not([open])")).to_have_count(0)
    page.fill("#comment-training", "Which training?")
    page.locator('.review-nav a[href="#decision-title"]').click()
    page.locator('input[name="decision"][value="return"]').check()
    page.fill("#reason", "Train the staff.")
    page.locator("#decision-panel button[type=submit]").click()
    page.wait_for_url(f"{server.url}/review/")
    with get_database(server.app).transaction() as session:
        assessment = session.get(Assessment, case.assessment_id)
        assert assessment is not None
        comments = reviews.open_review_comments(session, assessment)
        assert {key: [row.body for row in rows] for key, rows in comments.items()} == {
            "training": ["Which training?"]}
    context.close()


# --------------------------------------------------------------------------- evaluator


@dataclass
class Decided:
    assessment_id: int
    project: str
    evaluator_email: str
    admin_email: str


def _approved(server: LiveServer, language: str, who: str) -> Decided:
    """An approved assessment of a project, with an evaluator and an administrator."""
    from ppp_assess.domain.reference import PlatformRole

    with get_database(server.app).transaction() as session:
        factory = Factory(session)
        organisation = factory.organisation(name=f"Steppe Rail Unit {who} {language}")
        respondent = factory.user(organisation=organisation)
        name = f"Steppe heavy-haul line {who} {language}"
        project = factory.project(organisation, name=name)
        version = session.scalar(select(QuestionnaireVersion)
                                 .where(QuestionnaireVersion.questionnaire_id == "journey"))
        assessment = assessments.start_assessment(
            session, actor=respondent, version=version, organisation_id=organisation.id,
            project=project)
        assessments.save_answers(session, assessment, {
            question.id: assessments.AnswerInput("yes")
            for question in questionnaire_of(version).all_questions()},
            base_version=assessment.version, actor=respondent)
        assessments.submit_assessment(session, assessment, actor=respondent)
        board_member = reviewer(factory, name=f"Board {who} {language}")
        reviews.start_review(session, assessment, reviewer=board_member,
                             declared_no_conflict=True)
        reviews.decide(session, assessment, reviewer=board_member, decision="approve")
        certifier = evaluator(factory)
        admin = factory.user(role=None, platform_roles=(PlatformRole.admin,))
        return Decided(assessment.id, name, certifier.email, admin.email)


@pytest.mark.parametrize("language", LANGUAGES)
def test_evaluator_journey(browser: Browser, server: LiveServer, language: str,
                           caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="ppp_assess.web.benchmarks.jobs")
    case = _approved(server, language, "evaluator")
    context = _context(browser, language)
    page = _sign_in(context, server, case.evaluator_email)
    # The dashboard, narrowed by the filters to one questionnaire.
    page.goto(f"{server.url}/evaluations")
    page.select_option("#questionnaire", "journey")
    page.locator("form.dashboard-filters button[type=submit]").click()
    expect(page.locator("main")).to_contain_text(case.project)
    # An export prepared in the background, followed until it can be downloaded.
    prepare = page.locator('form[action="/evaluations/exports"]')
    prepare.locator("#kind").select_option("evaluations")
    prepare.locator("#file_format").select_option("csv")
    prepare.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/evaluations/exports/\d+$"))
    download_link = page.locator('main a[href$="/file"]')
    try:
        expect(download_link).to_be_visible(timeout=60_000)
    except AssertionError as error:
        raise AssertionError(f"{error}\nThe server's threads:\n{thread_stacks()}") from error
    with page.expect_download() as download:
        download_link.click()
    assert download.value.suggested_filename == f"journey-1.0-{language}.csv"
    # A certificate, issued after the page that shows what will be signed.
    page.goto(f"{server.url}/certificates/")
    page.locator(f'main a[href="/certificates/issue/{case.assessment_id}"]').click()
    expect(page.locator("main")).to_contain_text(case.project)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{server.url}/certificates/")
    status, _organisation = _assessment(server.app, case.assessment_id)
    assert status == Status.certified
    context.close()


# --------------------------------------------------------------------------- administrator


@pytest.mark.parametrize("language", LANGUAGES)
def test_administrator_journey(browser: Browser, server: LiveServer, language: str) -> None:
    from ppp_assess.models import Certificate, PlatformRoleGrant

    case = _approved(server, language, "administrator")
    with get_database(server.app).transaction() as session:
        assessment = session.get(Assessment, case.assessment_id)
        certifier = session.scalar(select(User).where(User.email == case.evaluator_email))
        serial = issue(session, server.app, assessment, certifier).serial
    context = _context(browser, language)
    page = _sign_in(context, server, case.admin_email)
    # Open an account for a new reviewer: the invitation goes out by mail.
    email = f"new-reviewer-{language}@example.org"
    page.goto(f"{server.url}/admin/users/new")
    page.fill("#email", email)
    page.fill("#name", "Amaru Quispe")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/admin/users/\d+$"))
    # Grant the reviewer role on the account's page.
    grant = page.locator('form[action$="/roles"]')
    grant.locator("select").select_option("reviewer")
    grant.locator("button[type=submit]").click()
    expect(page.locator('form[action$="/roles/reviewer/revoke"]')).to_have_count(1)
    # Revoke a certificate, with the reason anyone verifying it will read.
    page.goto(f"{server.url}/certificates/{serial}/revoke")
    page.fill("#reason", "Issued against the wrong project.")
    page.locator("main form button[type=submit]").click()
    # The public verification page, which now says it is revoked and why.
    page.wait_for_url(f"{server.url}/verify/{serial}")
    expect(page.locator("main")).to_contain_text("Issued against the wrong project.")
    with get_database(server.app).transaction() as session:
        account = session.scalar(select(User).where(User.email == email))
        assert account is not None
        assert session.scalar(select(PlatformRoleGrant).where(
            PlatformRoleGrant.user_id == account.id)) is not None
        certificate = session.scalar(select(Certificate).where(Certificate.serial == serial))
        assert certificate is not None and certificate.revoked_at is not None
        assert certificate.revocation_reason == "Issued against the wrong project."
    context.close()
