"""The public showcase: nothing without the organisation's choice, and it can be withdrawn."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from ppp_assess.domain.reference import OrgRole, PlatformRole
from ppp_assess.domain.workflow import Status
from ppp_assess.models import Assessment, AuditEvent
from tests.factories import sign_in
from tests.services.benchmark_support import approved_through_services


@pytest.fixture
def versions(factory):
    return factory.questionnaires()


@pytest.fixture
def published_setup(db, factory, versions):
    """An approved project assessment and the administrator of its organisation."""
    organisation = factory.organisation(name="Ministry of Mines of Testland")
    project = factory.project(organisation, name="Copperbelt heavy-haul rail line",
                              sector="mining")
    assessment = approved_through_services(db, factory, versions["people-first"],
                                           organisation=organisation, project=project)
    admin = factory.user(organisation=organisation, role=OrgRole.org_admin)
    return assessment, admin


def _publish(client, assessment_id: int, action: str = "publish"):
    return client.post(f"/showcase/assessments/{assessment_id}", data={"action": action})


def test_nothing_is_public_by_default(client, db, published_setup) -> None:
    db.commit()
    page = client.get("/showcase")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "No project has been published yet." in html
    assert "Copperbelt heavy-haul rail line" not in html
    assert 'href="/showcase"' in client.get("/").get_data(as_text=True)


def test_org_admin_publishes_and_withdraws(app, client, db, published_setup) -> None:
    assessment, admin = published_setup
    db.commit()
    sign_in(client, admin.email)
    manage = client.get("/showcase/manage").get_data(as_text=True)
    assert "Copperbelt heavy-haul rail line" in manage and "Not published" in manage
    response = _publish(client, assessment.id)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/showcase/manage")

    public = app.test_client().get("/showcase").get_data(as_text=True)
    assert "Copperbelt heavy-haul rail line" in public
    assert "Ministry of Mines of Testland" in public
    assert "Kazakhstan" in public and "Mining infrastructure" in public
    assert f"{assessment.score:,.1f}" in public
    db.refresh(assessment)
    assert assessment.showcased_at is not None
    db.commit()  # end the test session's read before the next request

    assert _publish(client, assessment.id, "withdraw").status_code == 302
    public = app.test_client().get("/showcase").get_data(as_text=True)
    assert "Copperbelt heavy-haul rail line" not in public
    db.refresh(assessment)
    assert assessment.showcased_at is None
    actions = list(db.scalars(select(AuditEvent.action).where(
        AuditEvent.object_type == "assessment", AuditEvent.object_id == str(assessment.id),
        AuditEvent.action.like("assessment.showcase%")).order_by(AuditEvent.sequence)))
    assert actions == ["assessment.showcased", "assessment.showcase_withdrawn"]


def test_the_showcase_keeps_the_names_it_was_published_under(app, client, db,
                                                               published_setup) -> None:
    assessment, admin = published_setup
    db.commit()
    sign_in(client, admin.email)
    assert _publish(client, assessment.id).status_code == 302
    db.expire_all()
    stored = db.get(Assessment, assessment.id)
    first_published = stored.showcased_at
    stored.project.name = "Renamed rail line"
    stored.organisation.name = "Renamed ministry"
    db.commit()

    public = app.test_client().get("/showcase").get_data(as_text=True)
    assert "Copperbelt heavy-haul rail line" in public
    assert "Ministry of Mines of Testland" in public
    assert "Renamed" not in public
    manage = client.get("/showcase/manage").get_data(as_text=True)
    assert "Publish it again to show the new names." in manage
    assert "Publish again" in manage

    assert _publish(client, assessment.id).status_code == 302
    public = app.test_client().get("/showcase").get_data(as_text=True)
    assert "Renamed rail line" in public and "Renamed ministry" in public
    assert "Copperbelt heavy-haul rail line" not in public
    db.expire_all()
    stored = db.get(Assessment, assessment.id)
    assert stored.showcased_at >= first_published
    event = db.scalars(select(AuditEvent).where(
        AuditEvent.action == "assessment.showcased",
        AuditEvent.object_id == str(assessment.id)).order_by(AuditEvent.sequence.desc())).first()
    assert event.before["project_name"] == "Copperbelt heavy-haul rail line"
    assert event.after["project_name"] == "Renamed rail line"
    # Publishing again without a rename changes nothing.
    events = db.scalar(select(func.count()).select_from(AuditEvent))
    assert _publish(client, assessment.id).status_code == 302
    assert db.scalar(select(func.count()).select_from(AuditEvent)) == events
    assert "Publish again" not in client.get("/showcase/manage").get_data(as_text=True)


def test_only_the_organisations_administrators_decide(client, db, factory, versions,
                                                      published_setup) -> None:
    assessment, _admin = published_setup
    respondent = factory.user(organisation=assessment.organisation)
    stranger = factory.user(organisation=factory.organisation(), role=OrgRole.org_admin)
    platform_admin = factory.user(role=None, platform_roles=(PlatformRole.admin,))
    db.commit()
    sign_in(client, respondent.email)
    assert _publish(client, assessment.id).status_code == 403
    assert "There is nothing you can publish" in client.get("/showcase/manage").get_data(
        as_text=True)
    client.post("/auth/sign-out")
    sign_in(client, stranger.email)
    assert _publish(client, assessment.id).status_code == 404
    assert _publish(client, assessment.id, "withdraw").status_code == 404
    client.post("/auth/sign-out")
    sign_in(client, platform_admin.email)
    # The platform may take a result down, but never publish one for an organisation.
    assert _publish(client, assessment.id).status_code == 403
    assert _publish(client, assessment.id, "withdraw").status_code == 302
    assert _publish(client, assessment.id, "shout").status_code == 400
    assert _publish(client, 999_999).status_code == 404
    db.refresh(assessment)
    assert assessment.showcased_at is None


def test_only_decided_project_assessments_can_be_published(client, db, factory, versions,
                                                          published_setup) -> None:
    assessment, admin = published_setup
    organisation = assessment.organisation
    draft = Assessment(questionnaire_version_id=versions["people-first"].id,
                       subject_type=assessment.subject_type, organisation_id=organisation.id,
                       project_id=assessment.project_id, status=Status.draft, version=1,
                       completion=0.0)
    db.add(draft)
    organisation_result = approved_through_services(
        db, factory, versions["zero-tolerance-corruption"], organisation=organisation)
    db.commit()
    sign_in(client, admin.email)
    assert _publish(client, draft.id).status_code == 409
    assert _publish(client, organisation_result.id).status_code == 409
    assert "Copperbelt" not in client.get("/showcase").get_data(as_text=True)


def test_a_revoked_result_leaves_the_showcase(client, db, published_setup) -> None:
    assessment, admin = published_setup
    db.commit()
    sign_in(client, admin.email)
    _publish(client, assessment.id)
    assert "Copperbelt" in client.get("/showcase").get_data(as_text=True)
    assessment.status = Status.revoked
    db.commit()
    assert "Copperbelt" not in client.get("/showcase").get_data(as_text=True)


def test_publishing_needs_the_csrf_token(csrf_app, db, published_setup) -> None:
    assessment, admin = published_setup
    db.commit()
    client = csrf_app.test_client()
    page = client.get("/auth/sign-in").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    from tests.factories import PASSWORD

    client.post("/auth/sign-in", data={"email": admin.email, "password": PASSWORD,
                                       "csrf_token": token})
    assert _publish(client, assessment.id).status_code == 400
    db.refresh(assessment)
    assert assessment.showcased_at is None
