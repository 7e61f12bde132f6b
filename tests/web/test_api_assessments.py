"""The assessment endpoints of the API: start, read, the autosave and submit."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from ppp_assess.domain.workflow import Status
from ppp_assess.models import Assessment, AuditEvent
from ppp_assess.services.audit import verify_audit_chain
from ppp_assess.services.tokens import create_api_token
from tests.factories import sign_in
from tests.web.test_assessments import (
    Member,
    answer,
    csrf_token_of,
    make_member,
    publish_sample,
    start,
    stored_values,
)


def _answer_url(assessment: Assessment, question_id: str) -> str:
    return f"/api/v1/assessments/{assessment.id}/answers/{question_id}"


def _put(client, assessment, question_id, body, version, **headers):
    if "Authorization" not in headers and hasattr(client, "csrf"):
        headers.setdefault("X-CSRFToken", client.csrf)
    return client.put(_answer_url(assessment, question_id), json=body,
                      headers={"If-Match": str(version), **headers})


@pytest.fixture
def member(app, db, factory) -> Member:
    signed_in = make_member(app, db, factory)
    # The scripts' CSRF header goes with the client, as the page's script keeps it.
    signed_in.client.csrf = signed_in.csrf  # type: ignore[attr-defined]
    return signed_in


def _events(db, assessment) -> int:
    count = db.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "answer.changed", AuditEvent.object_id == str(assessment.id)))
    db.commit()
    return count


@pytest.fixture
def draft(member: Member, db) -> Assessment:
    assessment = start(db, member.user, member.organisation, member.version)
    db.commit()
    return assessment


def test_put_saves_and_returns_the_new_version_and_score(member, db, draft) -> None:
    response = _put(member.client, draft, "policy", {"value": "no", "comment": "Not yet.",
                                                     "evidence": ["https://example.org/a"]},
                    draft.version)
    assert response.status_code == 200
    body = response.get_json()
    assert body["version"] == draft.version + 1
    assert body["saved"] is True
    assert body["answer"]["value"] == "no" and body["answer"]["comment"] == "Not yet."
    score = body["score"]
    assert score["overall"] == 0.0 and score["level"] == "weak"
    assert score["level_label"] == "Weak"
    assert score["completion"] == pytest.approx(1 / 2)
    assert [gap["question_id"] for gap in score["gaps"]][:1] == ["policy"]
    assert score["gaps"][0]["action"] == "Adopt a written integrity policy."
    assert score["gaps"][0]["url"].endswith("/sections/basics#question-policy")
    assert {section["id"]: section["status"] for section in score["sections"]} == {
        "basics": "complete", "details": "not_started"}
    assert response.headers["ETag"] == f'"{draft.version + 1}"'
    assert stored_values(db, draft) == {"policy": "no"}
    assert _events(db, draft) == 1


def test_sequential_saves_chain_with_the_returned_version(member, db, draft) -> None:
    first = _put(member.client, draft, "policy", {"value": "no"}, draft.version).get_json()
    second = _put(member.client, draft, "policy", {"value": "yes"}, first["version"])
    assert second.status_code == 200
    third = _put(member.client, draft, "published", {"value": "yes"},
                 second.get_json()["version"])
    assert third.status_code == 200
    assert third.get_json()["score"]["overall"] == 50.0  # the second section is unanswered
    assert stored_values(db, draft) == {"policy": "yes", "published": "yes"}


def test_a_changed_answer_extends_the_audit_chain_with_its_before_and_after(
        member, db, draft) -> None:
    first = _put(member.client, draft, "policy", {"value": "no"}, draft.version).get_json()
    # A stored answer changed: on PostgreSQL written with its event in one statement.
    second = _put(member.client, draft, "policy", {"value": "yes", "comment": "Adopted."},
                  first["version"])
    assert second.status_code == 200
    events = db.scalars(select(AuditEvent).order_by(AuditEvent.sequence)).all()
    last, before_it = events[-1], events[-2]
    assert (last.action, last.object_type, last.object_id, last.actor_id,
            last.organisation_id) == ("answer.changed", "assessment", str(draft.id),
                                      member.user.id, draft.organisation_id)
    assert last.before == {"question": "policy", "value": "no", "comment": "",
                           "evidence": []}
    assert last.after == {"question": "policy", "value": "yes", "comment": "Adopted.",
                          "evidence": []}
    assert last.sequence == before_it.sequence + 1
    assert last.prev_hash == before_it.hash
    assert verify_audit_chain(db).ok
    db.commit()


def test_two_saves_on_one_version_give_one_success_and_one_conflict(member, app, db,
                                                                    draft, factory) -> None:
    colleague = factory.user(organisation=member.organisation)
    db.commit()
    other = app.test_client()
    sign_in(other, colleague.email)
    other.csrf = csrf_token_of(other)  # type: ignore[attr-defined]
    base = draft.version
    mine = _put(member.client, draft, "policy", {"value": "yes"}, base)
    theirs = _put(other, draft, "policy", {"value": "no"}, base)
    assert sorted([mine.status_code, theirs.status_code]) == [200, 409]
    error = theirs.get_json()["error"]
    assert error["code"] == "stale"
    assert error["current"]["value"] == "yes"
    assert error["version"] == mine.get_json()["version"]
    # The acknowledged answer is the one stored; the refused one left no trace.
    assert stored_values(db, draft) == {"policy": "yes"}
    assert _events(db, draft) == 1
    # Keeping their own answer after seeing the conflict is a deliberate save.
    again = _put(other, draft, "policy", {"value": "no"}, error["version"])
    assert again.status_code == 200
    assert stored_values(db, draft) == {"policy": "no"}


def test_saving_the_stored_answer_again_is_harmless(member, db, draft) -> None:
    first = _put(member.client, draft, "policy", {"value": "yes"}, draft.version)
    retry = _put(member.client, draft, "policy", {"value": "yes"}, draft.version)
    assert retry.status_code == 200
    assert retry.get_json()["version"] == first.get_json()["version"]
    assert retry.get_json()["saved"] is False
    assert _events(db, draft) == 1


@pytest.mark.parametrize(("question_id", "value", "reason"), [
    ("policy", "maybe", "not_an_option"),
    ("policy", 3, "wrong_type"),
    ("staff", 5000, "out_of_range"),
    ("staff", "many", "wrong_type"),
    ("maturity", "na", "na_not_allowed"),
    ("adopted", "2024-02-30", "not_a_date"),
    ("channels", ["none", "bogus"], "not_an_option"),
    ("notes", "x" * 51, "too_long"),
])
def test_a_value_the_question_does_not_accept_gets_422_and_changes_nothing(
        member, db, draft, question_id, value, reason) -> None:
    answer(db, draft, member.user, policy="yes")
    db.commit()
    version = draft.version
    response = _put(member.client, draft, question_id, {"value": value}, version)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["reason"] == reason
    assert error["fields"]["value"] == error["message"] and error["message"]
    db.expire_all()
    assert db.get(Assessment, draft.id).version == version
    db.commit()
    assert stored_values(db, draft) == {"policy": "yes"}
    assert _events(db, draft) == 1


def test_bad_comment_or_evidence_gets_422(member, db, draft) -> None:
    links = _put(member.client, draft, "policy", {"value": "yes", "evidence": ["ftp://x"]},
                 draft.version)
    assert links.status_code == 422
    assert "evidence" in links.get_json()["error"]["fields"]
    not_a_list = _put(member.client, draft, "policy", {"value": "yes", "evidence": "x"},
                      draft.version)
    assert not_a_list.status_code == 422
    long_comment = _put(member.client, draft, "policy",
                        {"value": "yes", "comment": "x" * 5001}, draft.version)
    assert long_comment.status_code == 422
    assert stored_values(db, draft) == {}


def test_put_needs_if_match_and_a_known_question(member, db, draft) -> None:
    missing = member.client.put(_answer_url(draft, "policy"), json={"value": "yes"},
                                headers=member.headers)
    assert missing.status_code == 428
    bad = _put(member.client, draft, "policy", {"value": "yes"}, "soon")
    assert bad.status_code == 400
    quoted = _put(member.client, draft, "policy", {"value": "yes"}, f'"{draft.version}"')
    assert quoted.status_code == 200
    unknown = _put(member.client, draft, "nope", {"value": "yes"}, draft.version + 1)
    assert unknown.status_code == 404
    assert unknown.get_json()["error"]["code"] == "not_found"
    no_value = _put(member.client, draft, "policy", {"comment": "x"}, draft.version + 1)
    assert no_value.status_code == 422


def test_null_clears_an_answer(member, db, draft) -> None:
    saved = _put(member.client, draft, "policy", {"value": "yes"}, draft.version).get_json()
    cleared = _put(member.client, draft, "policy", {"value": None}, saved["version"])
    assert cleared.status_code == 200
    assert stored_values(db, draft) == {"policy": None}
    assert "policy" in cleared.get_json()["score"]["missing_required"]


def test_hidden_question_answer_is_kept_but_does_not_count(member, db, draft) -> None:
    answer(db, draft, member.user, policy="yes", published="no")
    db.commit()
    response = _put(member.client, draft, "policy", {"value": "no"}, draft.version)
    score = response.get_json()["score"]
    assert "published" not in score["missing_required"]
    assert "published" not in [gap["question_id"] for gap in score["gaps"]]
    body = member.client.get(f"/api/v1/assessments/{draft.id}").get_json()
    assert body["answers"]["published"]["value"] == "no"
    assert body["score"]["overall"] == 0.0


def test_get_returns_status_version_answers_and_score(member, db, draft) -> None:
    answer(db, draft, member.user, policy="yes", maturity=2)
    db.commit()
    response = member.client.get(f"/api/v1/assessments/{draft.id}")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "draft" and body["version"] == draft.version
    assert body["questionnaire"] == {"id": "web-sample", "version": "1.0"}
    assert body["subject"] == {"type": "organisation", "organisation": member.organisation.id,
                               "project": None}
    assert set(body["answers"]) == {"policy", "maturity"}
    # Basics: policy 1, published unanswered 0 -> 50; details: channels 0, maturity 0.5 -> 25.
    assert body["score"]["overall"] == pytest.approx(37.5)
    assert body["score"]["missing_required"] == ["published"]
    assert response.headers["ETag"] == f'"{draft.version}"'
    listing = member.client.get("/api/v1/assessments").get_json()["assessments"]
    assert [item["id"] for item in listing] == [draft.id]


def test_post_starts_an_assessment_once(member, db, factory) -> None:
    factory.questionnaires()
    project = factory.project(member.organisation)
    db.commit()
    created = member.client.post("/api/v1/assessments", json={"questionnaire": "web-sample"},
                                 headers=member.headers)
    assert created.status_code == 201
    body = created.get_json()
    assert body["status"] == "draft" and body["subject"]["organisation"] == member.organisation.id
    assert created.headers["Location"].endswith(f"/api/v1/assessments/{body['id']}")
    again = member.client.post("/api/v1/assessments", json={
        "questionnaire": "web-sample", "organisation": member.organisation.id},
        headers=member.headers)
    assert again.status_code == 409
    assert again.get_json()["error"]["assessment"] == body["id"]
    for_project = member.client.post("/api/v1/assessments", json={
        "questionnaire": "people-first", "project": project.id}, headers=member.headers)
    assert for_project.status_code == 201
    assert for_project.get_json()["subject"]["project"] == project.id
    needs_project = member.client.post("/api/v1/assessments",
                                       json={"questionnaire": "people-first"},
                                       headers=member.headers)
    assert needs_project.status_code == 422
    assert "project" in needs_project.get_json()["error"]["fields"]
    unknown = member.client.post("/api/v1/assessments", json={"questionnaire": "nope"},
                                 headers=member.headers)
    assert unknown.status_code == 404
    assert member.client.post("/api/v1/assessments", json={"questionnaire": "web-sample",
                                                            "organisation": "1"},
                              headers=member.headers).status_code == 422
    assert member.client.post("/api/v1/assessments", data="x",
                              headers=member.headers).status_code == 422


def test_submit_lists_missing_answers_then_submits(member, db, draft) -> None:
    answer(db, draft, member.user, policy="yes")
    db.commit()
    refused = member.client.post(f"/api/v1/assessments/{draft.id}/submit",
                                 headers=member.headers)
    assert refused.status_code == 422
    error = refused.get_json()["error"]
    assert error["code"] == "missing_answers"
    assert error["missing"] == ["published", "maturity"]
    db.expire_all()
    assert db.get(Assessment, draft.id).status == Status.draft
    db.commit()
    answer(db, draft, member.user, published="yes", maturity=4)
    db.commit()
    accepted = member.client.post(f"/api/v1/assessments/{draft.id}/submit",
                                  headers=member.headers)
    assert accepted.status_code == 200
    body = accepted.get_json()
    assert body["status"] == "submitted" and body["submission"]["number"] == 1
    # Channels unanswered: details scores (0 + 1) / 2.
    assert body["submission"]["score"]["overall"] == 75.0
    late = _put(member.client, draft, "policy", {"value": "no"}, body["version"])
    assert late.status_code == 409
    assert late.get_json()["error"]["code"] == "not_editable"
    assert member.client.post(f"/api/v1/assessments/{draft.id}/submit",
                              headers=member.headers).status_code == 409


def test_bearer_tokens_need_no_csrf_header_but_cookie_sessions_do(csrf_app, db, factory) -> None:
    organisation = factory.organisation()
    user = factory.user(organisation=organisation)
    version = publish_sample(db)
    assessment = start(db, user, organisation, version)
    _row, token = create_api_token(db, user, name="script")
    db.commit()
    script = csrf_app.test_client()
    by_token = _put(script, assessment, "policy", {"value": "yes"}, assessment.version,
                    Authorization=f"Bearer {token}")
    assert by_token.status_code == 200
    browser = csrf_app.test_client()
    page = browser.get("/auth/sign-in").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert csrf is not None
    signed_in = browser.post("/auth/sign-in", data={"email": user.email,
                                                     "password": "correct horse battery staple",
                                                     "csrf_token": csrf.group(1)})
    assert signed_in.status_code == 302
    version_now = by_token.get_json()["version"]
    without = _put(browser, assessment, "policy", {"value": "no"}, version_now)
    assert without.status_code == 400
    assert without.get_json()["error"]["code"] == "csrf"
    section = browser.get(f"/assessments/{assessment.id}/sections/basics").get_data(as_text=True)
    header = re.search(r'data-csrf="([^"]+)"', section)
    assert header is not None
    with_header = _put(browser, assessment, "policy", {"value": "no"}, version_now,
                       **{"X-CSRFToken": header.group(1)})
    assert with_header.status_code == 200
    assert browser.post("/api/v1/assessments", json={"questionnaire": "web-sample"}
                        ).status_code == 400
    assert browser.post(f"/api/v1/assessments/{assessment.id}/submit").status_code == 400
    assert browser.post("/api/v1/projects", json={}).status_code == 400


def test_anonymous_calls_get_401(app, db, draft) -> None:
    client = app.test_client()
    assert client.get(f"/api/v1/assessments/{draft.id}").status_code == 401
    assert client.put(_answer_url(draft, "policy"), json={"value": "yes"},
                      headers={"If-Match": "1"}).status_code == 401
    assert client.get("/api/v1/assessments").status_code == 401
