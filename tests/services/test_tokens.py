"""Signed links and API tokens."""

from __future__ import annotations

import datetime as dt

import pytest
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select

from ppp_assess.models import ApiToken
from ppp_assess.models.base import utcnow
from ppp_assess.services import auth, tokens
from ppp_assess.services.errors import Invalid, NotFound
from ppp_assess.unit_of_work import get_database
from tests.factories import PASSWORD, Factory

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


# --- Lifetime, listing and revocation ----------------------------------------------------------


def _works(app, token: str) -> bool:
    response = app.test_client().get("/api/v1/assessments",
                                     headers={"Authorization": f"Bearer {token}"})
    assert response.status_code in (200, 401)
    return response.status_code == 200


def test_a_token_expires_after_its_days(app, db, factory) -> None:
    user = factory.user()
    row, token = tokens.create_api_token(db, user, name="short", days=3)
    assert row.expires_at - row.created_at == dt.timedelta(days=3)
    db.commit()
    assert _works(app, token)
    row.expires_at = utcnow() - dt.timedelta(seconds=1)
    db.commit()
    assert not _works(app, token)


@pytest.mark.parametrize("days", [0, -1, tokens.MAX_TOKEN_DAYS + 1])
def test_a_lifetime_out_of_range_is_refused(db, factory, days: int) -> None:
    with pytest.raises(Invalid):
        tokens.create_api_token(db, factory.user(), name="x", days=days)


def test_the_token_command_takes_days_and_the_default_is_configured(make_app, db) -> None:
    app = make_app(token_days=30)
    session_factory = Factory(get_database(app).new_session(write=True))
    user = session_factory.user()
    session_factory.session.commit()
    runner = app.test_cli_runner()
    default = runner.invoke(args=["users", "token", user.email])
    longer = runner.invoke(args=["users", "token", user.email, "--days", "200"])
    assert default.exit_code == longer.exit_code == 0, default.output + longer.output
    lifetimes = sorted((row.expires_at - row.created_at).days for row in
                       session_factory.session.scalars(select(ApiToken)))
    assert lifetimes == [30, 200]
    session_factory.session.close()


def test_revoking_one_token_leaves_the_others(app, db, factory) -> None:
    user = factory.user()
    first, first_token = tokens.create_api_token(db, user, name="one")
    _second, second_token = tokens.create_api_token(db, user, name="two")
    tokens.revoke_api_token(db, user, first.id)
    db.commit()
    assert not _works(app, first_token) and _works(app, second_token)
    assert [row.name for row in tokens.list_api_tokens(db, user)] == ["two"]


def test_nobody_revokes_another_users_token(db, factory) -> None:
    owner, other = factory.user(), factory.user()
    row, _token = tokens.create_api_token(db, owner, name="mine")
    with pytest.raises(NotFound):
        tokens.revoke_api_token(db, other, row.id)
    assert row.revoked_at is None


def _tokens_of(db, factory):
    user = factory.user()
    made = [tokens.create_api_token(db, user, name=f"t{n}")[1] for n in range(2)]
    db.commit()
    return user, made


def test_a_password_change_revokes_every_token(app, db, factory) -> None:
    user, made = _tokens_of(db, factory)
    auth.change_password(db, user, current_password=PASSWORD,
                         new_password="a brand new passphrase of mine")
    db.commit()
    assert not any(_works(app, token) for token in made)


def test_a_password_reset_revokes_every_token(app, db, factory) -> None:
    user, made = _tokens_of(db, factory)
    link = tokens.make_link_token("test-secret-key", tokens.PASSWORD_RESET, user)
    auth.reset_password(db, "test-secret-key", link, "a brand new passphrase of mine")
    db.commit()
    assert not any(_works(app, token) for token in made)


def test_deactivating_an_account_revokes_every_token(app, db, factory) -> None:
    user, made = _tokens_of(db, factory)
    auth.set_user_active(db, user, False, actor_id=None)
    db.commit()
    assert not any(_works(app, token) for token in made)
    assert tokens.list_api_tokens(db, user) == []


def test_the_revoke_command_revokes_every_token(app, runner, db, factory) -> None:
    user, made = _tokens_of(db, factory)
    result = runner.invoke(args=["users", "revoke-tokens", user.email])
    assert result.exit_code == 0 and "Revoked 2" in result.output
    assert not any(_works(app, token) for token in made)


def test_a_get_with_a_token_writes_its_last_use_at_most_hourly(live_app) -> None:
    database = get_database(live_app)
    with database.transaction() as session:
        row, token = tokens.create_api_token(session, Factory(session).user(), name="reader")
    assert row.last_used_at is None

    def last_used() -> dt.datetime | None:
        with database.reading() as session:
            return session.get_one(ApiToken, row.id).last_used_at

    assert _works(live_app, token)
    first = last_used()
    assert first is not None
    assert _works(live_app, token)
    assert last_used() == first  # within the hour: the read stayed a read
    assert tokens.record_use(database, row.id, first, now=first + dt.timedelta(minutes=61))
    assert last_used() == first + dt.timedelta(minutes=61)


def test_the_first_write_with_a_new_token_succeeds_and_stamps_its_use(live_app) -> None:
    # A writing request holds the write lock from its first query: the token's stamp goes
    # in that same transaction, not in a second one that would wait for the lock.
    import time

    database = get_database(live_app)
    with database.transaction() as session:
        factory = Factory(session)
        user = factory.user(organisation=factory.organisation())
        row, token = tokens.create_api_token(session, user, name="writer")
    started = time.perf_counter()
    response = live_app.test_client().post(
        "/api/v1/projects", headers={"Authorization": f"Bearer {token}"},
        json={"name": "By a script", "sector": "mining", "country": "MN",
              "region": "central_asia", "stage": "procurement",
              "contract_type": "concession", "capital_value": 1, "currency": "USD",
              "description": ""})
    assert response.status_code == 201, response.get_data(as_text=True)
    assert time.perf_counter() - started < 3  # no wait for a lock
    with database.reading() as session:
        assert session.get_one(ApiToken, row.id).last_used_at is not None
