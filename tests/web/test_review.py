"""The review board's pages: queue, start, review page, decisions."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from ppp_assess.config import get_settings
from ppp_assess.domain.reference import OrgRole, PlatformRole
from ppp_assess.domain.workflow import Status
from ppp_assess.mail.transport import sent_messages
from ppp_assess.services import assessments, reviews
from ppp_assess.services.assessments import AnswerInput
from tests.factories import sign_in
from tests.services.review_support import (
    PROJECT_QUESTIONNAIRE,
    audit_count,
    draft,
    reviewer,
    submitted,
)

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|'
                  r'type="hidden" name="csrf_token" value="([^"]+)"|'
                  r'name="csrf_token" value="([^"]+)"')


def _csrf(page: str) -> str:
    match = CSRF.search(page)
    assert match, "no CSRF token on the page"
    return next(group for group in match.groups() if group)


def _start(client, assessment_id: int, **extra):
    return client.post(f"/review/{assessment_id}/start",
                       data={"declared_no_conflict": "y", **extra})


def _refresh(db, assessment):
    db.expire_all()
    return db.get(type(assessment), assessment.id)


def test_the_full_cycle_through_the_pages(client, factory, db, app) -> None:
    case = submitted(factory)
    colleague = factory.user(organisation=case.organisation, role=OrgRole.org_admin,
                             locale="fr")
    assessment = case.assessment
    questions = case.questionnaire.all_questions()
    first, second = questions[0], questions[1]
    db.commit()
    sign_in(client, case.reviewer.email)

    queue = client.get("/review/")
    assert queue.status_code == 200
    text = queue.get_data(as_text=True)
    assert case.organisation.name in text
    assert f"/review/{assessment.id}/start" in text

    page = client.get(f"/review/{assessment.id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert first.text in text and first.guidance is not None
    assert first.option(assessments.load_answers(db, assessment)[first.id].value).label in text
    assert "Score report" in text
    assert 'name="comment-' not in text  # no decision before the review is started

    refused = client.post(f"/review/{assessment.id}/start", data={})
    assert refused.status_code == 422
    assert "conflict of interest" in refused.get_data(as_text=True)
    assert _refresh(db, assessment).status == Status.submitted

    started = _start(client, assessment.id)
    assert started.status_code == 302
    assert started.headers["Location"].endswith(f"/review/{assessment.id}")
    assert _refresh(db, assessment).status == Status.in_review

    page = client.get(f"/review/{assessment.id}").get_data(as_text=True)
    assert f'name="comment-{first.id}"' in page
    assert 'name="decision"' in page

    no_reason = client.post(f"/review/{assessment.id}/decision",
                            data={"decision": "return", "reason": " ",
                                  f"comment-{first.id}": "Which law?"})
    assert no_reason.status_code == 422
    body = no_reason.get_data(as_text=True)
    assert "Say why the assessment is returned." in body
    assert "Which law?" in body  # what the reviewer typed is kept
    assert _refresh(db, assessment).status == Status.in_review

    events = audit_count(db)
    returned = client.post(f"/review/{assessment.id}/decision",
                           data={"decision": "return", "reason": "Add the legal basis.",
                                 f"comment-{first.id}": "Which law?",
                                 f"comment-{second.id}": "Link the decree.",
                                 "comment-": "ignored"})
    assert returned.status_code == 302
    assessment = _refresh(db, assessment)
    assert assessment.status == Status.draft
    assert audit_count(db) == events + 3
    comments = reviews.open_review_comments(db, assessment)
    assert {key: [row.body for row in rows] for key, rows in comments.items()} == {
        first.id: ["Which law?"], second.id: ["Link the decree."]}
    settings = get_settings(app)
    mails = {message["To"]: message for message in sent_messages(settings)
             if not message["Subject"].startswith("New assessment to review")}
    assert set(mails) == {case.respondent.email, colleague.email}
    assert mails[colleague.email]["Content-Language"] == "fr"
    assert mails[case.respondent.email]["Content-Language"] == "en"
    assert "Add the legal basis." in mails[case.respondent.email].get_content()

    # The respondent revises the flagged question and submits again.
    other = next(option.value for option in first.options
                 if option.value != assessments.load_answers(db, assessment)[first.id].value)
    assessments.save_answers(db, assessment, {
        first.id: AnswerInput(other, "Required by the 2024 decree.",
                              ["https://example.org/decree.pdf"])},
        base_version=assessment.version, actor=case.respondent)
    assessments.submit_assessment(db, assessment, actor=case.respondent)
    db.commit()

    queue = client.get("/review/").get_data(as_text=True)
    assert "Resubmission 2" in queue
    assert _start(client, assessment.id).status_code == 302
    page = client.get(f"/review/{assessment.id}").get_data(as_text=True)
    assert "Changes since submission 1" in page
    assert "1 question changed" in page
    assert "Required by the 2024 decree." in page
    assert ('<a href="https://example.org/decree.pdf" rel="noopener noreferrer">'
            in page)
    assert "Evidence added: https://example.org/decree.pdf" in page
    assert "Which law?" in page and "Link the decree." in page  # the open comments
    assert "1 flagged question was not changed." in page
    assert page.count('class="tag tag-changed"') == 1

    sent_before = len(sent_messages(settings))
    approved = client.post(f"/review/{assessment.id}/decision",
                           data={"decision": "approve", "reason": ""})
    assert approved.status_code == 302
    assessment = _refresh(db, assessment)
    assert assessment.status == Status.approved
    # One approval notice to each member, in their own language.
    notices = [message for message in sent_messages(settings)[sent_before:]
               if not message["Subject"].startswith("New assessment to review")]
    assert sorted(message["To"] for message in notices) == sorted(
        [case.respondent.email, colleague.email])
    assert {message["To"]: message["Content-Language"] for message in notices} == {
        case.respondent.email: "en", colleague.email: "fr"}


def test_respondents_cannot_reach_the_review_pages(client, factory, db) -> None:
    case = submitted(factory)
    db.commit()
    sign_in(client, case.respondent.email)
    assessment_id = case.assessment.id
    assert client.get("/review/").status_code == 404
    assert client.get(f"/review/{assessment_id}").status_code == 404
    assert client.get(f"/review/{assessment_id}/start").status_code == 404
    assert _start(client, assessment_id).status_code == 404
    assert client.post(f"/review/{assessment_id}/decision",
                       data={"decision": "approve"}).status_code == 404
    assert _refresh(db, case.assessment).status == Status.submitted
    assert b'href="/review/"' not in client.get("/").data


def test_signed_out_visitors_are_sent_to_sign_in(client, factory, db) -> None:
    case = submitted(factory)
    db.commit()
    response = client.get(f"/review/{case.assessment.id}")
    assert response.status_code == 302
    assert "/auth/sign-in" in response.headers["Location"]


def test_the_queue_link_is_in_the_navigation_of_reviewers(client, factory, db) -> None:
    board_member = reviewer(factory)
    db.commit()
    sign_in(client, board_member.email)
    assert b'href="/review/"' in client.get("/").data


def test_a_reviewer_of_the_same_organisation_is_refused(client, factory, db) -> None:
    case = submitted(factory)
    insider = factory.user(organisation=case.organisation, role=OrgRole.respondent,
                           platform_roles=(PlatformRole.reviewer,))
    db.commit()
    sign_in(client, insider.email)
    queue = client.get("/review/").get_data(as_text=True)
    assert "Your organisation: you cannot review it" in queue
    assert f"/review/{case.assessment.id}/start" not in queue
    page = client.get(f"/review/{case.assessment.id}").get_data(as_text=True)
    assert "you cannot review this assessment" in page
    assert client.get(f"/review/{case.assessment.id}/start").status_code == 403
    assert _start(client, case.assessment.id).status_code == 403
    assert _refresh(db, case.assessment).status == Status.submitted


def test_a_second_reviewer_cannot_start_or_decide(app, factory, db) -> None:
    case = submitted(factory)
    colleague = reviewer(factory)
    db.commit()
    first_client, second_client = app.test_client(), app.test_client()
    sign_in(first_client, case.reviewer.email)
    sign_in(second_client, colleague.email)
    assert _start(first_client, case.assessment.id).status_code == 302

    late = _start(second_client, case.assessment.id)
    assert late.status_code == 302
    page = second_client.get(late.headers["Location"]).get_data(as_text=True)
    assert ("The action “Start review” is not allowed while the assessment is “In review”."
            in page)
    assert "Another reviewer is reviewing this assessment." in page
    assert 'name="decision"' not in page

    decided = second_client.post(f"/review/{case.assessment.id}/decision",
                                 data={"decision": "approve"})
    assert decided.status_code == 403
    assert _refresh(db, case.assessment).status == Status.in_review


def test_a_decision_on_an_assessment_not_in_review_is_refused_with_a_message(
        client, factory, db) -> None:
    case = submitted(factory)
    db.commit()
    sign_in(client, case.reviewer.email)
    events = audit_count(db)
    response = client.post(f"/review/{case.assessment.id}/decision",
                           data={"decision": "approve"}, follow_redirects=True)
    assert response.status_code == 200
    assert ("The action “Approve” is not allowed while the assessment is “Submitted”."
            in response.get_data(as_text=True))
    assert audit_count(db) == events
    assert _refresh(db, case.assessment).status == Status.submitted


def test_a_comment_on_an_unknown_question_is_shown_as_an_error(client, factory, db) -> None:
    case = submitted(factory)
    reviews.start_review(db, case.assessment, reviewer=case.reviewer, declared_no_conflict=True)
    db.commit()
    sign_in(client, case.reviewer.email)
    response = client.post(f"/review/{case.assessment.id}/decision",
                           data={"decision": "return", "reason": "x",
                                 "comment-zz-9": "Hmm"})
    assert response.status_code == 422
    assert "A comment refers to a question this questionnaire does not have." in (
        response.get_data(as_text=True))
    assert _refresh(db, case.assessment).status == Status.in_review


def test_user_text_is_escaped(client, factory, db) -> None:
    case = draft(factory)
    first = case.questionnaire.all_questions()[0].id
    assessments.save_answers(db, case.assessment, {
        first: AnswerInput(None, "<script>alert(1)</script>",
                           ["https://example.org/?q=<b>"])},
        base_version=case.assessment.version, actor=case.respondent)
    assessments.save_answers(db, case.assessment, {
        first: AnswerInput(case.questionnaire.all_questions()[0].options[0].value)},
        base_version=case.assessment.version, actor=case.respondent)
    assessments.submit_assessment(db, case.assessment, actor=case.respondent)
    db.commit()
    sign_in(client, case.reviewer.email)
    page = client.get(f"/review/{case.assessment.id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>" not in page


def test_the_queue_filters_sorts_and_shows_waiting_time(client, factory, db) -> None:
    board_member = reviewer(factory)
    chile = submitted(factory, board_member=board_member, organisation=factory.organisation(
        name="Concessions Agency", country="CL", region="latin_america"))
    project = submitted(factory, questionnaire_id=PROJECT_QUESTIONNAIRE,
                        board_member=board_member, name="Ore terminal", sector="transport")
    chile.assessment.submitted_at = dt.datetime.now(dt.UTC) - dt.timedelta(days=12, hours=2)
    project.assessment.submitted_at = dt.datetime.now(dt.UTC) - dt.timedelta(hours=3)
    db.commit()
    sign_in(client, board_member.email)

    page = client.get("/review/").get_data(as_text=True)
    assert "12 days" in page and "0 days" in page
    assert page.index("Concessions Agency") < page.index("Ore terminal")
    assert "Chile" in page  # the country's name, from CLDR
    assert 'aria-sort="descending"' in page

    newest = client.get("/review/?sort=submitted").get_data(as_text=True)
    assert newest.index("Ore terminal") < newest.index("Concessions Agency")
    oldest = client.get("/review/?sort=submitted&order=asc").get_data(as_text=True)
    assert oldest.index("Concessions Agency") < oldest.index("Ore terminal")
    assert 'aria-sort="ascending"' in oldest

    only_projects = client.get(f"/review/?questionnaire={PROJECT_QUESTIONNAIRE}")
    text = only_projects.get_data(as_text=True)
    assert "Ore terminal" in text and "Concessions Agency" not in text
    by_country = client.get("/review/?country=CL").get_data(as_text=True)
    assert "Concessions Agency" in by_country and "Ore terminal" not in by_country
    by_sector = client.get("/review/?sector=transport").get_data(as_text=True)
    assert "Ore terminal" in by_sector and "Concessions Agency" not in by_sector
    by_status = client.get("/review/?status=in_review").get_data(as_text=True)
    assert "Nothing" not in by_status and "No assessment matches these filters." in by_status
    nonsense = client.get("/review/?status=approved&sort=name&page=x")
    assert nonsense.status_code == 200  # unknown values are ignored


# --------------------------------------------------------------------------- CSRF


@pytest.mark.parametrize("form", ["start", "decision"])
def test_every_form_needs_its_csrf_token(csrf_app, factory, db, form) -> None:
    client = csrf_app.test_client()
    case = submitted(factory)
    if form == "decision":
        reviews.start_review(db, case.assessment, reviewer=case.reviewer,
                             declared_no_conflict=True)
    db.commit()
    page_url = (f"/review/{case.assessment.id}/start" if form == "start"
                else f"/review/{case.assessment.id}")
    action = (f"/review/{case.assessment.id}/start" if form == "start"
              else f"/review/{case.assessment.id}/decision")
    data = ({"declared_no_conflict": "y"} if form == "start"
            else {"decision": "approve", "reason": ""})
    login = client.get("/auth/sign-in").get_data(as_text=True)
    client.post("/auth/sign-in", data={"email": case.reviewer.email,
                                       "password": "correct horse battery staple",
                                       "csrf_token": _csrf(login)})
    page = client.get(page_url)
    assert page.status_code == 200
    token = _csrf(page.get_data(as_text=True))
    status_before = _refresh(db, case.assessment).status

    forged = client.post(action, data=data)
    assert forged.status_code == 400
    assert _refresh(db, case.assessment).status == status_before

    genuine = client.post(action, data={**data, "csrf_token": token})
    assert genuine.status_code == 302
    assert _refresh(db, case.assessment).status != status_before


def test_the_review_page_shows_question_numbers_not_ids(client, factory, db) -> None:
    case = submitted(factory)
    second_section = case.questionnaire.sections[1]
    question = second_section.questions[1]
    db.commit()
    sign_in(client, case.reviewer.email)
    text = client.get(f"/review/{case.assessment.id}").get_data(as_text=True)
    heading = re.search(rf'<h4 id="question-{question.id}-text">(.*?)</h4>', text, re.S)
    assert heading is not None
    assert '<span class="question-number">2.2</span>' in heading.group(1)
    assert question.id not in heading.group(1)
