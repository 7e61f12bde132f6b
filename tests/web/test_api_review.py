"""The review endpoints of the JSON API."""

from __future__ import annotations

import re

import pytest

from ppp_assess.config import get_settings
from ppp_assess.domain.reference import OrgRole, PlatformRole
from ppp_assess.domain.workflow import Status
from ppp_assess.mail.transport import sent_messages
from ppp_assess.services import reviews
from ppp_assess.services.tokens import create_api_token
from tests.factories import sign_in
from tests.services.review_support import audit_count, reviewer, submitted


def _token(db, user) -> dict[str, str]:
    _row, token = create_api_token(db, user, name="review script")
    return {"Authorization": f"Bearer {token}"}


def _status(db, assessment) -> Status:
    db.expire_all()
    status = db.get(type(assessment), assessment.id).status
    db.rollback()
    return status


def test_start_return_and_approve_through_the_api(app, client, factory, db) -> None:
    case = submitted(factory)
    headers = _token(db, case.reviewer)
    first, second = (question.id for question in case.questionnaire.all_questions()[:2])
    db.commit()
    url = f"/api/v1/assessments/{case.assessment.id}"

    undeclared = client.post(f"{url}/start-review", json={}, headers=headers)
    assert undeclared.status_code == 422
    # The body does not fit its model: the field is named, with a message for people.
    assert undeclared.json["error"]["fields"] == {"declared_no_conflict": "This is required."}
    declined = client.post(f"{url}/start-review", json={"declared_no_conflict": False},
                           headers=headers)
    assert declined.status_code == 422

    started = client.post(f"{url}/start-review", json={"declared_no_conflict": True},
                          headers=headers)
    assert started.status_code == 200, started.json
    assert started.json["assessment"]["status"] == "in_review"
    assert started.json["assessment"]["reviewer"] == case.reviewer.id

    no_reason = client.post(f"{url}/review", json={"decision": "return"}, headers=headers)
    assert no_reason.status_code == 422
    assert no_reason.json["error"]["fields"] == {"comment": "required"}

    returned = client.post(f"{url}/review", headers=headers, json={
        "decision": "return", "comment": "Add the legal basis.",
        "question_comments": {first: "Which law?", second: ""}})
    assert returned.status_code == 200, returned.json
    body = returned.json
    assert body["assessment"]["status"] == "draft"
    assert body["decision"]["decision"] == "return"
    assert body["decision"]["comment"] == "Add the legal basis."
    assert body["decision"]["submission"] == 1
    assert _status(db, case.assessment) == Status.draft
    comments = reviews.open_review_comments(db, case.assessment)
    assert {key: [row.body for row in rows] for key, rows in comments.items()} == {
        first: ["Which law?"]}
    db.rollback()
    assert [message["To"] for message in sent_messages(get_settings(app))
            if message["Subject"].startswith("Assessment returned")] == [case.respondent.email]


def test_approve_through_the_api(client, factory, db) -> None:
    case = submitted(factory)
    reviews.start_review(db, case.assessment, reviewer=case.reviewer, declared_no_conflict=True)
    headers = _token(db, case.reviewer)
    db.commit()
    response = client.post(f"/api/v1/assessments/{case.assessment.id}/review",
                           json={"decision": "approve"}, headers=headers)
    assert response.status_code == 200
    assert response.json["assessment"]["status"] == "approved"
    assert _status(db, case.assessment) == Status.approved


def test_an_illegal_transition_is_409_and_changes_nothing(client, factory, db) -> None:
    case = submitted(factory)
    headers = _token(db, case.reviewer)
    db.commit()
    events = audit_count(db)
    db.rollback()
    response = client.post(f"/api/v1/assessments/{case.assessment.id}/review",
                           json={"decision": "approve"}, headers=headers)
    assert response.status_code == 409
    error = response.json["error"]
    assert error["code"] == "invalid_transition"
    assert error["message"] == (
        "The action “Approve” is not allowed while the assessment is “Submitted”.")
    assert _status(db, case.assessment) == Status.submitted
    assert audit_count(db) == events

    reviews.start_review(db, case.assessment, reviewer=case.reviewer, declared_no_conflict=True)
    db.commit()
    again = client.post(f"/api/v1/assessments/{case.assessment.id}/start-review",
                        json={"declared_no_conflict": True}, headers=headers)
    assert again.status_code == 409
    assert again.json["error"]["code"] == "invalid_transition"


