"""API tokens on the profile page: made and shown once, listed, revoked."""

from __future__ import annotations

import re

from sqlalchemy import select

from ppp_assess.models import ApiToken
from ppp_assess.services import tokens
from tests.factories import sign_in


def test_a_token_is_made_on_the_profile_page_and_shown_once(app, client, db, factory) -> None:
    user = factory.user()
    db.commit()
    sign_in(client, user.email)
    page = client.get("/auth/profile").get_data(as_text=True)
    assert "You have no API tokens." in page and 'name="token-name"' in page
    made = client.post("/auth/tokens", data={"token-name": "nightly export",
                                             "token-days": "30"})
    assert made.status_code == 201
    assert made.headers["Referrer-Policy"] == "no-referrer"
    token = re.search(r'value="(ppp_[^"]+)"', made.get_data(as_text=True)).group(1)
    assert app.test_client().get("/api/v1/assessments",
                                 headers={"Authorization": f"Bearer {token}"}).status_code == 200
    listed = client.get("/auth/profile").get_data(as_text=True)
    assert "nightly export" in listed and token not in listed
    row = db.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    assert (row.expires_at - row.created_at).days == 30


def test_a_token_needs_a_name_and_a_lifetime_in_range(client, db, factory) -> None:
    user = factory.user()
    db.commit()
    sign_in(client, user.email)
    refused = client.post("/auth/tokens", data={"token-name": " ", "token-days": "400"})
    assert refused.status_code == 422
    body = refused.get_data(as_text=True)
    assert "Give the token a name." in body and "from 1 to 366 days" in body
    assert db.scalar(select(ApiToken)) is None


def test_a_token_is_revoked_from_the_profile_page(app, client, db, factory) -> None:
    user = factory.user()
    row, token = tokens.create_api_token(db, user, name="old script")
    db.commit()
    sign_in(client, user.email)
    response = client.post(f"/auth/tokens/{row.id}/revoke")
    assert response.status_code == 302
    script = app.test_client()  # no session cookie: only the token speaks
    assert script.get("/api/v1/assessments",
                      headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert f"/auth/tokens/{row.id}/revoke" not in client.get("/auth/profile").get_data(
        as_text=True)


def test_another_users_token_is_not_found(client, db, factory) -> None:
    owner, other = factory.user(), factory.user()
    row, _token = tokens.create_api_token(db, owner, name="not yours")
    db.commit()
    sign_in(client, other.email)
    assert client.post(f"/auth/tokens/{row.id}/revoke").status_code == 404
    db.expire_all()
    assert db.get(ApiToken, row.id).revoked_at is None
