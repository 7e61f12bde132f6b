"""Members of an organisation: invitations, roles and removal, without HTTP."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from ppp_assess.domain.reference import OrgRole
from ppp_assess.models import AuditEvent, Membership
from ppp_assess.services import accounts
from ppp_assess.services.errors import Conflict, Forbidden, NotFound


def _actions(db) -> list[str]:
    return list(db.scalars(select(AuditEvent.action).order_by(AuditEvent.sequence)))


def test_invite_creates_a_pending_member_and_refuses_outsiders(db, factory) -> None:
    org = factory.organisation()
    other = factory.organisation()
    admin = factory.user(organisation=org, role=OrgRole.org_admin)
    respondent = factory.user(organisation=org)
    outsider = factory.user(organisation=other, role=OrgRole.org_admin)

    invitation = accounts.invite_member(db, admin, org.id, email=" New.Person@Example.org ",
                                        name="New Person", role=OrgRole.respondent)
    assert invitation.needs_password
    assert invitation.user.email == "new.person@example.org"
    assert invitation.user.password_hash is None
    rows = accounts.list_members(db, org)
    assert any(row.user.id == invitation.user.id and row.pending for row in rows)
    assert "membership.invited" in _actions(db)

    with pytest.raises(NotFound):
        accounts.invite_member(db, outsider, org.id, email="x@example.org", name="X",
                               role=OrgRole.respondent)
    with pytest.raises(Forbidden):
        accounts.invite_member(db, respondent, org.id, email="x@example.org", name="X",
                               role=OrgRole.respondent)


def test_inviting_an_existing_account_waits_for_its_consent(db, factory) -> None:
    from ppp_assess.services import permissions
    from ppp_assess.services.tokens import MEMBERSHIP, LinkClaims

    org = factory.organisation()
    admin = factory.user(organisation=org, role=OrgRole.org_admin)
    existing = factory.user()
    invitation = accounts.invite_member(db, admin, org.id, email=existing.email, name="",
                                        role=OrgRole.org_admin)
    assert not invitation.needs_password
    assert invitation.user.id == existing.id
    assert not permissions.is_member(db, existing, org.id)
    claims = LinkClaims(purpose=MEMBERSHIP, user_id=existing.id, fingerprint="",
                        organisation_id=org.id, role=OrgRole.org_admin.value)
    # Only the invited account can accept.
    with pytest.raises(NotFound):
        accounts.accept_membership(db, admin, claims)
    accounts.accept_membership(db, existing, claims)
    assert permissions.is_org_admin(db, existing, org.id)
    with pytest.raises(Conflict):
        accounts.invite_member(db, admin, org.id, email=existing.email, name="",
                               role=OrgRole.respondent)


def test_a_deactivated_account_is_answered_alike_and_mailed_nothing(db, factory) -> None:
    from sqlalchemy import func, select

    from ppp_assess.models import OutboxMessage

    org = factory.organisation()
    admin = factory.user(organisation=org, role=OrgRole.org_admin)
    sleeping = factory.user()
    sleeping.active = False
    db.flush()
    before = db.scalar(select(func.count()).select_from(OutboxMessage))
    invitation = accounts.invite_member(db, admin, org.id, email=sleeping.email, name="",
                                        role=OrgRole.respondent)
    assert not invitation.needs_password
    assert db.scalar(select(func.count()).select_from(OutboxMessage)) == before


def test_the_last_org_admin_can_be_neither_demoted_nor_removed(db, factory) -> None:
    org = factory.organisation()
    admin = factory.user(organisation=org, role=OrgRole.org_admin)
    colleague = factory.user(organisation=org)
    with pytest.raises(Conflict):
        accounts.set_member_role(db, admin, org.id, admin.id, OrgRole.respondent)
    with pytest.raises(Conflict):
        accounts.remove_member(db, admin, org.id, admin.id)
    accounts.set_member_role(db, admin, org.id, colleague.id, OrgRole.org_admin)
    accounts.remove_member(db, admin, org.id, admin.id)
    remaining = db.scalars(select(Membership).where(Membership.organisation_id == org.id)).all()
    assert [(row.user_id, row.role) for row in remaining] == [(colleague.id, OrgRole.org_admin)]
    assert _actions(db)[-2:] == ["membership.changed", "membership.removed"]
