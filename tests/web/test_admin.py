"""Platform administration pages: organisations, users, roles, questionnaires, audit log."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from ppp_assess.config import get_settings
from ppp_assess.domain.reference import OrgRole, PlatformRole
from ppp_assess.mail.transport import sent_messages
from ppp_assess.models import AuditEvent, Organisation, User
from ppp_assess.services.audit import record_event
from tests.factories import PASSWORD, sign_in

ADMIN_PAGES = ("/admin/", "/admin/organisations", "/admin/organisations/new", "/admin/users",
               "/admin/users/new", "/admin/questionnaires", "/admin/audit")


@pytest.fixture
def operator(factory, db) -> User:
    user = factory.user(role=None, platform_roles=(PlatformRole.admin,), name="Operator")
    db.commit()
    return user


@pytest.fixture
def admin_client(client, operator):
    sign_in(client, operator.email)
    return client


def _event(db, action: str, object_id: object) -> AuditEvent | None:
    db.expire_all()
    return db.scalar(select(AuditEvent).where(AuditEvent.action == action,
                                              AuditEvent.object_id == str(object_id))
                     .order_by(AuditEvent.sequence.desc()))


def test_admin_pages_answer_404_to_everyone_else(app, factory, db, operator) -> None:
    org = factory.organisation()
    people = [factory.user(organisation=org), factory.user(organisation=org,
                                                           role=OrgRole.org_admin),
              factory.user(role=None, platform_roles=(PlatformRole.reviewer,)),
              factory.user(role=None, platform_roles=(PlatformRole.evaluator,))]
    db.commit()
    pages = [*ADMIN_PAGES, f"/admin/organisations/{org.id}", f"/admin/users/{operator.id}"]
    for person in people:
        client = app.test_client()
        sign_in(client, person.email)
        for path in pages:
            assert client.get(path).status_code == 404, (person.email, path)
        assert client.post(f"/admin/users/{person.id}/roles",
                           data={"role": "admin"}).status_code == 404
        assert b"/admin/" not in client.get("/").data
    anonymous = app.test_client()
    for path in pages:
        response = anonymous.get(path)
        assert response.status_code == 302 and "/auth/sign-in" in response.headers["Location"]


def test_admins_see_every_page(admin_client, factory, db) -> None:
    org = factory.organisation()
    db.commit()
    for path in (*ADMIN_PAGES, f"/admin/organisations/{org.id}"):
        response = admin_client.get(path)
        assert response.status_code == 200, path
        assert response.data.count(b"<h1") == 1, path
    assert b'href="/admin/"' in admin_client.get("/").data


def test_organisations_are_created_edited_and_deactivated(admin_client, db, operator) -> None:
    created = admin_client.post("/admin/organisations/new", data={
        "name": "Mineral Resources Authority", "country": "zm", "region": "africa"})
    assert created.status_code == 302
    org = db.scalar(select(Organisation).where(Organisation.name == "Mineral Resources "
                                                                    "Authority"))
    assert org is not None and org.country == "ZM"
    assert created.headers["Location"] == f"/organisations/{org.id}/members"
    assert _event(db, "organisation.created", org.id).actor_id == operator.id

    duplicate = admin_client.post("/admin/organisations/new", data={
        "name": "mineral resources authority", "country": "ZM", "region": "africa"})
    assert duplicate.status_code == 409 and b"exists already" in duplicate.data
    bad = admin_client.post("/admin/organisations/new", data={
        "name": "Other", "country": "Z1", "region": "mars"})
    assert bad.status_code == 200 and b"error-summary" in bad.data

    edited = admin_client.post(f"/admin/organisations/{org.id}", data={
        "name": "Mineral Resources Development Authority", "country": "ZM",
        "region": "africa"})
    assert edited.status_code == 302
    event = _event(db, "organisation.updated", org.id)
    assert event.before["name"] == "Mineral Resources Authority"
    assert event.after["name"] == "Mineral Resources Development Authority"

    assert admin_client.post(f"/admin/organisations/{org.id}/deactivate").status_code == 302
    db.expire_all()
    assert not db.get(Organisation, org.id).active
    assert _event(db, "organisation.deactivated", org.id).actor_id == operator.id
    listing = admin_client.get("/admin/organisations")
    assert b"Mineral Resources Development Authority" in listing.data
    assert b"Deactivated" in listing.data
    admin_client.post(f"/admin/organisations/{org.id}/activate")
    db.expire_all()
    assert db.get(Organisation, org.id).active
    assert admin_client.get("/admin/organisations/999999").status_code == 404


def test_users_are_listed_and_searched(admin_client, factory, db) -> None:
    factory.user(email="ana.perez@ministry.example", name="Ana Pérez")
    factory.user(email="li.wei@agency.example", name="Li Wei")
    db.commit()
    found = admin_client.get("/admin/users?q=ministry")
    assert b"ana.perez@ministry.example" in found.data
    assert b"li.wei@agency.example" not in found.data
    by_name = admin_client.get("/admin/users?q=li+wei")
    assert b"li.wei@agency.example" in by_name.data


def test_users_are_paginated(admin_client, factory, db) -> None:
    for number in range(55):
        factory.user(email=f"paged{number:02d}@example.org")
    db.commit()
    first = admin_client.get("/admin/users?q=paged")
    assert first.data.count(b"@example.org</a>") == 50
    assert b"Page 1 of 2" in first.data
    second = admin_client.get("/admin/users?q=paged&page=2")
    assert second.data.count(b"@example.org</a>") == 5


def test_roles_are_granted_and_revoked_with_audit_events(admin_client, factory, db,
                                                         operator) -> None:
    user = factory.user()
    db.commit()
    for role in ("reviewer", "evaluator", "admin"):
        assert admin_client.post(f"/admin/users/{user.id}/roles",
                                 data={"role": role}).status_code == 302
    db.expire_all()
    stored = db.get(User, user.id)
    assert {grant.role for grant in stored.platform_roles} == set(PlatformRole)
    granted = db.scalars(select(AuditEvent).where(AuditEvent.action == "role.granted",
                                                  AuditEvent.object_id == str(user.id))).all()
    assert sorted(event.after["role"] for event in granted) == ["admin", "evaluator",
                                                               "reviewer"]
    assert {event.actor_id for event in granted} == {operator.id}

    admin_client.post(f"/admin/users/{user.id}/roles/reviewer/revoke")
    event = _event(db, "role.revoked", user.id)
    assert event.before == {"role": "reviewer"} and event.actor_id == operator.id
    db.expire_all()
    assert not db.get(User, user.id).has_platform_role(PlatformRole.reviewer)

    own = admin_client.post(f"/admin/users/{operator.id}/roles/admin/revoke",
                            follow_redirects=True)
    assert b"cannot remove your own administrator role" in own.data
    db.expire_all()
    assert db.get(User, operator.id).has_platform_role(PlatformRole.admin)


def test_an_administrator_cannot_grant_themselves_a_role(admin_client, db, operator) -> None:
    events = db.scalar(select(func.count()).select_from(AuditEvent))
    page = admin_client.post(f"/admin/users/{operator.id}/roles", data={"role": "evaluator"},
                             follow_redirects=True)
    assert b"cannot give yourself a role" in page.data
    db.expire_all()
    assert not db.get(User, operator.id).has_platform_role(PlatformRole.evaluator)
    assert db.scalar(select(func.count()).select_from(AuditEvent)) == events


def test_granted_roles_take_effect(app, admin_client, factory, db) -> None:
    user = factory.user()
    db.commit()
    other = app.test_client()
    sign_in(other, user.email)
    assert other.get("/admin/").status_code == 404
    admin_client.post(f"/admin/users/{user.id}/roles", data={"role": "admin"})
    assert other.get("/admin/").status_code == 200


def test_deactivation_ends_sessions_and_blocks_sign_in(app, admin_client, factory, db,
                                                       operator) -> None:
    user = factory.user()
    db.commit()
    victim = app.test_client()
    sign_in(victim, user.email)
    assert b"Sign out" in victim.get("/").data

    assert admin_client.post(f"/admin/users/{user.id}/deactivate").status_code == 302
    assert b"Sign out" not in victim.get("/").data
    assert victim.post("/auth/sign-in", data={"email": user.email, "password": PASSWORD}
                       ).status_code == 200
    event = _event(db, "user.deactivated", user.id)
    assert event.actor_id == operator.id and event.after == {"active": False}
    assert _event(db, "user.sessions_ended", user.id).after == {"reason": "deactivated"}

    admin_client.post(f"/admin/users/{user.id}/activate")
    sign_in(victim, user.email)
    assert _event(db, "user.activated", user.id) is not None

    self_service = admin_client.post(f"/admin/users/{operator.id}/deactivate",
                                     follow_redirects=True)
    assert b"cannot deactivate your own account" in self_service.data


def test_admins_open_accounts_that_activate_from_the_mail(app, admin_client, db) -> None:
    response = admin_client.post("/admin/users/new", data={
        "email": "reviewer@board.example", "name": "Board Reviewer", "role": "reviewer"})
    assert response.status_code == 302
    (message,) = sent_messages(get_settings(app))
    assert message["To"] == "reviewer@board.example"
    link = re.search(r"http://ppp\.test(/\S+)", message.get_content()).group(1)
    newcomer = app.test_client()
    accepted = newcomer.post(link, data={"name": "Board Reviewer",
                                         "password": "basalt columns in the fog",
                                         "confirm": "basalt columns in the fog"})
    assert accepted.status_code == 302
    db.expire_all()
    user = db.scalar(select(User).where(User.email == "reviewer@board.example"))
    assert user.has_platform_role(PlatformRole.reviewer) and user.password_hash
    duplicate = admin_client.post("/admin/users/new", data={
        "email": "REVIEWER@board.example", "name": "Again", "role": ""})
    assert duplicate.status_code == 409


def test_admins_can_mail_a_password_link(app, admin_client, factory, db) -> None:
    user = factory.user()
    db.commit()
    admin_client.post(f"/admin/users/{user.id}/password-link")
    (message,) = sent_messages(get_settings(app))
    assert message["To"] == user.email and "/auth/reset-password/" in message.get_content()


def test_questionnaire_versions_are_listed_read_only(admin_client, factory, db) -> None:
    versions = factory.questionnaires()
    db.commit()
    page = admin_client.get("/admin/questionnaires")
    for version in versions.values():
        assert version.questionnaire_id.encode() in page.data
        assert version.content_hash[:12].encode() in page.data
    assert b"<form" not in page.data.split(b"<main", 1)[1].split(b"</main>", 1)[0]


def test_the_audit_log_filters_and_pages(admin_client, factory, db, operator) -> None:
    org = factory.organisation()
    member = factory.user(organisation=org, email="member@org.example")
    for number in range(60):
        record_event(db, actor_id=member.id, action="answer.changed", object_type="assessment",
                     object_id=number, organisation_id=org.id, after={"value": number})
    db.commit()

    newest = admin_client.get("/admin/audit")
    assert newest.status_code == 200
    sequences = [int(number) for number in
                 re.findall(rb'<th scope="row" class="numeric">(\d+)</th>', newest.data)]
    newest_sequence = db.scalar(select(AuditEvent.sequence).order_by(
        AuditEvent.sequence.desc()).limit(1))
    assert len(sequences) == 50
    assert sequences == sorted(sequences, reverse=True)
    assert sequences[0] == newest_sequence

    first = admin_client.get("/admin/audit?action=answer.changed")
    rows = re.findall(rb"assessment (\d+)</code></a>", first.data)
    assert [int(row) for row in rows] == list(range(59, 9, -1))
    older = re.search(rb'href="(/admin/audit\?[^"]*before=\d+[^"]*)"', first.data)
    assert older is not None
    second = admin_client.get(older.group(1).decode().replace("&amp;", "&"))
    assert [int(row) for row in re.findall(rb"assessment (\d+)</code></a>", second.data)] == list(
        range(9, -1, -1))
    newer = re.search(rb'href="(/admin/audit\?[^"]*after=\d+[^"]*)"', second.data)
    back = admin_client.get(newer.group(1).decode().replace("&amp;", "&"))
    assert [int(row) for row in re.findall(rb"assessment (\d+)</code></a>", back.data)] == list(
        range(59, 9, -1))

    by_actor = admin_client.get("/admin/audit?actor=member@org.example&object_id=7")
    assert re.findall(rb"assessment (\d+)</code></a>", by_actor.data) == [b"7"]
    by_actor_id = admin_client.get(f"/admin/audit?actor={operator.id}")
    assert b"<code>user.signed_in</code>" in by_actor_id.data
    assert b"<code>answer.changed</code>" not in by_actor_id.data
    by_type = admin_client.get("/admin/audit?object_type=organisation")
    assert b"<code>organisation.created</code>" in by_type.data
    assert b"<code>answer.changed</code>" not in by_type.data
    by_org = admin_client.get(f"/admin/audit?organisation={org.id}&action=organisation.created")
    assert b"<code>organisation.created</code>" in by_org.data
    unknown = admin_client.get("/admin/audit?actor=nobody@example.org")
    assert b"No event matches" in unknown.data

    today = dt.datetime.now(dt.UTC).date()
    in_range = admin_client.get(f"/admin/audit?action=answer.changed&since={today}"
                                f"&until={today}")
    assert b"assessment 59</code></a>" in in_range.data
    tomorrow = today + dt.timedelta(days=1)
    future = admin_client.get(f"/admin/audit?since={tomorrow}")
    assert b"No event matches" in future.data
    past = admin_client.get(f"/admin/audit?until={today - dt.timedelta(days=1)}")
    assert b"No event matches" in past.data
    invalid = admin_client.get("/admin/audit?since=not-a-date&organisation=-3")
    assert invalid.status_code == 200 and b"error-summary" in invalid.data


def test_the_audit_log_escapes_what_it_shows(admin_client, db) -> None:
    record_event(db, actor_id=None, action="note.added", object_type="note", object_id=1,
                 after={"text": "<script>alert(1)</script>"})
    db.commit()
    page = admin_client.get("/admin/audit?action=note.added")
    assert b"<script>alert(1)</script>" not in page.data
    assert b"&lt;script&gt;" in page.data


def test_admin_forms_require_csrf(csrf_app, factory, db, operator) -> None:
    org = factory.organisation()
    user = factory.user()
    db.commit()
    client = csrf_app.test_client()
    page = client.get("/auth/sign-in")
    token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page.data).group(1)
    assert client.post("/auth/sign-in", data={"email": operator.email, "password": PASSWORD,
                                              "csrf_token": token.decode()}).status_code == 302
    forms = {
        "/admin/organisations/new": {"name": "New", "country": "KZ", "region": "europe"},
        f"/admin/organisations/{org.id}": {"name": "X", "country": "KZ", "region": "europe"},
        f"/admin/organisations/{org.id}/deactivate": {},
        f"/admin/organisations/{org.id}/activate": {},
        "/admin/users/new": {"email": "n@example.org", "name": "N", "role": ""},
        f"/admin/users/{user.id}/deactivate": {},
        f"/admin/users/{user.id}/activate": {},
        f"/admin/users/{user.id}/roles": {"role": "reviewer"},
        f"/admin/users/{user.id}/roles/reviewer/revoke": {},
        f"/admin/users/{user.id}/password-link": {},
    }
    for path, data in forms.items():
        assert client.post(path, data=data).status_code == 400, path
    db.expire_all()
    assert db.get(Organisation, org.id).active and db.get(User, user.id).active
    assert not db.get(User, user.id).platform_roles


def test_admins_set_review_settings_and_see_review_times(client, factory, db) -> None:
    from ppp_assess.services import board, reviews
    from tests.certificate_support import admin
    from tests.services.review_support import ORGANISATION_QUESTIONNAIRE, submitted

    operator = admin(factory)
    case = submitted(factory)
    reviews.start_review(db, case.assessment, reviewer=case.reviewer, declared_no_conflict=True)
    reviews.decide(db, case.assessment, reviewer=case.reviewer, decision="approve")
    db.commit()
    sign_in(client, operator.email)
    url = f"/admin/questionnaires/{ORGANISATION_QUESTIONNAIRE}/review"
    assert client.get(url).status_code == 200
    assert client.get("/admin/questionnaires/no-such-thing/review").status_code == 404
    refused = client.post(url, data={"panel_size": "0", "remind_days_before": "2"})
    assert refused.status_code == 422
    assert board.rules_for(db, ORGANISATION_QUESTIONNAIRE).panel_size == 1
    saved = client.post(url, data={"panel_size": "3", "chair_decides": "y",
                                   "deadline_days": "14", "remind_days_before": "2"})
    assert saved.status_code == 302
    db.expire_all()
    rules = board.rules_for(db, ORGANISATION_QUESTIONNAIRE)
    assert (rules.panel_size, rules.chair_decides, rules.deadline_days) == (3, True, 14)
    page = client.get("/admin/questionnaires").get_data(as_text=True)
    assert 'data-count="1"' in page
