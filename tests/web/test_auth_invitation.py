"""Inviting colleagues: the mailed link, activation, and links that must not work."""

from __future__ import annotations

import re

import itsdangerous.timed
import pytest
from sqlalchemy import select

from ppp_assess.config import get_settings
from ppp_assess.domain.reference import OrgRole
from ppp_assess.mail.transport import sent_messages
from ppp_assess.models import AuditEvent, Membership, User
from ppp_assess.services import tokens
from tests.factories import sign_in

CHOSEN = "limestone quarry by the sea"


@pytest.fixture
def team(factory, db):
    org = factory.organisation(name="Copper Belt PPP Unit")
    admin = factory.user(organisation=org, role=OrgRole.org_admin, name="Zola Banda")
    db.commit()
    return org, admin


def _mails(app) -> list:
    return sent_messages(get_settings(app))


def _link(message) -> str:
    match = re.search(r"http://ppp\.test(/\S+)", message.get_content())
    assert match, message.get_content()
    return match.group(1)


def _invite(client, org, email="new.colleague@example.org", name="New Colleague",
            role="respondent"):
    return client.post(f"/organisations/{org.id}/members/invite",
                       data={"email": email, "name": name, "role": role})


def test_invitation_end_to_end(app, client, db, team) -> None:
    org, admin = team
    sign_in(client, admin.email)
    response = _invite(client, org, role="org_admin")
    assert response.status_code == 302
    (message,) = _mails(app)
    assert message["To"] == "new.colleague@example.org"
    assert "Copper Belt PPP Unit" in message["Subject"]
    assert "Zola Banda" in message.get_content()
    link = _link(message)
    assert link.startswith("/auth/invitation/")

    invitee = app.test_client()
    form = invitee.get(link)
    assert form.status_code == 200
    assert b"new.colleague@example.org" in form.data and b'value="New Colleague"' in form.data
    # Before accepting, the invited account cannot sign in with any password.
    assert invitee.post("/auth/sign-in", data={"email": "new.colleague@example.org",
                                               "password": CHOSEN}).status_code == 200

    accepted = invitee.post(link, data={"name": "Mwila Chanda", "password": CHOSEN,
                                        "confirm": CHOSEN})
    assert accepted.status_code == 302
    assert accepted.headers["Location"] == f"/organisations/{org.id}/members"
    page = invitee.get(accepted.headers["Location"])
    assert page.status_code == 200 and b"Mwila Chanda" in page.data

    db.expire_all()
    user = db.scalar(select(User).where(User.email == "new.colleague@example.org"))
    membership = db.scalar(select(Membership).where(Membership.user_id == user.id))
    assert membership.organisation_id == org.id and membership.role == OrgRole.org_admin
    actions = list(db.scalars(select(AuditEvent.action).where(
        AuditEvent.object_id == str(user.id), AuditEvent.object_type == "user")))
    assert {"user.created", "membership.changed", "membership.invited", "user.password_set",
            "membership.invitation_accepted"} <= set(actions)

    # The link worked once.
    again = app.test_client().get(link)
    assert again.status_code == 400
    invitee.post("/auth/sign-out")
    sign_in(invitee, "new.colleague@example.org", CHOSEN)


def test_an_existing_account_joins_only_when_it_accepts(app, client, factory, db,
                                                        team) -> None:
    org, admin = team
    existing = factory.user(name="Already Here")
    stranger = factory.user(name="Someone Else")
    db.commit()
    sign_in(client, admin.email)
    # The inviter is answered alike: nothing tells whether the address had an account.
    answers = []
    for email, name in ((existing.email, ""), ("nobody.yet@example.org", "Nobody Yet")):
        sent = _invite(client, org, email=email, name=name)
        assert sent.status_code == 302
        answer = client.get(sent.headers["Location"]).get_data(as_text=True)
        notice = re.search(r"We have sent an invitation to [^<]*", answer)
        assert notice is not None
        answers.append(notice.group(0).replace(email, "EMAIL"))
    assert answers[0] == answers[1]
    message = next(mail for mail in _mails(app) if mail["To"] == existing.email)
    assert "Copper Belt PPP Unit" in message["Subject"]
    link = _link(message)
    assert link.startswith("/organisations/join/")
    page = client.get(f"/organisations/{org.id}/members")
    assert b"Already Here" not in page.data  # not a member before saying yes

    # Someone else signed in cannot use the link.
    other = app.test_client()
    sign_in(other, stranger.email)
    assert other.get(link).status_code == 404
    assert other.post(link).status_code == 404

    invitee = app.test_client()
    sign_in(invitee, existing.email)
    offer = invitee.get(link)
    assert offer.status_code == 200 and b"Join Copper Belt PPP Unit" in offer.data
    db.expire_all()
    assert db.scalar(select(Membership).where(Membership.user_id == existing.id)) is None
    accepted = invitee.post(link)
    assert accepted.status_code == 302
    assert accepted.headers["Location"] == f"/organisations/{org.id}/members"
    assert b"Already Here" in client.get(f"/organisations/{org.id}/members").data
    db.expire_all()
    assert "membership.invitation_accepted" in set(db.scalars(select(AuditEvent.action).where(
        AuditEvent.object_id == str(existing.id))))
    twice = _invite(client, org, email=existing.email, name="")
    assert twice.status_code == 409
    assert b"already a member" in twice.data


