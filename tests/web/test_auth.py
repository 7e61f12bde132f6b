"""Sign-in audit, password reset and change, profile, and CSRF on every auth form."""

from __future__ import annotations

import re

import itsdangerous.timed
import pytest
from sqlalchemy import select

from ppp_assess.config import get_settings
from ppp_assess.mail.transport import sent_messages
from ppp_assess.models import AuditEvent, User
from ppp_assess.services import tokens
from ppp_assess.services.passwords import verify_password
from tests.factories import PASSWORD, sign_in

NEW_PASSWORD = "copper belt railway at dusk"


def _mails(app) -> list:
    return sent_messages(get_settings(app))


def _link(message) -> str:
    match = re.search(r"http://ppp\.test(/\S+)", message.get_content())
    assert match, message.get_content()
    return match.group(1)


def _signed_in(client) -> bool:
    return b"Sign out" in client.get("/").data


def _actions(db, user_id: int) -> list[str]:
    db.expire_all()
    return list(db.scalars(select(AuditEvent.action).where(
        AuditEvent.object_type == "user", AuditEvent.object_id == str(user_id))
        .order_by(AuditEvent.sequence)))


def test_sign_ins_and_failures_are_audited(client, factory, db) -> None:
    user = factory.user()
    db.commit()
    client.post("/auth/sign-in", data={"email": user.email, "password": "wrong password!"})
    sign_in(client, user.email)
    assert _actions(db, user.id)[-2:] == ["user.sign_in_failed", "user.signed_in"]
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "user.signed_in"))
    assert event is not None and event.actor_id == user.id
    assert event.after == {"address": "127.0.0.1"}


def test_password_reset_flow_mails_a_single_use_link(app, client, factory, db) -> None:
    user = factory.user()
    db.commit()
    other_device = app.test_client()
    sign_in(other_device, user.email)

    page = client.post("/auth/forgot-password", data={"email": user.email.upper()})
    assert page.status_code == 200 and b"Check your e-mail" in page.data
    (message,) = _mails(app)
    assert message["To"] == user.email
    link = _link(message)
    assert client.get(link).status_code == 200

    done = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302
    assert _signed_in(client)
    assert not _signed_in(other_device)
    db.expire_all()
    assert verify_password(db.get(User, user.id).password_hash, NEW_PASSWORD)

    again = client.get(link)
    assert again.status_code == 400
    assert b"used already" in again.data
    reuse = app.test_client().post(link, data={"password": "another fine long password",
                                               "confirm": "another fine long password"})
    assert reuse.status_code == 400
    db.expire_all()
    assert verify_password(db.get(User, user.id).password_hash, NEW_PASSWORD)


