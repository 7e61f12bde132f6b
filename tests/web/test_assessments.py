"""The respondent's assessment pages: dashboard, start, sections, check, submit, submitted.

The helpers at the top (a small questionnaire with conditions and every question type,
and a signed-in member) are shared with the other ``test_assessments_*`` and
``test_api_*`` modules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from ppp_assess.domain.loader import load_questionnaire
from ppp_assess.domain.workflow import Status
from ppp_assess.models import (
    Answer,
    Assessment,
    AuditEvent,
    Organisation,
    QuestionnaireVersion,
    User,
)
from ppp_assess.services import assessments, reviews
from ppp_assess.services.assessments import AnswerInput
from ppp_assess.services.questionnaires import publish_questionnaire
from ppp_assess.web.questionnaire_form import answer_fingerprint
from tests.factories import Factory, sign_in

SAMPLE = """
id: web-sample
version: "1.0"
subject: organisation
title: Sample integrity checklist
source: {title: Test instrument}
scoring:
  levels:
    - {id: good, min: 50, label: Good}
    - {id: weak, min: 0, label: Weak}
  critical_cap: weak
answer_sets:
  compliance:
    - {value: "yes", label: "Yes", score: 1.0}
    - {value: "no", label: "No", score: 0.0}
    - {value: na, label: Not applicable, score: null}
sections:
  - id: basics
    title: Basics
    questions:
      - id: policy
        type: choice
        text: Is there a written integrity policy?
        guidance: A policy adopted by the board.
        answers: compliance
        required: true
        evidence: recommended
        action: Adopt a written integrity policy.
        reference: Test 1
      - id: published
        type: choice
        text: Is the policy published?
        answers: compliance
        required: true
        show_if: {question: policy, in: ["yes"]}
        action: Publish the policy.
        reference: Test 2
      - id: staff
        type: number
        text: How many staff work on integrity?
        min: 0
        max: 1000
        unit: people
        na: true
        reference: Test 3
  - id: details
    title: Details
    questions:
      - id: channels
        type: multi_choice
        text: Which channels publish decisions?
        options:
          - {value: web, label: Website, score: 0.5}
          - {value: gazette, label: Official gazette, score: 0.5}
          - {value: none, label: None of these, score: 0}
        scoring: sum
        reference: Test 4
      - id: maturity
        type: scale
        text: How mature is the practice?
        scale: {min: 0, max: 4, min_label: Not at all, max_label: Fully}
        required: true
        reference: Test 5
      - id: adopted
        type: date
        text: When was the policy adopted?
        show_if: {question: policy, in: ["yes"]}
        reference: Test 6
      - id: notes
        type: text
        text: Anything else?
        max_length: 50
        reference: Test 7
"""


@dataclass
class Member:
    """A signed-in member of an organisation, with the sample questionnaire published."""

    client: FlaskClient
    user: User
    organisation: Organisation
    version: QuestionnaireVersion
    #: The session's CSRF token, for the ``X-CSRFToken`` header of API writes.
    csrf: str

    @property
    def headers(self) -> dict[str, str]:
        """Return the headers the pages' own scripts send with API writes."""
        return {"X-CSRFToken": self.csrf}


def publish_sample(db: Session) -> QuestionnaireVersion:
    """Publish the sample questionnaire."""
    return publish_questionnaire(db, load_questionnaire(SAMPLE)).version


def start(db: Session, member_user: User, organisation: Organisation,
          version: QuestionnaireVersion) -> Assessment:
    """Start an assessment directly through the service."""
    return assessments.start_assessment(db, actor=member_user, version=version,
                                        organisation_id=organisation.id)


def answer(db: Session, assessment: Assessment, user: User, **values: object) -> None:
    """Store answers through the service."""
    assessments.save_answers(db, assessment, {qid: AnswerInput(value)
                                              for qid, value in values.items()},
                             base_version=assessment.version, actor=user)