def test_an_expired_invitation_is_refused(app, client, db, team, monkeypatch) -> None:
    org, admin = team
    sign_in(client, admin.email)
    _invite(client, org)
    link = _link(_mails(app)[0])
    real = itsdangerous.timed.TimestampSigner.get_timestamp
    # A week and a minute later:
    monkeypatch.setattr(itsdangerous.timed.TimestampSigner, "get_timestamp",
                        lambda self: real(self) + tokens.MAX_AGE[tokens.INVITATION] + 60)
    refused = app.test_client().post(link, data={"name": "X", "password": CHOSEN,
                                                 "confirm": CHOSEN})
    monkeypatch.setattr(itsdangerous.timed.TimestampSigner, "get_timestamp", real)
    assert refused.status_code == 400
    assert b"expired" in refused.data
    db.expire_all()
    user = db.scalar(select(User).where(User.email == "new.colleague@example.org"))
    assert user.password_hash is None


def test_a_tampered_invitation_is_refused(app, client, db, team) -> None:
    org, admin = team
    sign_in(client, admin.email)
    _invite(client, org)
    link = _link(_mails(app)[0])
    head, _, signature = link.rpartition(".")
    tampered = f"{head}.{signature[::-1]}"
    assert app.test_client().get(tampered).status_code == 400
    # A reset token is no invitation, even for the same account.
    user = db.scalar(select(User).where(User.email == "new.colleague@example.org"))
    reset = tokens.make_link_token(get_settings(app).secret_key, tokens.PASSWORD_RESET, user)
    assert app.test_client().get(f"/auth/invitation/{reset}").status_code == 400


def test_a_withdrawn_invitation_is_refused(app, client, db, team) -> None:
    org, admin = team
    sign_in(client, admin.email)
    _invite(client, org)
    link = _link(_mails(app)[0])
    user = db.scalar(select(User).where(User.email == "new.colleague@example.org"))
    removed = client.post(f"/organisations/{org.id}/members/{user.id}/remove")
    assert removed.status_code == 302
    refused = app.test_client().get(link)
    assert refused.status_code == 400
    assert b"withdrawn" in refused.data


def test_password_rules_apply_to_the_invitee(app, client, db, team) -> None:
    org, admin = team
    sign_in(client, admin.email)
    _invite(client, org)
    link = _link(_mails(app)[0])
    invitee = app.test_client()
    for password, message in (("too short", b"at least 12 characters"),
                              ("iloveyou1234", b"too common"),
                              ("new.colleague@example.org", b"must not be your e-mail"),
                              ("Mwila Chanda Mwila", b"must not be your e-mail address or "
                                                     b"your name")):
        page = invitee.post(link, data={"name": "Mwila Chanda Mwila", "password": password,
                                        "confirm": password})
        assert page.status_code == 200, password
        assert message in page.data, password
    assert invitee.get(link).status_code == 200


def test_the_mail_is_in_the_invitees_language_else_the_inviters(app, client, factory, db,
                                                                 team) -> None:
    app.extensions["ppp_locales"] = ("en", "fr", "ar")
    org, admin = team
    admin.locale = "ar"
    known = factory.user(locale="fr", password_hash=None, name="Pending Person")
    db.commit()
    sign_in(client, admin.email)
    _invite(client, org, email=known.email, name="Pending Person")
    _invite(client, org, email="fresh@example.org", name="Fresh Person")
    first, second = _mails(app)
    assert (first["To"], first["Content-Language"]) == (known.email, "fr")
    assert (second["To"], second["Content-Language"]) == ("fresh@example.org", "ar")
