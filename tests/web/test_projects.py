"""Projects: list, create, show and edit, with validated facts."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from ppp_assess.domain.reference import OrgRole
from ppp_assess.models import AuditEvent, Project
from ppp_assess.services import accounts, assessments
from tests.factories import sign_in

VALID = {"name": "Erdenet rail spur", "sector": "mining", "subsector": "rail",
         "country": "MN", "region": "asia_pacific", "stage": "procurement",
         "contract_type": "bot", "capital_value": "250000000", "currency": "USD",
         "description": "A spur line to the concentrator."}


@pytest.fixture
def client_of(app):
    def make(user):
        client = app.test_client()
        sign_in(client, user.email)
        return client

    return make


def _projects(db) -> list[Project]:
    db.expire_all()
    rows = list(db.scalars(select(Project).order_by(Project.id)))
    db.commit()
    return rows


def test_list_shows_only_my_organisations_projects(client_of, db, factory) -> None:
    mine = factory.organisation(name="Mine Ministry")
    other = factory.organisation(name="Other Agency")
    user = factory.user(organisation=mine)
    factory.project(mine, name="Gobi rail line", country="MN")
    factory.project(other, name="Secret port")
    db.commit()
    body = client_of(user).get("/projects/").get_data(as_text=True)
    assert "Gobi rail line" in body and "Mongolia" in body and "Mining infrastructure" in body
    assert "Secret port" not in body
    assert body.count("<h1") == 1


def test_create_a_project_for_a_chosen_organisation(client_of, db, factory) -> None:
    first = factory.organisation(name="A Ministry")
    second = factory.organisation(name="B Agency")
    user = factory.user(organisation=first)
    accounts.add_member(db, user=user, organisation=second, role=OrgRole.respondent)
    db.commit()
    client = client_of(user)
    form = client.get("/projects/new").get_data(as_text=True)
    assert f'<option value="{first.id}"' in form and f'<option value="{second.id}"' in form
    assert '<option value="MN">Mongolia</option>' in form
    assert "USD – US Dollar" in form
    response = client.post("/projects/new", data={**VALID, "organisation": str(second.id)})
    assert response.status_code == 302
    (project,) = _projects(db)
    assert project.organisation_id == second.id
    assert (project.name, project.country, project.currency, project.capital_value) == (
        "Erdenet rail spur", "MN", "USD", 250_000_000)
    assert response.headers["Location"].endswith(f"/projects/{project.id}")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Erdenet rail spur" in page and "$250,000,000" in page and "$250,000,000.00" not in page
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "project.created"))
    assert event is not None and event.after["name"] == "Erdenet rail spur"


@pytest.mark.parametrize(("field", "value", "message"), [
    ("name", "", "Enter the project's name."),
    ("country", "XX", "Not a valid choice."),
    ("country", "EU", "Not a valid choice."),
    ("currency", "XYZ", "Not a valid choice."),
    ("sector", "space", "Not a valid choice."),
    ("stage", "", "Choose a stage."),
    ("capital_value", "-5", "Enter a whole amount of zero or more."),
    ("capital_value", "lots", "Not a valid integer value."),
])
def test_invalid_facts_are_refused_with_a_linked_message(client_of, db, factory, field, value,
                                                         message) -> None:
    organisation = factory.organisation()
    user = factory.user(organisation=organisation)
    db.commit()
    response = client_of(user).post("/projects/new", data={
        **VALID, "organisation": str(organisation.id), field: value})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert f'href="#{field}"' in body
    assert message in body
    assert _projects(db) == []


def test_a_capital_value_needs_a_currency(client_of, db, factory) -> None:
    organisation = factory.organisation()
    user = factory.user(organisation=organisation)
    db.commit()
    response = client_of(user).post("/projects/new", data={
        **VALID, "organisation": str(organisation.id), "currency": ""})
    assert response.status_code == 422
    assert "Choose the currency of the capital value." in response.get_data(as_text=True)
    assert _projects(db) == []


def test_edit_changes_the_facts_and_audits_them(client_of, db, factory) -> None:
    organisation = factory.organisation()
    user = factory.user(organisation=organisation)
    project = factory.project(organisation, name="Old name", stage="preparation")
    db.commit()
    client = client_of(user)
    form = client.get(f"/projects/{project.id}/edit").get_data(as_text=True)
    assert 'value="Old name"' in form
    assert 'name="organisation"' not in form
    response = client.post(f"/projects/{project.id}/edit", data={**VALID, "name": "New name"})
    assert response.status_code == 302
    (stored,) = _projects(db)
    assert (stored.name, stored.stage, stored.organisation_id) == (
        "New name", "procurement", organisation.id)
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "project.updated"))
    assert event.before["name"] == "Old name" and event.after["name"] == "New name"


def test_other_organisations_projects_are_not_found(client_of, db, factory) -> None:
    organisation = factory.organisation()
    user = factory.user(organisation=organisation)
    foreign = factory.project(factory.organisation(), name="Foreign")
    db.commit()
    client = client_of(user)
    assert client.get(f"/projects/{foreign.id}").status_code == 404
    assert client.get(f"/projects/{foreign.id}/edit").status_code == 404
    assert client.post(f"/projects/{foreign.id}/edit", data=VALID).status_code == 404
    assert client.post("/projects/new", data={**VALID, "organisation": str(
        foreign.organisation_id)}).status_code == 422  # not one of the choices
    assert [project.name for project in _projects(db)] == ["Foreign"]


def test_project_page_lists_its_assessments_and_offers_one(client_of, db, factory) -> None:
    organisation = factory.organisation()
    user = factory.user(organisation=organisation)
    project = factory.project(organisation, name="Karaganda port")
    versions = factory.questionnaires()
    assessments.start_assessment(db, actor=user, version=versions["people-first"],
                                 organisation_id=organisation.id, project=project)
    db.commit()
    body = client_of(user).get(f"/projects/{project.id}").get_data(as_text=True)
    assert "People-first" in body or "people-first" in body.lower()
    assert f"/assessments/new?project={project.id}" in body
    start_page = client_of(user).get(f"/assessments/new?project={project.id}")
    assert re.search(rf'<option value="project:{project.id}" selected>', start_page.get_data(
        as_text=True))


def test_project_forms_need_csrf(csrf_app, db, factory) -> None:
    organisation = factory.organisation()
    user = factory.user(organisation=organisation)
    project = factory.project(organisation)
    db.commit()
    client = csrf_app.test_client()
    page = client.get("/auth/sign-in").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post("/auth/sign-in", data={"email": user.email, "csrf_token": token,
                                       "password": "correct horse battery staple"})
    assert client.post("/projects/new", data={**VALID, "organisation": str(organisation.id)}
                       ).status_code == 400
    assert client.post(f"/projects/{project.id}/edit", data=VALID).status_code == 400
    assert [row.name for row in _projects(db)] == [project.name]