def seen_of(db: Session, assessment: Assessment, *question_ids: str) -> dict[str, str]:
    """Return the hidden fingerprint inputs a section page would carry."""
    stored = assessments.load_answers(db, assessment)
    fields = {}
    for question_id in question_ids:
        row = stored.get(question_id)
        fields[f"s_{question_id}"] = answer_fingerprint(
            row.value if row else None, row.comment if row else "",
            list(row.evidence or []) if row else [])
    db.commit()
    return fields


def stored_values(db: Session, assessment: Assessment) -> dict[str, object]:
    """Return the stored answers, read afresh."""
    db.expire_all()
    values = {row.question_id: row.value for row in
              db.scalars(select(Answer).where(Answer.assessment_id == assessment.id))}
    db.commit()
    return values


def csrf_token_of(client: FlaskClient) -> str:
    """Return the CSRF token of a signed-in client's session (from the sign-out form)."""
    page = client.get("/projects/").get_data(as_text=True)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


def make_member(app, db: Session, factory: Factory) -> Member:
    """Sign in a new member of a new organisation, with the sample questionnaire."""
    organisation = factory.organisation()
    user = factory.user(organisation=organisation)
    version = publish_sample(db)
    db.commit()
    client = app.test_client()
    sign_in(client, user.email)
    return Member(client, user, organisation, version, csrf_token_of(client))


def _text(response) -> str:
    return response.get_data(as_text=True)


# --------------------------------------------------------------------------- dashboard, start


def test_dashboard_lists_my_assessments_and_is_the_members_home(member, db, factory) -> None:
    mine = start(db, member.user, member.organisation, member.version)
    answer(db, mine, member.user, policy="yes", maturity=2)
    other_org = factory.organisation(name="Someone Else's Ministry")
    other = start(db, factory.user(organisation=other_org), other_org, member.version)
    db.commit()
    page = member.client.get("/assessments/")
    assert page.status_code == 200
    body = _text(page)
    assert f'data-assessment="{mine.id}"' in body
    assert f'data-assessment="{other.id}"' not in body
    assert "Someone Else" not in body
    assert "Draft" in body and "Sample integrity checklist" in body
    # Completion: 2 of 3 applicable required answered; score from the stored cache.
    assert "67%" in body
    assert body.count("<h1") == 1
    home = _text(member.client.get("/"))
    assert f'data-assessment="{mine.id}"' in home and "Sign out" in home


def test_start_offers_fitting_subjects_and_starts_once(member, db, factory) -> None:
    factory.questionnaires()
    project = factory.project(member.organisation, name="Gobi rail line")
    db.commit()
    page = _text(member.client.get("/assessments/new"))
    assert "Sample integrity checklist" in page
    assert f'value="organisation:{member.organisation.id}"' in page
    assert f'value="project:{project.id}"' in page
    response = member.client.post("/assessments/new", data={
        "questionnaire": "web-sample", "subject": f"organisation:{member.organisation.id}"})
    assert response.status_code == 302
    assessment_id = int(response.headers["Location"].rsplit("/", 1)[1])
    started = db.get(Assessment, assessment_id)
    assert started is not None and started.organisation_id == member.organisation.id
    db.commit()
    again = member.client.post("/assessments/new", data={
        "questionnaire": "web-sample", "subject": f"organisation:{member.organisation.id}"})
    assert again.headers["Location"].endswith(f"/assessments/{assessment_id}")
    assert db.scalar(select(Assessment.id).where(Assessment.id != assessment_id,
                                                 Assessment.organisation_id
                                                 == member.organisation.id)) is None
    db.commit()
    project_start = member.client.post("/assessments/new", data={
        "questionnaire": "people-first", "subject": f"project:{project.id}"})
    assert project_start.status_code == 302
    wrong = member.client.post("/assessments/new", data={
        "questionnaire": "people-first", "subject": f"organisation:{member.organisation.id}"})
    assert wrong.status_code == 422
    assert "assesses a project" in _text(wrong)


