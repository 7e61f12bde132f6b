"""The review panel on the review pages: assigning, recommending, declining, the chair."""

from __future__ import annotations

import re

import pytest

from ppp_assess.domain.board import AssignmentStatus
from ppp_assess.domain.workflow import Status
from ppp_assess.services import board, reviews
from ppp_assess.services.errors import Conflict
from tests.certificate_support import admin
from tests.factories import sign_in
from tests.services.review_support import ORGANISATION_QUESTIONNAIRE, reviewer, submitted


def _sign_out(client) -> None:
    with client.session_transaction() as session:
        session.clear()


def _seat_rows(page: str) -> dict[str, str]:
    return dict(re.findall(r'<tr data-reviewer="(\d+)"(?: data-recommendation="(\w+)")?', page))


def test_two_reviewers_disagree_and_the_chair_decides(client, factory, db) -> None:
    factory.questionnaires()
    board.save_settings(db, ORGANISATION_QUESTIONNAIRE, actor=admin(factory), panel_size=2,
                        chair_decides=True, deadline_days=14)
    case = submitted(factory)
    reviews.start_review(db, case.assessment, reviewer=case.reviewer, declared_no_conflict=True)
    first, second = reviewer(factory, name="Ana Reviewer"), reviewer(factory, name="Bo Reviewer")
    question = case.questionnaire.all_questions()[0].id
    db.commit()
    url = f"/review/{case.assessment.id}"

    sign_in(client, case.reviewer.email)
    page = client.get(url).get_data(as_text=True)
    assert "Review panel" in page
    assert "The decision waits until the whole panel has recommended" in page
    assert 'name="decision"' not in page
    assert f'<option value="{first.id}">' in page
    assert client.post(f"{url}/assign", data={"reviewer": "999999"}).status_code == 422
    for member in (first, second):
        assigned = client.post(f"{url}/assign", data={"reviewer": str(member.id)})
        assert assigned.status_code == 302, assigned.get_data(as_text=True)[:2000]
    early = client.post(f"{url}/decision", data={"decision": "approve"})
    assert early.status_code == 302
    db.expire_all()
    assert db.get(type(case.assessment), case.assessment.id).status == Status.in_review

    _sign_out(client)
    sign_in(client, first.email)
    page = client.get(url).get_data(as_text=True)
    assert "Your recommendation" in page and 'name="recommendation"' in page
    no_reason = client.post(f"{url}/recommendation", data={"recommendation": "return"})
    assert no_reason.status_code == 422
    recorded = client.post(f"{url}/recommendation", data={
        "recommendation": "approve", "reason": "Sound.",
        f"comment-{question}": "Well evidenced."})
    assert recorded.status_code == 302

    _sign_out(client)
    sign_in(client, second.email)
    page = client.get(url).get_data(as_text=True)
    # The first reviewer's recommendation and comment are hidden from the second.
    assert _seat_rows(page)[str(first.id)] == ""
    assert "Well evidenced." not in page
    assert "Hidden until you recommend" in page
    recorded = client.post(f"{url}/recommendation", data={
        "recommendation": "return", "reason": "The decree is missing.",
        f"comment-{question}": "Which decree?"})
    assert recorded.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert _seat_rows(page)[str(first.id)] == "approve"
    assert "Well evidenced." in page and "Which decree?" in page

    _sign_out(client)
    sign_in(client, case.reviewer.email)
    page = client.get(url).get_data(as_text=True)
    assert "The reviewers&#39; recommendations differ." in page or \
        "The reviewers' recommendations differ." in page
    assert "The reviewers who commented here disagree" in page
    assert _seat_rows(page) == {str(case.reviewer.id): "", str(first.id): "approve",
                                str(second.id): "return"}
    assert 'name="decision"' in page
    decided = client.post(f"{url}/decision", data={
        "decision": "return", "reason": "Add the decree, as one reviewer asks."})
    assert decided.status_code == 302
    db.expire_all()
    assessment = db.get(type(case.assessment), case.assessment.id)
    assert assessment.status == Status.draft
    decision = reviews.latest_decision(db, assessment)
    assert [entry["recommendation"] for entry in decision.recommendations] == ["approve",
                                                                              "return"]


def test_a_member_declines_and_a_conflicted_reviewer_is_refused(client, factory, db) -> None:
    factory.questionnaires()
    board.save_settings(db, ORGANISATION_QUESTIONNAIRE, actor=admin(factory), panel_size=1,
                        chair_decides=True, deadline_days=None)
    case = submitted(factory)
    reviews.start_review(db, case.assessment, reviewer=case.reviewer, declared_no_conflict=True)
    member, linked = reviewer(factory), reviewer(factory)
    board.declare_interest(db, linked, organisation_id=case.organisation.id)
    board.assign_reviewer(db, case.assessment, actor=case.reviewer, reviewer=member)
    db.commit()
    url = f"/review/{case.assessment.id}"

    sign_in(client, case.reviewer.email)
    conflicted = client.post(f"{url}/assign", data={"reviewer": str(linked.id)})
    assert conflicted.status_code == 422
    assert "declared a link" in conflicted.get_data(as_text=True)

    _sign_out(client)
    sign_in(client, member.email)
    queue = client.get("/review/").get_data(as_text=True)
    assert "Assigned to me" in queue
    assert client.post(f"{url}/decline", data={"decline_reason": ""}).status_code == 422
    declined = client.post(f"{url}/decline", data={"decline_reason": "No time this month."})
    assert declined.status_code == 302
    (row,) = [row for row in board.assignments_of(db, case.assessment)
              if row.reviewer_id == member.id]
    db.refresh(row)
    assert row.state == AssignmentStatus.declined
    assert "Your recommendation" not in client.get(url).get_data(as_text=True)


