"""Odd input gets a clear 4xx and changes nothing: never a server error.

Lone surrogates, NUL bytes (which PostgreSQL text cannot hold), JSON nested a thousand
deep, bodies over the size limit, and whatever hypothesis makes of the HTML forms.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from ppp_assess.domain.reference import OrgRole
from ppp_assess.models import AuditEvent, Project
from ppp_assess.services.tokens import create_api_token
from tests.factories import sign_in

PROJECT = {"name": "Rail line", "sector": "mining", "country": "MN",
           "region": "central_asia", "stage": "procurement", "contract_type": "concession",
           "capital_value": 1, "currency": "USD", "description": ""}


@pytest.fixture
def member(db, factory):
    organisation = factory.organisation()
    user = factory.user(organisation=organisation, role=OrgRole.org_admin)
    _row, token = create_api_token(db, user, name="odd")
    db.commit()
    return user, {"Authorization": f"Bearer {token}"}


def _counts(db) -> tuple[int, int]:
    db.expire_all()
    return (db.scalar(select(func.count()).select_from(Project)),
            db.scalar(select(func.count()).select_from(AuditEvent)))


@pytest.mark.parametrize("raw", [
    # A lone surrogate, written as JSON allows it.
    b'{"name": "Rail \\ud800 line"}',
    # A NUL character inside a string.
    b'{"name": "Rail \\u0000 line"}',
    # Not UTF-8 at all.
    b'{"name": "Rail \xff line"}',
    # Nested a thousand deep.
    b'{"name": ' + b"[" * 1000 + b"]" * 1000 + b"}",
])
def test_odd_json_is_refused_with_a_4xx_and_stores_nothing(client, db, member, raw) -> None:
    _user, headers = member
    for field in ("name", "description"):
        text = json.dumps(PROJECT).encode()[:-1] + b", " + raw.replace(
            b'"name"', f'"{field}"'.encode())[1:]
        before = _counts(db)
        response = client.post("/api/v1/projects", data=text, headers={
            **headers, "Content-Type": "application/json"})
        assert 400 <= response.status_code < 500, (field, response.get_data())
        assert response.get_json()["error"]["code"]
        assert _counts(db) == before


def test_a_body_over_the_size_limit_gets_413(app, client, member) -> None:
    _user, headers = member
    limit = app.config["MAX_CONTENT_LENGTH"]
    response = client.post("/api/v1/projects", data=b"x" * (limit + 1), headers={
        **headers, "Content-Type": "application/json"})
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "413"


@settings(max_examples=40, suppress_health_check=list(HealthCheck), deadline=None)
@given(fields=st.dictionaries(
    st.sampled_from(["name", "sector", "country", "region", "stage", "contract_type",
                     "capital_value", "currency", "description", "csrf_token"]),
    st.one_of(st.text(), st.text(alphabet=st.characters(codec="utf-8")).map(
        lambda text: text + "\x00"), st.from_regex(r"[0-9]{15,40}", fullmatch=True)),
    max_size=10))
def test_the_project_form_never_fails_on_any_text(app, db, factory, fields) -> None:
    user = factory.user(organisation=factory.organisation(), role=OrgRole.org_admin)
    db.commit()
    client = app.test_client()
    sign_in(client, user.email)
    response = client.post("/projects/new", data=fields)
    assert response.status_code < 500, fields


@pytest.mark.parametrize("content_type", [
    "application/x-www-form-urlencoded", "application/x-www-form-urlencoded; charset=utf-8",
    "multipart/form-data"])
def test_a_form_field_with_a_control_character_is_refused(app, db, factory,
                                                          content_type: str) -> None:
    user = factory.user(organisation=factory.organisation(), role=OrgRole.org_admin)
    db.commit()
    client = app.test_client()
    sign_in(client, user.email)
    if content_type.startswith("multipart"):
        response = client.post("/projects/new", data={"name": "Rail\x00line"},
                               content_type=content_type)
    else:
        response = client.post("/projects/new", data="name=Rail%00line",
                               content_type=content_type)
    assert response.status_code == 400
