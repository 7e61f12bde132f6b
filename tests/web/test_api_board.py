"""The panel endpoints of the JSON API: assignments, recommendations, the chair's decision."""

from __future__ import annotations

from ppp_assess.domain.reference import PlatformRole
from ppp_assess.services import board, reviews
from ppp_assess.services.tokens import create_api_token
from tests.certificate_support import admin
from tests.services.review_support import ORGANISATION_QUESTIONNAIRE, reviewer, submitted


def _token(db, user) -> dict[str, str]:
    _row, token = create_api_token(db, user, name="board script")
    return {"Authorization": f"Bearer {token}"}


def test_a_panel_through_the_api(client, factory, db) -> None:
    factory.questionnaires()
    operator = admin(factory)
    board.save_settings(db, ORGANISATION_QUESTIONNAIRE, actor=operator, panel_size=2,
                        chair_decides=True, deadline_days=10)
    case = submitted(factory)
    reviews.start_review(db, case.assessment, reviewer=case.reviewer, declared_no_conflict=True)
    first, second = reviewer(factory), reviewer(factory)
    insider = factory.user(organisation=case.organisation,
                           platform_roles=(PlatformRole.reviewer,))
    chair, one, two = (_token(db, user) for user in (case.reviewer, first, second))
    question = case.questionnaire.all_questions()[0].id
    db.commit()
    url = f"/api/v1/assessments/{case.assessment.id}"

    # Only the chair or an administrator assigns; a conflicted reviewer answers 409.
    refused = client.post(f"{url}/assignments", json={"reviewer": second.email}, headers=one)
    assert refused.status_code == 403
    conflicted = client.post(f"{url}/assignments", json={"reviewer": insider.email},
                             headers=chair)
    assert conflicted.status_code == 409
    assert conflicted.json["error"]["code"] == "conflict_of_interest"
    unknown = client.post(f"{url}/assignments", json={"reviewer": "nobody@example.org"},
                          headers=chair)
    assert unknown.status_code == 422
    assert client.post(f"{url}/assignments", json={"reviewer": 7},
                       headers=chair).status_code == 422
    for member in (first, second):
        created = client.post(f"{url}/assignments", json={"reviewer": member.email},
                              headers=chair)
        assert created.status_code == 201, created.json
        assert created.json["assignment"]["role"] == "member"
        assert created.json["assignment"]["status"] == "active"
        assert created.json["assignment"]["due_at"] is not None

    # The decision waits for the panel.
    early = client.post(f"{url}/review", json={"decision": "approve"}, headers=chair)
    assert early.status_code == 409
    assert early.json["error"]["code"] == "recommendations_pending"

    recorded = client.post(f"{url}/recommendation", headers=one, json={
        "recommendation": "approve", "question_comments": {question: "Well evidenced."}})
    assert recorded.status_code == 200, recorded.json
    # The second member sees the first one's seat without what they said.
    hidden = client.get(f"{url}/assignments", headers=two)
    assert hidden.status_code == 200
    seats = {seat["reviewer"]: seat for seat in hidden.json["assignments"]}
    assert seats[first.id]["status"] == "recommended"
    assert seats[first.id]["recommendation"] is None
    assert seats[first.id]["question_comments"] == {}
    no_reason = client.post(f"{url}/recommendation", headers=two,
                            json={"recommendation": "return"})
    assert no_reason.status_code == 422
    assert client.post(f"{url}/recommendation", headers=two,
                       json={"recommendation": "later"}).status_code == 422
    returned = client.post(f"{url}/recommendation", headers=two, json={
        "recommendation": "return", "reason": "The decree is missing."})
    assert returned.status_code == 200
    assert returned.json["disagreement"] is True
    seats = {seat["reviewer"]: seat for seat in returned.json["assignments"]}
    assert seats[first.id]["recommendation"] == "approve"
    assert seats[first.id]["question_comments"] == {question: "Well evidenced."}
    again = client.post(f"{url}/recommendation", headers=two,
                        json={"recommendation": "approve"})
    assert again.status_code == 403

    panel = client.get(f"{url}/assignments", headers=chair).json
    assert panel["may_decide"] is True and panel["recommendations"] == 2
    decided = client.post(f"{url}/review", headers=chair, json={
        "decision": "return", "comment": "The panel is split; add the decree."})
    assert decided.status_code == 200, decided.json
    assert decided.json["assessment"]["status"] == "draft"


def test_the_panel_is_hidden_from_who_may_not_review(client, factory, db) -> None:
    case = submitted(factory)
    headers = _token(db, case.respondent)
    db.commit()
    url = f"/api/v1/assessments/{case.assessment.id}"
    assert client.get(f"{url}/assignments", headers=headers).status_code == 404
    assert client.post(f"{url}/recommendation", headers=headers,
                       json={"recommendation": "approve"}).status_code == 404
    assert client.get(f"{url}/assignments").status_code == 401
