"""Recording and changing projects."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from ppp_assess.domain.reference import OrgRole
from ppp_assess.models import AuditEvent
from ppp_assess.services import accounts, projects
from ppp_assess.services.errors import Invalid, NotFound
from ppp_assess.services.projects import ProjectInput

VALID = ProjectInput(name="  Tarkwa haul road ", sector="mining", subsector="road",
                     country="gh", region="africa", stage="operation",
                     contract_type="concession", capital_value=0, currency="ghs",
                     description=" Gravel road. ")


def test_country_and_currency_lists_follow_iso() -> None:
    countries = projects.country_codes()
    assert {"MN", "KZ", "GH", "CL", "FR"} <= countries
    assert not {"EU", "UN", "ZZ", "XK", "QO", "001"} & countries
    assert 240 <= len(countries) <= 260
    currencies = projects.currency_codes()
    assert {"USD", "EUR", "KZT", "MNT", "GHS", "CLP"} <= currencies
    assert not {"DEM", "XXX", "ABC"} & currencies


def test_clean_project_normalises() -> None:
    cleaned = projects.clean_project(VALID)
    assert (cleaned.name, cleaned.country, cleaned.currency, cleaned.description) == (
        "Tarkwa haul road", "GH", "GHS", "Gravel road.")
    assert projects.clean_project(ProjectInput(**{**VALID.__dict__, "subsector": " ",
                                                  "currency": "", "capital_value": None})
                                  ).subsector is None


@pytest.mark.parametrize(("changes", "field", "code"), [
    ({"name": " "}, "name", "required"),
    ({"name": "x" * 201}, "name", "too_long"),
    ({"sector": "space"}, "sector", "unknown"),
    ({"subsector": "moon"}, "subsector", "unknown"),
    ({"country": "XX"}, "country", "unknown"),
    ({"country": "EU"}, "country", "unknown"),
    ({"region": "mars"}, "region", "unknown"),
    ({"stage": "dreaming"}, "stage", "unknown"),
    ({"contract_type": "handshake"}, "contract_type", "unknown"),
    ({"currency": "DEM"}, "currency", "unknown"),
    ({"capital_value": -1}, "capital_value", "negative"),
    ({"capital_value": 2**63}, "capital_value", "too_large"),
    ({"currency": None}, "currency", "required"),
    ({"description": "x" * 5001}, "description", "too_long"),
])
def test_clean_project_refuses(changes, field, code) -> None:
    with pytest.raises(Invalid) as caught:
        projects.clean_project(ProjectInput(**{**VALID.__dict__, **changes}))
    assert caught.value.fields == {field: code}


def test_from_mapping_checks_types() -> None:
    with pytest.raises(Invalid) as caught:
        ProjectInput.from_mapping({"name": 3, "sector": "mining", "capital_value": True,
                                   "currency": 840, "description": []})
    assert caught.value.fields == {"name": "wrong_type", "country": "required",
                                   "region": "required", "stage": "required",
                                   "contract_type": "required", "currency": "wrong_type",
                                   "capital_value": "wrong_type", "description": "wrong_type"}


def test_create_and_update_audit_the_facts(db, factory) -> None:
    organisation = factory.organisation()
    user = factory.user(organisation=organisation)
    project = projects.create_project(db, actor=user, organisation_id=organisation.id,
                                      data=VALID)
    assert project.id is not None and project.country == "GH"
    created = db.scalar(select(AuditEvent).where(AuditEvent.action == "project.created"))
    assert created.after["name"] == "Tarkwa haul road"
    assert created.organisation_id == organisation.id
    projects.update_project(db, project, actor=user,
                            data=ProjectInput(**{**VALID.__dict__, "stage": "closure"}))
    updated = db.scalar(select(AuditEvent).where(AuditEvent.action == "project.updated"))
    assert updated.before == {"stage": "operation"} and updated.after == {"stage": "closure"}
    projects.update_project(db, project, actor=user,
                            data=ProjectInput(**{**VALID.__dict__, "stage": "closure"}))
    assert len(db.scalars(select(AuditEvent).where(
        AuditEvent.action == "project.updated")).all()) == 1


def test_only_members_of_active_organisations_record_projects(db, factory) -> None:
    organisation = factory.organisation()
    stranger = factory.user(organisation=factory.organisation())
    with pytest.raises(NotFound):
        projects.create_project(db, actor=stranger, organisation_id=organisation.id,
                                data=VALID)
    member = factory.user(organisation=organisation)
    organisation.active = False
    db.flush()
    assert projects.member_organisations(db, member) == []
    with pytest.raises(NotFound):
        projects.create_project(db, actor=member, organisation_id=organisation.id, data=VALID)


def test_list_projects_is_scoped_to_my_organisations(db, factory) -> None:
    first, second, other = (factory.organisation() for _ in range(3))
    user = factory.user(organisation=first)
    accounts.add_member(db, user=user, organisation=second, role=OrgRole.org_admin)
    factory.project(first, name="B")
    factory.project(second, name="A")
    factory.project(other, name="C")
    assert [project.name for project in projects.list_projects(db, user)] == ["A", "B"]
