"""Organisation members: who sees them, and who may invite, re-role and remove."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from ppp_assess.domain.reference import OrgRole, PlatformRole
from ppp_assess.models import AuditEvent, Membership
from tests.factories import sign_in


@pytest.fixture
def two_orgs(factory, db):
    ours = factory.organisation(name="Ours")
    theirs = factory.organisation(name="Theirs")
    people = {
        "admin": factory.user(organisation=ours, role=OrgRole.org_admin, name="Our Admin"),
        "respondent": factory.user(organisation=ours, name="Our Respondent"),
        "their_admin": factory.user(organisation=theirs, role=OrgRole.org_admin,
                                    name="Their Admin"),
        "their_respondent": factory.user(organisation=theirs, name="Their Respondent"),
    }
    db.commit()
    return ours, theirs, people


def _membership(db, user, org) -> Membership | None:
    db.expire_all()
    return db.scalar(select(Membership).where(Membership.user_id == user.id,
                                              Membership.organisation_id == org.id))


def test_members_see_their_organisation(client, two_orgs) -> None:
    ours, _theirs, people = two_orgs
    sign_in(client, people["respondent"].email)
    index = client.get("/organisations/")
    assert index.status_code == 200 and b"Ours" in index.data and b"Theirs" not in index.data
    page = client.get(f"/organisations/{ours.id}/members")
    assert page.status_code == 200
    assert b"Our Admin" in page.data and b"Their Admin" not in page.data
    assert b"Invite a colleague" not in page.data and b"Change role" not in page.data


def test_an_org_admin_cannot_touch_another_organisation(client, two_orgs, db) -> None:
    ours, theirs, people = two_orgs
    sign_in(client, people["admin"].email)
    target = people["their_respondent"]
    assert client.get(f"/organisations/{theirs.id}/members").status_code == 404
    assert client.post(f"/organisations/{theirs.id}/members/invite",
                       data={"email": "x@example.org", "name": "X", "role": "respondent"}
                       ).status_code == 404
    assert client.post(f"/organisations/{theirs.id}/members/{target.id}/role",
                       data={"role": "org_admin"}).status_code == 404
    assert client.post(f"/organisations/{theirs.id}/members/{target.id}/remove"
                       ).status_code == 404
    # Their member is not ours either: addressing them through our organisation is 404 too.
    assert client.post(f"/organisations/{ours.id}/members/{target.id}/remove"
                       ).status_code == 404
    assert _membership(db, target, theirs).role == OrgRole.respondent
    assert client.get("/organisations/999999/members").status_code == 404


def test_respondents_cannot_manage_members(client, two_orgs, db) -> None:
    ours, _theirs, people = two_orgs
    sign_in(client, people["respondent"].email)
    assert client.post(f"/organisations/{ours.id}/members/invite",
                       data={"email": "x@example.org", "name": "X", "role": "respondent"}
                       ).status_code == 403
    assert client.post(f"/organisations/{ours.id}/members/{people['admin'].id}/remove"
                       ).status_code == 403
    assert _membership(db, people["admin"], ours) is not None


def test_an_org_admin_changes_roles_and_removes_members(client, two_orgs, db) -> None:
    ours, _theirs, people = two_orgs
    admin, respondent = people["admin"], people["respondent"]
    sign_in(client, admin.email)

    alone = client.post(f"/organisations/{ours.id}/members/{admin.id}/role",
                        data={"role": "respondent"}, follow_redirects=True)
    assert b"at least one administrator" in alone.data
    assert _membership(db, admin, ours).role == OrgRole.org_admin

    promoted = client.post(f"/organisations/{ours.id}/members/{respondent.id}/role",
                           data={"role": "org_admin"})
    assert promoted.status_code == 302
    assert _membership(db, respondent, ours).role == OrgRole.org_admin
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "membership.changed",
                                               AuditEvent.object_id == str(respondent.id),
                                               AuditEvent.actor_id == admin.id))
    assert event is not None
    assert (event.before, event.after) == ({"role": "respondent"}, {"role": "org_admin"})

    removed = client.post(f"/organisations/{ours.id}/members/{respondent.id}/remove")
    assert removed.status_code == 302
    assert _membership(db, respondent, ours) is None
    assert db.scalar(select(AuditEvent).where(AuditEvent.action == "membership.removed",
                                              AuditEvent.object_id == str(respondent.id),
                                              AuditEvent.organisation_id == ours.id)) is not None

    last = client.post(f"/organisations/{ours.id}/members/{admin.id}/remove",
                       follow_redirects=True)
    assert b"at least one administrator" in last.data
    assert _membership(db, admin, ours) is not None


def test_a_removed_member_loses_access(app, client, two_orgs) -> None:
    ours, _theirs, people = two_orgs
    member = app.test_client()
    sign_in(member, people["respondent"].email)
    assert member.get(f"/organisations/{ours.id}/members").status_code == 200
    sign_in(client, people["admin"].email)
    client.post(f"/organisations/{ours.id}/members/{people['respondent'].id}/remove")
    assert member.get(f"/organisations/{ours.id}/members").status_code == 404


def test_invitation_form_errors_are_shown(client, two_orgs) -> None:
    ours, _theirs, people = two_orgs
    sign_in(client, people["admin"].email)
    page = client.post(f"/organisations/{ours.id}/members/invite",
                       data={"email": "not an address", "name": "", "role": "boss"})
    assert page.status_code == 422
    assert b"error-summary" in page.data
    assert b'href="#email"' in page.data and b'href="#role"' in page.data


def test_platform_admins_manage_any_organisation(client, factory, db, two_orgs) -> None:
    _ours, theirs, people = two_orgs
    operator = factory.user(role=None, platform_roles=(PlatformRole.admin,))
    db.commit()
    sign_in(client, operator.email)
    assert b"Invite a colleague" in client.get(f"/organisations/{theirs.id}/members").data
    client.post(f"/organisations/{theirs.id}/members/{people['their_respondent'].id}/role",
                data={"role": "org_admin"})
    assert _membership(db, people["their_respondent"], theirs).role == OrgRole.org_admin


def test_deactivated_organisations_take_no_new_members(client, two_orgs, db) -> None:
    ours, _theirs, people = two_orgs
    ours.active = False
    db.commit()
    sign_in(client, people["admin"].email)
    refused = client.post(f"/organisations/{ours.id}/members/invite",
                          data={"email": "x@example.org", "name": "X", "role": "respondent"})
    assert refused.status_code == 409


def test_member_forms_require_csrf(csrf_app, two_orgs, db) -> None:
    ours, _theirs, people = two_orgs
    client = csrf_app.test_client()
    page = client.get("/auth/sign-in")
    token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page.data).group(1)
    assert client.post("/auth/sign-in", data={"email": people["admin"].email,
                                              "password": "correct horse battery staple",
                                              "csrf_token": token.decode()}).status_code == 302
    respondent = people["respondent"]
    for path, data in {
        f"/organisations/{ours.id}/members/invite": {"email": "x@example.org", "name": "X",
                                                     "role": "respondent"},
        f"/organisations/{ours.id}/members/{respondent.id}/role": {"role": "org_admin"},
        f"/organisations/{ours.id}/members/{respondent.id}/remove": {},
    }.items():
        assert client.post(path, data=data).status_code == 400, path
    assert _membership(db, respondent, ours).role == OrgRole.respondent
