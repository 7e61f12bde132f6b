"""Moving a draft to a newer questionnaire version: the page and the API."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from ppp_assess.domain.loader import load_questionnaire
from ppp_assess.models import Answer, Assessment
from ppp_assess.services import assessments
from ppp_assess.services.assessments import AnswerInput
from ppp_assess.services.questionnaires import publish_questionnaire
from tests.factories import sign_in
from tests.web.test_assessments import csrf_token_of

VERSIONS = Path(__file__).resolve().parents[2] / "tests" / "data" / "versions"


@pytest.fixture
def app(make_app):
    return make_app(questionnaire_dir=str(VERSIONS))


@pytest.fixture
def setup(app, db, factory):
    organisation = factory.organisation()
    user = factory.user(organisation=organisation)
    old = publish_questionnaire(db, load_questionnaire(VERSIONS / "upgrade-example.yaml")).version
    new = publish_questionnaire(db, load_questionnaire(VERSIONS / "upgrade-example-2.yaml")).version
    draft = assessments.start_assessment(db, actor=user, version=old,
                                         organisation_id=organisation.id)
    assessments.save_answers(db, draft, {"l1": AnswerInput("law"), "x1": AnswerInput("Notes")},
                             base_version=draft.version, actor=user)
    db.commit()
    client = app.test_client()
    sign_in(client, user.email)
    return client, draft, old, new


def _values(db, assessment):
    db.expire_all()
    values = {row.question_id: row.value for row in db.scalars(
        select(Answer).where(Answer.assessment_id == assessment.id))}
    db.commit()
    return values


def test_page_shows_what_carries_over_before_moving(setup, db) -> None:
    client, draft, old, _new = setup
    section = client.get(f"/assessments/{draft.id}/sections/main").get_data(as_text=True)
    assert f'href="/assessments/{draft.id}/upgrade"' in section
    body = client.get(f"/assessments/{draft.id}/upgrade").get_data(as_text=True)
    assert "1 answer carries over" in body
    assert "Old-style scale" in body and "Provided for in law" in body
    assert "1 answer does not carry over" in body and "Notes" in body
    assert "new questions to answer" in body and "How many people live within 10 km?" in body
    assert 'name="csrf_token"' in body and 'name="base_version"' in body
    # looking changes nothing
    db.expire_all()
    assert db.get(Assessment, draft.id).questionnaire_version_id == old.id
    db.commit()


def test_confirming_moves_the_draft(setup, db) -> None:
    client, draft, _old, new = setup
    response = client.post(f"/assessments/{draft.id}/upgrade",
                           data={"base_version": str(draft.version)})
    assert response.status_code == 302
    db.expire_all()
    assert db.get(Assessment, draft.id).questionnaire_version_id == new.id
    db.commit()
    assert _values(db, draft) == {"l1": "law"}
    assert client.get(f"/assessments/{draft.id}/upgrade").status_code == 404


def test_stale_confirmation_changes_nothing(setup, db) -> None:
    client, draft, old, _new = setup
    response = client.post(f"/assessments/{draft.id}/upgrade",
                           data={"base_version": str(draft.version - 1)})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/assessments/{draft.id}/upgrade")
    db.expire_all()
    assert db.get(Assessment, draft.id).questionnaire_version_id == old.id
    db.commit()


def test_csrf_is_required(setup, db, make_app) -> None:
    _client, draft, old, _new = setup
    strict = make_app(questionnaire_dir=str(VERSIONS),
                      flask_overrides={"WTF_CSRF_ENABLED": True, "SERVER_NAME": None})
    client = strict.test_client()
    user = db.get(Assessment, draft.id).created_by
    sign_in(client, user.email)
    response = client.post(f"/assessments/{draft.id}/upgrade",
                           data={"base_version": str(draft.version)})
    assert response.status_code == 400
    db.expire_all()
    assert db.get(Assessment, draft.id).questionnaire_version_id == old.id
    db.commit()


def test_api_preview_and_upgrade(setup, db) -> None:
    client, draft, _old, new = setup
    csrf = csrf_token_of(client)
    preview = client.get(f"/api/v1/assessments/{draft.id}/upgrade")
    assert preview.status_code == 200
    assert preview.get_json()["carried"] == {"l1": "law"}
    assert preview.get_json()["dropped"] == ["x1"]
    missing = client.post(f"/api/v1/assessments/{draft.id}/upgrade",
                          headers={"X-CSRFToken": csrf})
    assert missing.status_code == 428
    stale = client.post(f"/api/v1/assessments/{draft.id}/upgrade",
                        headers={"X-CSRFToken": csrf, "If-Match": str(draft.version - 1)})
    assert stale.status_code == 409
    assert stale.get_json()["error"]["code"] == "stale"
    moved = client.post(f"/api/v1/assessments/{draft.id}/upgrade",
                        headers={"X-CSRFToken": csrf, "If-Match": str(draft.version)})
    assert moved.status_code == 200, moved.get_json()
    assert moved.get_json()["to_version"] == "2.0"
    db.expire_all()
    assert db.get(Assessment, draft.id).questionnaire_version_id == new.id
    db.commit()
    again = client.get(f"/api/v1/assessments/{draft.id}/upgrade")
    assert again.status_code == 404
    assert again.get_json()["error"]["code"] == "no_upgrade"


def test_another_organisations_draft_is_404(setup, app, db, factory) -> None:
    _client, draft, _old, _new = setup
    stranger = factory.user(organisation=factory.organisation())
    db.commit()
    client = app.test_client()
    sign_in(client, stranger.email)
    assert client.get(f"/assessments/{draft.id}/upgrade").status_code == 404
    assert client.get(f"/api/v1/assessments/{draft.id}/upgrade").status_code == 404