def test_respondents_cannot_use_the_review_api(client, factory, db) -> None:
    case = submitted(factory)
    headers = _token(db, case.respondent)
    db.commit()
    for path, body in (("start-review", {"declared_no_conflict": True}),
                       ("review", {"decision": "approve"})):
        response = client.post(f"/api/v1/assessments/{case.assessment.id}/{path}",
                               json=body, headers=headers)
        assert response.status_code == 404
        assert response.is_json and response.json["error"]["code"] == "404"
    assert _status(db, case.assessment) == Status.submitted


def test_a_reviewer_of_the_same_organisation_gets_403(client, factory, db) -> None:
    case = submitted(factory)
    insider = factory.user(organisation=case.organisation, role=OrgRole.respondent,
                           platform_roles=(PlatformRole.reviewer,))
    headers = _token(db, insider)
    db.commit()
    response = client.post(f"/api/v1/assessments/{case.assessment.id}/start-review",
                           json={"declared_no_conflict": True}, headers=headers)
    assert response.status_code == 403
    assert response.json["error"]["code"] == "own_organisation"
    assert _status(db, case.assessment) == Status.submitted


def test_unknown_and_hidden_assessments_are_404(client, factory, db) -> None:
    board_member = reviewer(factory)
    headers = _token(db, board_member)
    db.commit()
    response = client.post("/api/v1/assessments/999999/review",
                           json={"decision": "approve"}, headers=headers)
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"


def test_signed_out_calls_get_401(client, factory, db) -> None:
    case = submitted(factory)
    db.commit()
    response = client.post(f"/api/v1/assessments/{case.assessment.id}/review",
                           json={"decision": "approve"})
    assert response.status_code == 401
    assert response.is_json


@pytest.mark.parametrize(("body", "field"), [
    ([1, 2], "body"),
    ({"decision": "later"}, "decision"),
    ({"decision": "return", "comment": 5}, "comment"),
    ({"decision": "return", "comment": "x", "question_comments": ["a"]},
     "question_comments"),
    ({"decision": "return", "comment": "x", "question_comments": {"nope": "?"}}, "nope"),
    ({"decision": "return", "comment": "x", "question_comments": {"FIRST": 3}}, "FIRST"),
])
def test_bad_bodies_are_422(client, factory, db, body, field) -> None:
    case = submitted(factory)
    reviews.start_review(db, case.assessment, reviewer=case.reviewer, declared_no_conflict=True)
    headers = _token(db, case.reviewer)
    first = case.questionnaire.all_questions()[0].id
    db.commit()
    if isinstance(body, dict) and isinstance(body.get("question_comments"), dict):
        body = {**body, "question_comments": {
            first if key == "FIRST" else key: value
            for key, value in body["question_comments"].items()}}
    field = first if field == "FIRST" else field
    response = client.post(f"/api/v1/assessments/{case.assessment.id}/review", json=body,
                           headers=headers)
    assert response.status_code == 422, response.json
    assert field in response.json["error"]["fields"]
    assert _status(db, case.assessment) == Status.in_review


def test_cookie_sessions_need_the_csrf_header(csrf_app, client, factory, db) -> None:
    case = submitted(factory)
    db.commit()
    sign_in(client, case.reviewer.email)
    url = f"/api/v1/assessments/{case.assessment.id}/start-review"
    forged = client.post(url, json={"declared_no_conflict": True})
    assert forged.status_code == 400
    assert forged.json["error"]["code"] == "csrf"
    assert _status(db, case.assessment) == Status.submitted
    page = client.get("/review/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token is not None
    genuine = client.post(url, json={"declared_no_conflict": True},
                          headers={"X-CSRFToken": token.group(1)})
    assert genuine.status_code == 200, genuine.json
    assert _status(db, case.assessment) == Status.in_review


def test_the_review_endpoints_are_described_in_the_openapi_document(client) -> None:
    document = client.get("/api/v1/openapi.json").json
    for path in ("/assessments/{assessment_id}/review",
                 "/assessments/{assessment_id}/start-review"):
        operation = document["paths"][path]["post"]
        assert {"200", "403", "404", "409", "422"} <= set(operation["responses"])
    assert document["components"]["schemas"]["ReviewDecision"]["properties"]["decision"][
        "enum"] == ["approve", "return"]