def test_start_refuses_another_organisations_subject(member, db, factory) -> None:
    factory.questionnaires()
    other_org = factory.organisation()
    foreign_project = factory.project(other_org)
    db.commit()
    assert member.client.post("/assessments/new", data={
        "questionnaire": "web-sample", "subject": f"organisation:{other_org.id}"}
    ).status_code == 404
    assert member.client.post("/assessments/new", data={
        "questionnaire": "people-first", "subject": f"project:{foreign_project.id}"}
    ).status_code == 404
    assert db.scalar(select(Assessment.id)) is None


# --------------------------------------------------------------------------- section pages


def test_section_page_shows_questions_with_everything_around_them(member, db) -> None:
    assessment = start(db, member.user, member.organisation, member.version)
    db.commit()
    response = member.client.get(f"/assessments/{assessment.id}")
    assert response.headers["Location"].endswith(f"/assessments/{assessment.id}/sections/basics")
    body = _text(member.client.get(response.headers["Location"]))
    assert body.count("<h1") == 1
    assert "Section 1 of 2: Basics" in body
    assert "A policy adopted by the board." in body  # guidance
    assert "Required" in body and "Evidence recommended" in body
    assert 'value="na"' in body and "Not applicable" in body
    assert 'name="c_policy"' in body and 'name="e_policy"' in body
    assert 'aria-current="step"' in body
    # The conditional question is in the page, hidden, with its condition as data.
    hidden = re.search(r'<div class="question"[^>]*data-question="published"[^>]*>', body)
    assert hidden is not None and " hidden" in hidden.group(0)
    assert "data-show-if='{\"in\": [\"yes\"], \"question\": \"policy\"}'" in body \
        or "data-show-if='{\"question\": \"policy\", \"in\": [\"yes\"]}'" in body
    assert f'name="base_version" type="hidden" value="{assessment.version}"' in body \
        or f'value="{assessment.version}"' in body
    assert "Live score" in body and "Biggest gaps" in body


def test_each_question_tells_the_script_how_to_read_its_answer(member, db) -> None:
    assessment = start(db, member.user, member.organisation, member.version)
    db.commit()
    readers = {}
    for section in ("basics", "details"):
        body = _text(member.client.get(f"/assessments/{assessment.id}/sections/{section}"))
        readers.update(re.findall(r'data-question="([a-z-]+)" data-reader="([a-z-]+)"', body))
        if section == "basics":
            assert '<span class="unit">people</span>' in body
        else:
            assert body.count("choices-scale") == 1
            assert re.search(r'class="choices choices-scale">\s*<div class="choice">'
                             r'<input id="q_maturity-0"', body)
    assert readers == {"policy": "radio", "published": "radio", "staff": "number",
                       "channels": "checkboxes", "maturity": "radio-number", "adopted": "line",
                       "notes": "text"}


def test_save_and_continue_saves_audits_and_moves_on(member, db) -> None:
    assessment = start(db, member.user, member.organisation, member.version)
    db.commit()
    data = {"base_version": str(assessment.version), "q_policy": "no", "q_staff": "12",
            "c_policy": "Drafting started.", "e_policy": "https://example.org/draft.pdf",
            "action": "continue", **seen_of(db, assessment, "policy", "published", "staff")}
    response = member.client.post(f"/assessments/{assessment.id}/sections/basics", data=data)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/sections/details")
    assert stored_values(db, assessment) == {"policy": "no", "staff": 12}
    row = db.scalar(select(Answer).where(Answer.assessment_id == assessment.id,
                                         Answer.question_id == "policy"))
    assert row.comment == "Drafting started."
    assert row.evidence == ["https://example.org/draft.pdf"]
    events = db.scalars(select(AuditEvent).where(AuditEvent.action == "answer.changed",
                                                 AuditEvent.object_id == str(assessment.id)))
    assert sorted(event.after["question"] for event in events) == ["policy", "staff"]


