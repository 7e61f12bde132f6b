"""Issuing, revoking and listing certificates through the JSON API."""

from __future__ import annotations

from sqlalchemy import select

from ppp_assess.models import AuditEvent, Certificate
from ppp_assess.services.tokens import create_api_token
from tests.certificate_support import admin, assessment_in, certified, evaluator


def _token(db, user) -> dict[str, str]:
    _row, token = create_api_token(db, user, name="certificates script")
    db.commit()
    return {"Authorization": f"Bearer {token}"}


def _events(db, action: str) -> list[AuditEvent]:
    events = list(db.scalars(select(AuditEvent).where(AuditEvent.action == action)))
    db.rollback()
    return events


def test_an_evaluator_issues_a_certificate_once(app, client, db, factory) -> None:
    scenario = assessment_in(db, factory, "approved")
    draft = assessment_in(db, factory, "draft")
    headers = _token(db, evaluator(factory))
    url = f"/api/v1/assessments/{scenario.assessment.id}/certificate"
    response = client.post(url, headers=headers)
    assert response.status_code == 201, response.get_json()
    data = response.get_json()
    assert data["status"] == "valid"
    assert response.headers["Location"].endswith(f"/api/v1/certificates/{data['serial']}")
    assert data["facts"]["subject_name"] == "Copperbelt heavy-haul rail line"
    assert [event.object_id for event in _events(db, "certificate.issued")] == [data["serial"]]
    again = client.post(url, headers=headers)
    assert again.status_code == 409
    not_approved = client.post(f"/api/v1/assessments/{draft.assessment.id}/certificate",
                               headers=headers)
    assert not_approved.status_code in {404, 409}
    assert db.scalar(select(Certificate).where(
        Certificate.assessment_id == draft.assessment.id)) is None


def test_only_evaluators_and_administrators_issue(app, client, db, factory) -> None:
    scenario = assessment_in(db, factory, "approved")
    url = f"/api/v1/assessments/{scenario.assessment.id}/certificate"
    assert client.post(url).status_code == 401
    for user in (scenario.respondent, scenario.reviewer):
        assert client.post(url, headers=_token(db, user)).status_code == 404
    assert db.scalar(select(Certificate)) is None


def test_an_administrator_revokes_with_a_reason(app, client, db, factory) -> None:
    _scenario, certificate = certified(db, factory, app)
    url = f"/api/v1/certificates/{certificate.serial}/revoke"
    assert client.post(url, json={"reason": "x"},
                       headers=_token(db, evaluator(factory))).status_code == 404
    headers = _token(db, admin(factory))
    blank = client.post(url, json={"reason": ""}, headers=headers)
    assert blank.status_code == 422
    response = client.post(url, json={"reason": "Issued in error."}, headers=headers)
    assert response.status_code == 200
    data = response.get_json()
    assert data["status"] == "revoked" and data["revocation_reason"] == "Issued in error."
    assert len(_events(db, "certificate.revoked")) == 1
    assert client.post(url, json={"reason": "Again."}, headers=headers).status_code == 409
    assert client.get(f"/api/v1/certificates/{certificate.serial}").get_json()[
        "status"] == "revoked"


def test_evaluators_list_certificates_with_filters(app, client, db, factory) -> None:
    _first_scenario, first = certified(db, factory, app)
    _second_scenario, second = certified(db, factory, app)
    from ppp_assess.services import certificates as certificate_service

    certificate_service.revoke_certificate(db, first, actor=admin(factory), reason="Withdrawn.")
    db.commit()
    headers = _token(db, evaluator(factory))
    assert client.get("/api/v1/certificates").status_code == 401
    listed = client.get("/api/v1/certificates", headers=headers).get_json()
    assert [item["serial"] for item in listed["certificates"]] == [second.serial, first.serial]
    assert listed["total"] == 2 and listed["pages"] == 1
    revoked = client.get("/api/v1/certificates?status=revoked", headers=headers).get_json()
    assert [item["serial"] for item in revoked["certificates"]] == [first.serial]
    assert revoked["certificates"][0]["revocation_reason"] == "Withdrawn."
    valid = client.get("/api/v1/certificates?status=valid", headers=headers).get_json()
    assert [item["serial"] for item in valid["certificates"]] == [second.serial]
    none = client.get("/api/v1/certificates?questionnaire=zero-tolerance-corruption",
                      headers=headers).get_json()
    assert none["certificates"] == [] and none["total"] == 0
    today = first.issued_at.date().isoformat()
    dated = client.get(f"/api/v1/certificates?issued_from={today}&issued_to={today}",
                       headers=headers).get_json()
    assert dated["total"] == 2
    wrong = client.get("/api/v1/certificates?status=maybe", headers=headers)
    assert wrong.status_code == 422
    respondent = _first_scenario.respondent
    assert client.get("/api/v1/certificates",
                      headers=_token(db, respondent)).status_code == 404
