"""Signed links and API tokens."""

from __future__ import annotations

import pytest
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select

from ppp_assess.models import ApiToken
from ppp_assess.services import auth, tokens

SECRET = "test-secret-key"


def test_a_link_token_names_its_user_and_organisation(db, factory) -> None:
    org = factory.organisation()
    user = factory.user(password_hash=None, organisation=org)
    token = tokens.make_link_token(SECRET, tokens.INVITATION, user, organisation_id=org.id)
    found, claims = tokens.link_user(db, SECRET, tokens.INVITATION, token)
    assert found.id == user.id
    assert claims.organisation_id == org.id


def test_a_token_for_one_purpose_is_refused_for_another(db, factory) -> None:
    user = factory.user()
    token = tokens.make_link_token(SECRET, tokens.PASSWORD_RESET, user)
    with pytest.raises(tokens.InvalidLink):
        tokens.read_link_token(SECRET, tokens.INVITATION, token)


def test_a_token_signed_with_another_key_or_altered_is_refused(db, factory) -> None:
    user = factory.user()
    token = tokens.make_link_token(SECRET, tokens.PASSWORD_RESET, user)
    with pytest.raises(tokens.InvalidLink):
        tokens.read_link_token("another-key", tokens.PASSWORD_RESET, token)
    altered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    with pytest.raises(tokens.InvalidLink):
        tokens.read_link_token(SECRET, tokens.PASSWORD_RESET, altered)


def test_a_well_signed_payload_of_the_wrong_shape_is_refused() -> None:
    forged = URLSafeTimedSerializer(SECRET, salt="ppp-assess/password-reset").dumps(["x"])
    with pytest.raises(tokens.InvalidLink):
        tokens.read_link_token(SECRET, tokens.PASSWORD_RESET, forged)


def test_an_old_token_has_expired(db, factory, monkeypatch) -> None:
    user = factory.user()
    import itsdangerous.timed

    real = itsdangerous.timed.TimestampSigner.get_timestamp
    monkeypatch.setattr(itsdangerous.timed.TimestampSigner, "get_timestamp",
                        lambda self: real(self) - tokens.MAX_AGE[tokens.PASSWORD_RESET] - 5)
    token = tokens.make_link_token(SECRET, tokens.PASSWORD_RESET, user)
    monkeypatch.setattr(itsdangerous.timed.TimestampSigner, "get_timestamp", real)
    with pytest.raises(tokens.ExpiredLink):
        tokens.read_link_token(SECRET, tokens.PASSWORD_RESET, token)


def test_a_reset_token_works_once(db, factory) -> None:
    user = factory.user()
    token = tokens.make_link_token(SECRET, tokens.PASSWORD_RESET, user)
    auth.reset_password(db, SECRET, token, "slate roof over the mine office")
    with pytest.raises(tokens.InvalidLink):
        auth.reset_password(db, SECRET, token, "another long and fine password")


def test_a_reset_token_dies_when_the_password_changes_otherwise(db, factory) -> None:
    user = factory.user()
    token = tokens.make_link_token(SECRET, tokens.PASSWORD_RESET, user)
    auth.set_password(db, user, "slate roof over the mine office", reason="changed")
    with pytest.raises(tokens.InvalidLink):
        auth.password_reset_user(db, SECRET, token)


def test_a_reset_token_of_a_deactivated_account_is_refused(db, factory) -> None:
    user = factory.user()
    token = tokens.make_link_token(SECRET, tokens.PASSWORD_RESET, user)
    auth.set_user_active(db, user, False)
    with pytest.raises(tokens.InvalidLink):
        auth.password_reset_user(db, SECRET, token)


def test_api_tokens_store_only_the_digest(db, factory) -> None:
    user = factory.user()
    row, token = tokens.create_api_token(db, user, name="nightly export")
    assert token not in row.token_digest
    assert row.token_digest == tokens.token_digest(token)
    stored = db.scalars(select(ApiToken.token_digest)).all()
    assert token not in stored and row.token_digest in stored


def test_the_token_command_prints_a_working_token_once(app, runner, factory, db) -> None:
    user = factory.user()
    db.commit()
    result = runner.invoke(args=["users", "token", user.email.upper(), "--name", "exports"])
    assert result.exit_code == 0, result.output
    token = result.stdout.strip().splitlines()[-1]
    assert token.startswith("ppp_")
    db.expire_all()
    row = db.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    assert row is not None and row.name == "exports"
    assert row.token_digest == tokens.token_digest(token)

    client = app.test_client()
    assert client.get("/api/v1/assessments").status_code == 401
    answered = client.get("/api/v1/assessments", headers={"Authorization": f"Bearer {token}"})
    assert answered.status_code == 200
    wrong = client.get("/api/v1/assessments", headers={"Authorization": "Bearer ppp_wrong"})
    assert wrong.status_code == 401


def test_the_token_command_refuses_unknown_users(runner, db) -> None:
    result = runner.invoke(args=["users", "token", "nobody@example.org"])
    assert result.exit_code != 0
    assert "no user" in result.output
    assert db.scalar(select(ApiToken)) is None