def test_not_applicable_number_and_scale_are_read_from_the_form(member, db) -> None:
    assessment = start(db, member.user, member.organisation, member.version)
    db.commit()
    member.client.post(f"/assessments/{assessment.id}/sections/basics", data={
        "base_version": str(assessment.version), "q_policy": "na", "q_staff__na": "y",
        **seen_of(db, assessment, "policy", "published", "staff")})
    db.refresh(assessment)
    member.client.post(f"/assessments/{assessment.id}/sections/details", data={
        "base_version": str(assessment.version), "q_channels": ["gazette", "web"],
        "q_maturity": "3", "q_notes": "Fine.",
        **seen_of(db, assessment, "channels", "maturity", "adopted", "notes")})
    assert stored_values(db, assessment) == {"policy": "na", "staff": "na",
                                             "channels": ["web", "gazette"], "maturity": 3,
                                             "notes": "Fine."}


def test_a_value_the_question_does_not_accept_is_shown_and_nothing_is_saved(member, db) -> None:
    assessment = start(db, member.user, member.organisation, member.version)
    db.commit()
    response = member.client.post(f"/assessments/{assessment.id}/sections/basics", data={
        "base_version": str(assessment.version), "q_policy": "yes", "q_published": "maybe",
        "q_staff": "5000", "e_policy": "ftp://example.org/file",
        **seen_of(db, assessment, "policy", "published", "staff")})
    assert response.status_code == 422
    body = _text(response)
    assert "There is a problem" in body
    assert 'href="#q_published"' in body and "is not one of the options" in body
    assert 'href="#q_staff"' in body and "Enter a number from 0 to 1000." in body
    assert 'href="#e_policy"' in body
    assert stored_values(db, assessment) == {}


def test_hidden_questions_are_not_validated_keep_their_answers_and_do_not_count(
        member, db) -> None:
    assessment = start(db, member.user, member.organisation, member.version)
    answer(db, assessment, member.user, policy="yes", published="no")
    db.commit()
    # "published" is hidden once policy is "no": its bad value is neither checked nor saved.
    response = member.client.post(f"/assessments/{assessment.id}/sections/basics", data={
        "base_version": str(assessment.version), "q_policy": "no",
        "q_published": "not-an-option",
        **seen_of(db, assessment, "policy", "published", "staff")})
    assert response.status_code == 302
    assert stored_values(db, assessment) == {"policy": "no", "published": "no"}
    state = assessments.assessment_state(db, db.get(Assessment, assessment.id))
    assert not state.is_visible("published")
    assert "published" not in state.report.missing_required
    assert state.report.questions["published"].score is None
    db.commit()
    body = _text(member.client.get(f"/assessments/{assessment.id}/check"))
    assert "Is the policy published?" not in body


def test_answers_that_reveal_questions_keep_the_user_on_the_page(member, db) -> None:
    assessment = start(db, member.user, member.organisation, member.version)
    db.commit()
    response = member.client.post(f"/assessments/{assessment.id}/sections/basics", data={
        "base_version": str(assessment.version), "q_policy": "yes",
        **seen_of(db, assessment, "policy", "published", "staff")})
    assert response.headers["Location"].endswith("/sections/basics")
    body = _text(member.client.get(response.headers["Location"]))
    assert "1 more question apply" in body
    shown = re.search(r'<div class="question"[^>]*data-question="published"[^>]*>', body)
    assert shown is not None and " hidden" not in shown.group(0)