def test_reset_request_answers_alike_for_unknown_addresses(app, client, factory, db) -> None:
    user = factory.user()
    db.commit()
    known = client.post("/auth/forgot-password", data={"email": user.email})
    unknown = client.post("/auth/forgot-password", data={"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 200
    assert known.data.replace(user.email.encode(), b"") == unknown.data.replace(
        b"nobody@example.org", b"")
    assert [message["To"] for message in _mails(app)] == [user.email]


def test_expired_and_tampered_reset_links_are_refused(app, client, factory, db,
                                                      monkeypatch) -> None:
    user = factory.user()
    db.commit()
    client.post("/auth/forgot-password", data={"email": user.email})
    expired_link = _link(_mails(app)[0])
    real = itsdangerous.timed.TimestampSigner.get_timestamp
    # Two hours and a minute later:
    monkeypatch.setattr(itsdangerous.timed.TimestampSigner, "get_timestamp",
                        lambda self: real(self) + tokens.MAX_AGE[tokens.PASSWORD_RESET] + 60)
    expired = app.test_client().post(expired_link, data={"password": NEW_PASSWORD,
                                                         "confirm": NEW_PASSWORD})
    monkeypatch.setattr(itsdangerous.timed.TimestampSigner, "get_timestamp", real)
    assert expired.status_code == 400
    assert b"expired" in expired.data

    client.post("/auth/forgot-password", data={"email": user.email})
    fresh_link = _link(_mails(app)[1])
    tampered_link = fresh_link[:-4] + ("abcd" if not fresh_link.endswith("abcd") else "wxyz")
    tampered = client.post(tampered_link, data={"password": NEW_PASSWORD,
                                                "confirm": NEW_PASSWORD})
    assert tampered.status_code == 400
    assert b"not valid" in tampered.data
    db.expire_all()
    assert verify_password(db.get(User, user.id).password_hash, PASSWORD)


@pytest.mark.parametrize(("password", "message"), [
    ("short one", b"at least 12 characters"),
    ("password1234", b"too common"),
    ("qwertyuiopasdf", b"too common"),
    ("{email}", b"must not be your e-mail address"),
])
def test_password_rules_apply_to_resets(app, client, factory, db, password, message) -> None:
    user = factory.user()
    db.commit()
    client.post("/auth/forgot-password", data={"email": user.email})
    link = _link(_mails(app)[0])
    password = password.format(email=user.email)
    page = client.post(link, data={"password": password, "confirm": password})
    assert page.status_code == 200
    assert message in page.data
    assert b'href="#password"' in page.data
    db.expire_all()
    assert verify_password(db.get(User, user.id).password_hash, PASSWORD)
    # The refused attempt did not use up the link.
    assert client.get(link).status_code == 200


def test_changing_the_password_keeps_this_session_and_ends_the_others(app, client, factory,
                                                                       db) -> None:
    user = factory.user()
    db.commit()
    sign_in(client, user.email)
    other_device = app.test_client()
    sign_in(other_device, user.email)

    wrong = client.post("/auth/password", data={"current_password": "not my password",
                                                "password": NEW_PASSWORD,
                                                "confirm": NEW_PASSWORD})
    assert b"current password is not right" in wrong.data
    mismatch = client.post("/auth/password", data={"current_password": PASSWORD,
                                                   "password": NEW_PASSWORD,
                                                   "confirm": NEW_PASSWORD + "x"})
    assert b"not the same" in mismatch.data

    changed = client.post("/auth/password", data={"current_password": PASSWORD,
                                                  "password": NEW_PASSWORD,
                                                  "confirm": NEW_PASSWORD})
    assert changed.status_code == 302
    assert _signed_in(client)
    assert client.get("/auth/profile").status_code == 200
    assert not _signed_in(other_device)
    assert "user.password_set" in _actions(db, user.id)
    client.post("/auth/sign-out")
    old = client.post("/auth/sign-in", data={"email": user.email, "password": PASSWORD})
    assert old.status_code == 200
    sign_in(client, user.email, NEW_PASSWORD)


def test_profile_changes_name_and_language(app, client, factory, db) -> None:
    app.extensions["ppp_locales"] = ("en", "fr")
    user = factory.user()
    db.commit()
    sign_in(client, user.email)
    page = client.get("/auth/profile")
    assert '<option value="fr">Français</option>'.encode() in page.data
    saved = client.post("/auth/profile", data={"name": "Ana Pérez", "locale": "fr"})
    assert saved.status_code == 302
    db.expire_all()
    stored = db.get(User, user.id)
    assert (stored.name, stored.locale) == ("Ana Pérez", "fr")
    assert b'lang="fr"' in client.get("/").data

    refused = client.post("/auth/profile", data={"name": "Ana", "locale": "xx"})
    assert refused.status_code == 200 and b"error-summary" in refused.data
    cleared = client.post("/auth/profile", data={"name": "Ana", "locale": ""})
    assert cleared.status_code == 302
    db.expire_all()
    assert db.get(User, user.id).locale is None


def test_profile_and_password_pages_need_sign_in(client) -> None:
    for path in ("/auth/profile", "/auth/password"):
        response = client.get(path)
        assert response.status_code == 302
        assert "/auth/sign-in" in response.headers["Location"]


def test_token_pages_send_no_referrer(app, client, factory, db) -> None:
    user = factory.user()
    db.commit()
    client.post("/auth/forgot-password", data={"email": user.email})
    page = client.get(_link(_mails(app)[0]))
    assert page.headers["Referrer-Policy"] == "no-referrer"


def test_every_auth_form_requires_csrf(csrf_app, factory, db) -> None:
    user = factory.user()
    db.commit()
    settings = get_settings(csrf_app)
    with csrf_app.app_context():
        reset = tokens.make_link_token(settings.secret_key, tokens.PASSWORD_RESET, user)
    anonymous = csrf_app.test_client()
    forms = {
        "/auth/sign-in": {"email": user.email, "password": PASSWORD},
        "/auth/forgot-password": {"email": user.email},
        f"/auth/reset-password/{reset}": {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    }
    for path, data in forms.items():
        assert anonymous.post(path, data=data).status_code == 400, path

    signed_in = csrf_app.test_client()
    page = signed_in.get("/auth/sign-in")
    token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page.data)
    assert token is not None
    assert signed_in.post("/auth/sign-in", data={"email": user.email, "password": PASSWORD,
                                                 "csrf_token": token.group(1).decode()}
                          ).status_code == 302
    for path, data in {
        "/auth/profile": {"name": "Someone", "locale": ""},
        "/auth/password": {"current_password": PASSWORD, "password": NEW_PASSWORD,
                           "confirm": NEW_PASSWORD},
        "/auth/sign-out": {},
    }.items():
        assert signed_in.post(path, data=data).status_code == 400, path
    db.expire_all()
    assert db.get(User, user.id).name != "Someone"
