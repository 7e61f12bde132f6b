"""The project endpoints of the API."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from ppp_assess.domain.reference import OrgRole
from ppp_assess.models import Project
from ppp_assess.services import accounts
from tests.web.test_assessments import Member, make_member

VALID = {"name": "Obuasi water scheme", "sector": "water", "subsector": "water_supply",
         "country": "GH", "region": "africa", "stage": "construction",
         "contract_type": "availability", "capital_value": 80_000_000, "currency": "GHS"}


@pytest.fixture
def member(app, db, factory) -> Member:
    return make_member(app, db, factory)


def _names(db) -> list[str]:
    db.expire_all()
    names = list(db.scalars(select(Project.name).order_by(Project.id)))
    db.commit()
    return names


def test_list_and_get_only_my_projects(member, db, factory) -> None:
    mine = factory.project(member.organisation, name="Mine")
    foreign = factory.project(factory.organisation(), name="Foreign")
    db.commit()
    listing = member.client.get("/api/v1/projects")
    assert listing.status_code == 200
    assert [item["name"] for item in listing.get_json()["projects"]] == ["Mine"]
    one = member.client.get(f"/api/v1/projects/{mine.id}").get_json()
    assert one["organisation"] == {"id": member.organisation.id,
                                   "name": member.organisation.name}
    assert one["capital_value"] == 500_000_000 and one["currency"] == "USD"
    missing = member.client.get(f"/api/v1/projects/{foreign.id}")
    assert missing.status_code == 404
    assert missing.get_json()["error"]["code"] == "not_found"


def test_post_creates_a_project(member, db) -> None:
    response = member.client.post("/api/v1/projects", json=VALID, headers=member.headers)
    assert response.status_code == 201
    body = response.get_json()
    assert body["organisation"]["id"] == member.organisation.id
    assert body["name"] == "Obuasi water scheme" and body["currency"] == "GHS"
    assert response.headers["Location"].endswith(f"/api/v1/projects/{body['id']}")
    assert _names(db) == ["Obuasi water scheme"]


@pytest.mark.parametrize(("changes", "field", "fragment"), [
    ({"country": "XX"}, "country", "Choose a value from the list."),
    ({"country": "EU"}, "country", "Choose a value from the list."),
    ({"currency": "ABC"}, "currency", "Choose a value from the list."),
    ({"currency": None}, "currency", "This is required."),
    ({"capital_value": -1}, "capital_value", "Enter zero or more."),
    ({"capital_value": "1000"}, "capital_value", "wrong type"),
    ({"sector": "space"}, "sector", "Choose a value from the list."),
    ({"stage": None}, "stage", "This is required."),
    ({"name": "  "}, "name", "This is required."),
    ({"subsector": "moon"}, "subsector", "Choose a value from the list."),
])
def test_invalid_projects_get_422_with_field_messages(member, db, changes, field,
                                                      fragment) -> None:
    response = member.client.post("/api/v1/projects", json={**VALID, **changes},
                                  headers=member.headers)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert fragment in error["fields"][field]
    assert _names(db) == []


def test_lower_case_codes_are_normalised(member, db) -> None:
    response = member.client.post("/api/v1/projects", json={**VALID, "country": "gh",
                                                            "currency": "ghs"},
                                  headers=member.headers)
    assert response.status_code == 201
    assert (response.get_json()["country"], response.get_json()["currency"]) == ("GH", "GHS")


def test_the_organisation_must_be_mine_and_named_when_i_have_several(member, db,
                                                                    factory) -> None:
    foreign = factory.organisation()
    second = factory.organisation()
    accounts.add_member(db, user=member.user, organisation=second, role=OrgRole.respondent)
    db.commit()
    unnamed = member.client.post("/api/v1/projects", json=VALID, headers=member.headers)
    assert unnamed.status_code == 422
    assert "organisation" in unnamed.get_json()["error"]["fields"]
    other = member.client.post("/api/v1/projects", json={**VALID, "organisation": foreign.id},
                               headers=member.headers)
    assert other.status_code == 404
    chosen = member.client.post("/api/v1/projects", json={**VALID, "organisation": second.id},
                                headers=member.headers)
    assert chosen.status_code == 201
    assert chosen.get_json()["organisation"]["id"] == second.id
    assert member.client.post("/api/v1/projects", data="not json",
                              headers=member.headers).status_code == 422