def test_stale_form_shows_both_answers_and_the_user_chooses(member, db, factory) -> None:
    assessment = start(db, member.user, member.organisation, member.version)
    db.commit()
    page_version = assessment.version
    seen = seen_of(db, assessment, "policy", "published", "staff")
    colleague = factory.user(organisation=member.organisation)
    answer(db, assessment, colleague, policy="no", staff=3)
    db.commit()
    # Staff left as shown (empty): the colleague's 3 is neither overwritten nor a conflict.
    response = member.client.post(f"/assessments/{assessment.id}/sections/basics", data={
        "base_version": str(page_version), "q_policy": "yes", "q_staff": "", **seen})
    assert response.status_code == 409
    body = _text(response)
    assert "Someone else saved a different answer" in body
    assert "Their answer:" in body and "Your answer:" in body
    assert 'name="resolve_policy"' in body
    assert stored_values(db, assessment) == {"policy": "no", "staff": 3}
    current = re.search(r'name="base_version" type="hidden" value="(\d+)"', body) or \
        re.search(r'value="(\d+)"[^>]*name="base_version"', body)
    assert current is not None and int(current.group(1)) == page_version + 1
    keep_theirs = member.client.post(f"/assessments/{assessment.id}/sections/basics", data={
        "base_version": current.group(1), "q_policy": "yes", "q_staff": "",
        "resolve_policy": "theirs", **seen})
    assert keep_theirs.status_code == 302
    assert stored_values(db, assessment) == {"policy": "no", "staff": 3}
    keep_mine = member.client.post(f"/assessments/{assessment.id}/sections/basics", data={
        "base_version": current.group(1), "q_policy": "yes", "q_staff": "",
        "resolve_policy": "mine", **seen})
    assert keep_mine.status_code == 302
    assert stored_values(db, assessment) == {"policy": "yes", "staff": 3}


def test_unknown_section_is_404_and_submitted_assessment_is_read_only(member, db) -> None:
    assessment = start(db, member.user, member.organisation, member.version)
    db.commit()
    assert member.client.get(f"/assessments/{assessment.id}/sections/nope").status_code == 404
    answer(db, assessment, member.user, policy="no", maturity=1)
    assessments.submit_assessment(db, assessment, actor=member.user)
    db.commit()
    page = member.client.get(f"/assessments/{assessment.id}/sections/basics")
    assert page.status_code == 302 and page.headers["Location"].endswith("/submitted")
    post = member.client.post(f"/assessments/{assessment.id}/sections/basics", data={
        "base_version": str(assessment.version), "q_policy": "yes"})
    assert post.status_code == 302
    assert stored_values(db, assessment)["policy"] == "no"


# --------------------------------------------------------------------------- check and submit


def test_submission_with_missing_answers_lists_them_and_changes_nothing(member, db) -> None:
    assessment = start(db, member.user, member.organisation, member.version)
    answer(db, assessment, member.user, policy="yes")
    db.commit()
    check = _text(member.client.get(f"/assessments/{assessment.id}/check"))
    assert "Still to answer" in check
    response = member.client.post(f"/assessments/{assessment.id}/submit")
    assert response.status_code == 422
    body = _text(response)
    assert "cannot be submitted yet" in body
    assert "2 required questions have no answer" in body
    assert f"/assessments/{assessment.id}/sections/basics#question-published" in body
    assert f"/assessments/{assessment.id}/sections/details#question-maturity" in body
    db.expire_all()
    assert db.get(Assessment, assessment.id).status == Status.draft


def test_submit_freezes_a_snapshot_shown_read_only(member, db) -> None:
    assessment = start(db, member.user, member.organisation, member.version)
    answer(db, assessment, member.user, policy="no", maturity=4, notes="All good.")
    db.commit()
    response = member.client.post(f"/assessments/{assessment.id}/submit")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/assessments/{assessment.id}/submitted")
    db.expire_all()
    assert db.get(Assessment, assessment.id).status == Status.submitted
    db.commit()
    body = _text(member.client.get(response.headers["Location"]))
    assert "What was submitted" in body and "All good." in body
    assert "4 of 4 (Fully)" in body
    assert "<form" not in body.split("<main", 1)[1].split("</main>", 1)[0]
    assert member.client.get(f"/assessments/{assessment.id}").headers["Location"].endswith(
        "/submitted")