def _decided_by_a_panel(factory, db, *, show_names: bool):
    factory.questionnaires()
    board.save_settings(db, ORGANISATION_QUESTIONNAIRE, actor=admin(factory), panel_size=2,
                        chair_decides=True, deadline_days=None,
                        show_reviewer_names=show_names)
    case = submitted(factory)
    reviews.start_review(db, case.assessment, reviewer=case.reviewer, declared_no_conflict=True)
    question = case.questionnaire.all_questions()[0].id
    members = [reviewer(factory, name="Ana Panelist"), reviewer(factory, name="Bo Panelist")]
    for member, (choice, reason) in zip(members, (("approve", "Sound practice."),
                                                  ("return", "The decree is missing.")),
                                        strict=True):
        board.assign_reviewer(db, case.assessment, actor=case.reviewer, reviewer=member)
        board.recommend(db, case.assessment, reviewer=member, recommendation=choice,
                        reason=reason, question_comments={question: f"{reason} (comment)"})
    reviews.decide(db, case.assessment, reviewer=case.reviewer, decision="return",
                   reason="Publish the decree.", question_comments={question: "Link it."})
    db.commit()
    return case, question


def test_the_organisation_sees_the_decision_and_reasons_without_names(client, factory,
                                                                       db) -> None:
    case, _question = _decided_by_a_panel(factory, db, show_names=False)
    sign_in(client, case.respondent.email)
    section = case.questionnaire.sections[0].id
    page = client.get(f"/assessments/{case.assessment.id}/sections/{section}")
    assert page.status_code == 200, page.status_code
    text = page.get_data(as_text=True)
    assert "Publish the decree." in text
    assert "Sound practice." in text and "The decree is missing." in text
    assert "Link it." in text and "The decree is missing. (comment)" in text
    assert "Ana Panelist" not in text and case.reviewer.name not in text


def test_the_operator_may_show_who_wrote_what(client, factory, db) -> None:
    case, _question = _decided_by_a_panel(factory, db, show_names=True)
    sign_in(client, case.respondent.email)
    section = case.questionnaire.sections[0].id
    text = client.get(f"/assessments/{case.assessment.id}/sections/{section}").get_data(
        as_text=True)
    assert "Ana Panelist" in text and "Bo Panelist" in text
    assert case.reviewer.name in text


def test_the_home_page_lists_my_reviews_with_due_dates(client, factory, db) -> None:
    factory.questionnaires()
    board.save_settings(db, ORGANISATION_QUESTIONNAIRE, actor=admin(factory), panel_size=1,
                        chair_decides=True, deadline_days=14)
    case = submitted(factory)
    reviews.start_review(db, case.assessment, reviewer=case.reviewer, declared_no_conflict=True)
    db.commit()
    sign_in(client, case.reviewer.email)
    text = client.get("/").get_data(as_text=True)
    assert "Your reviews" in text
    assert f'data-assessment="{case.assessment.id}"' in text
    assert "Due " in text


def test_a_reviewer_declares_a_link_and_is_not_assigned(client, factory, db) -> None:
    factory.questionnaires()
    case = submitted(factory)
    reviews.start_review(db, case.assessment, reviewer=case.reviewer, declared_no_conflict=True)
    linked = reviewer(factory)
    db.commit()
    sign_in(client, linked.email)
    assert client.get("/review/interests").status_code == 200
    empty = {"organisation": "", "country": "", "note": ""}
    assert client.post("/review/interests",
                       data={**empty, "note": "Nothing named"}).status_code == 422
    assert client.post("/review/interests",
                       data={**empty, "organisation": "999999"}).status_code == 422
    declared = client.post("/review/interests", data={
        **empty, "organisation": str(case.organisation.id), "note": "Advised the ministry."})
    assert declared.status_code == 302
    page = client.get("/review/interests").get_data(as_text=True)
    assert case.organisation.name in page and "Advised the ministry." in page
    db.expire_all()
    with pytest.raises(Conflict):
        board.assign_reviewer(db, case.assessment, actor=case.reviewer, reviewer=linked)


def test_a_return_without_comments_still_shows_its_reason(client, factory, db) -> None:
    case = submitted(factory)
    reviews.start_review(db, case.assessment, reviewer=case.reviewer, declared_no_conflict=True)
    reviews.decide(db, case.assessment, reviewer=case.reviewer, decision="return",
                   reason="State the legal basis in the overview.")
    db.commit()
    sign_in(client, case.respondent.email)
    section = case.questionnaire.sections[0].id
    text = client.get(f"/assessments/{case.assessment.id}/sections/{section}").get_data(
        as_text=True)
    assert "State the legal basis in the overview." in text
    assert case.reviewer.name not in text