def test_returned_assessment_shows_the_reviewers_comments(member, db, factory) -> None:
    from ppp_assess.domain.reference import PlatformRole

    assessment = start(db, member.user, member.organisation, member.version)
    answer(db, assessment, member.user, policy="no", maturity=1)
    assessments.submit_assessment(db, assessment, actor=member.user)
    reviewer = factory.user(platform_roles=(PlatformRole.reviewer,), role=None)
    reviews.start_review(db, assessment, reviewer=reviewer, declared_no_conflict=True)
    reviews.decide(db, assessment, reviewer=reviewer, decision="return",
                   reason="Please add evidence.",
                   question_comments={"policy": "Link to the adopted policy, please."})
    db.commit()
    body = _text(member.client.get(f"/assessments/{assessment.id}/sections/basics"))
    assert "The reviewer asks you to revisit this question" in body
    assert "Link to the adopted policy, please." in body
    flagged = re.search(r'<div class="question question-flagged"[^>]*data-question="(\w+)"', body)
    assert flagged is not None and flagged.group(1) == "policy"


def test_pages_have_one_heading_and_a_title(member, db) -> None:
    assessment = start(db, member.user, member.organisation, member.version)
    db.commit()
    for path in ("/assessments/", "/assessments/new", f"/assessments/{assessment.id}/check",
                 f"/assessments/{assessment.id}/sections/details"):
        body = _text(member.client.get(path))
        assert body.count("<h1") == 1, path
        assert re.search(r"<title>[^<]+ · ppp-assess</title>", body), path


def test_the_benchmark_panel_slot_is_reserved(app) -> None:
    from flask import render_template

    loader = app.jinja_env.loader
    for page in ("section", "check", "submitted"):
        source = loader.get_source(app.jinja_env, f"assessments/{page}.html")[0]
        assert '{% include "assessments/_benchmark_slot.html" %}' in source, page
    with app.test_request_context("/"):
        assert "benchmark-slot" not in render_template("assessments/_benchmark_slot.html")
        shown = render_template("assessments/_benchmark_slot.html", benchmark_panel=True)
        assert '<div class="benchmark-slot">' in shown


def test_submitting_tells_the_review_board(app, client, factory, db) -> None:
    from ppp_assess.config import get_settings
    from ppp_assess.mail.transport import sent_messages
    from tests.services.review_support import draft

    case = draft(factory)
    db.commit()
    sign_in(client, case.respondent.email)
    response = client.post(f"/assessments/{case.assessment.id}/submit")
    assert response.status_code == 302
    recipients = [message["To"] for message in sent_messages(get_settings(app))]
    assert case.reviewer.email in recipients
    assert case.respondent.email not in recipients


def test_respondents_see_where_they_stand_among_peers(client, db) -> None:
    from ppp_assess.config import PROJECT_ROOT
    from ppp_assess.models import Membership, User
    from ppp_assess.services.demo import seed_demo
    from tests.factories import PASSWORD

    seed_demo(db, questionnaire_dir=PROJECT_ROOT / "questionnaires", password=PASSWORD)
    db.commit()
    user = db.scalar(select(User).where(User.email == "respondent@demo.test"))
    organisation_id = db.scalar(select(Membership.organisation_id)
                                .where(Membership.user_id == user.id))
    approved = db.scalar(select(Assessment).where(
        Assessment.organisation_id == organisation_id, Assessment.status == Status.approved,
        Assessment.project_id.is_(None)))
    assert approved is not None
    sign_in(client, user.email)
    page = client.get(f"/assessments/{approved.id}/submitted").get_data(as_text=True)
    assert "How this assessment compares with its peers" in page
    assert 'role="img"' in page
    assert "too small to show statistics" not in page


def test_the_dashboard_tells_a_returned_assessment_from_a_fresh_draft(client, factory, db) -> None:
    from tests.services.review_support import submitted

    case = submitted(factory)
    reviews.start_review(db, case.assessment, reviewer=case.reviewer, declared_no_conflict=True)
    reviews.decide(db, case.assessment, reviewer=case.reviewer, decision="return",
                   reason="Please add the legal basis.")
    fresh = assessments.start_assessment(
        db, actor=case.respondent, version=case.assessment.questionnaire_version,
        organisation_id=case.organisation.id)
    db.commit()
    sign_in(client, case.respondent.email)
    page = client.get("/assessments/").get_data(as_text=True)
    assert page.count("Returned for changes") == 1
    assert f"/assessments/{fresh.id}" in page
