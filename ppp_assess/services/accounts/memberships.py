"""Who belongs to which organisation: invitations, roles and removal."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ppp_assess.domain.reference import OrgRole, PlatformRole
from ppp_assess.models import Membership, Organisation, User
from ppp_assess.services import outbox
from ppp_assess.services.accounts.users import create_user, find_user
from ppp_assess.services.audit import record_event
from ppp_assess.services.errors import Conflict, Invalid, NotFound
from ppp_assess.services.permissions import Person, get_managed_organisation, holds
from ppp_assess.services.tokens import MEMBERSHIP, LinkClaims


def add_member(session: Session, *, user: User, organisation: Organisation, role: OrgRole,
               actor_id: int | None = None) -> Membership:
    """Make ``user`` a member of ``organisation`` with ``role`` (or change the role)."""
    membership = session.scalar(select(Membership).where(
        Membership.user_id == user.id, Membership.organisation_id == organisation.id))
    before = membership.role.value if membership else None
    if membership is None:
        membership = Membership(user=user, organisation=organisation, role=role)
        session.add(membership)
    else:
        membership.role = role
    session.flush()
    record_event(session, actor_id=actor_id, action="membership.changed", object_type="user",
                 object_id=user.id, organisation_id=organisation.id,
                 before={"role": before}, after={"role": role.value})
    return membership


# --- Organisations and their members ----------------------------------------------------


@dataclass(frozen=True)
class MemberRow:
    """One member of an organisation, as the members page lists them."""

    user: User
    role: OrgRole
    #: Invited but no password set yet.
    pending: bool


@dataclass(frozen=True)
class Invitation:
    """The outcome of inviting someone to an organisation."""

    user: User
    organisation: Organisation
    role: OrgRole
    #: True when the invitee has no password yet and must set one from a mailed link.
    needs_password: bool


def _membership(session: Session, user_id: int, organisation_id: int) -> Membership | None:
    return session.scalar(select(Membership).where(
        Membership.user_id == user_id, Membership.organisation_id == organisation_id))


def my_organisations(session: Session, user: Person) -> list[tuple[Organisation, OrgRole]]:
    """Return the organisations ``user`` belongs to, by name, with the user's role."""
    rows = session.execute(
        select(Organisation, Membership.role)
        .join(Membership, Membership.organisation_id == Organisation.id)
        .where(Membership.user_id == user.id)
        .order_by(Organisation.name)
    ).all()
    return [(organisation, role) for organisation, role in rows]


def list_members(session: Session, organisation: Organisation) -> list[MemberRow]:
    """Return the members of ``organisation``, administrators first, then by name."""
    rows = session.execute(
        select(User, Membership.role)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.organisation_id == organisation.id)
        .order_by(User.name, User.email)
    ).all()
    members = [MemberRow(user=user, role=role, pending=user.password_hash is None)
               for user, role in rows]
    return sorted(members, key=lambda row: row.role != OrgRole.org_admin)


def invite_member(session: Session, actor: Person, organisation_id: int, *, email: str,
                  name: str, role: OrgRole, locale: str | None = None) -> Invitation:
    """Invite someone to an organisation, creating their account if needed.

    Nobody joins without saying yes. Someone who already has a password is mailed a link
    to accept the invitation (:func:`accept_membership`); a new account (or one that
    never set a password) becomes a member that can sign in only after setting a password
    from the invitation link mailed to them. The inviter learns nothing of which it was:
    a deactivated account is mailed nothing, and the answer is the same.

    :param locale: the language the invitation was made in, for a person without a
        preference of their own.

    :raises NotFound: when ``actor`` may not see the organisation.
    :raises Forbidden: when ``actor`` may not manage its members.
    :raises Conflict: when the organisation is deactivated, the person is already an
        active member, or holds a reviewer or evaluator role.
    :raises Invalid: for an empty name.
    """
    organisation = get_managed_organisation(session, actor, organisation_id)
    if not organisation.active:
        raise Conflict("This organisation is deactivated; it cannot take new members.")
    user = find_user(session, email)
    if user is None:
        if not name.strip():
            raise Invalid("Enter the name of the person you invite.", fields={"name": "required"})
        user = create_user(session, email=email, name=name, actor_id=actor.id)
    if holds(user, PlatformRole.reviewer, PlatformRole.evaluator):
        # A member could no longer review or certify the organisation's assessments.
        raise Conflict("Reviewers and evaluators cannot be members of an organisation whose "
                       "assessments they may review or certify.", code="independent_role")
    membership = _membership(session, user.id, organisation.id)
    if membership is not None and user.password_hash is not None:
        raise Conflict("%(email)s is already a member of this organisation.",
                       {"email": user.email})
    if user.password_hash is not None:
        # An account of its own: the person decides whether to join.
        record_event(session, actor_id=actor.id, action="membership.invited",
                     object_type="user", object_id=user.id, organisation_id=organisation.id,
                     after={"email": user.email, "role": role.value, "pending": True,
                            "delivered": user.active})
        if user.active:
            outbox.enqueue(session, outbox.MEMBERSHIP_NOTICE, recipient=user, locale=locale,
                           organisation_id=organisation.id, inviter_id=actor.id,
                           role=role.value)
        return Invitation(user=user, organisation=organisation, role=role,
                          needs_password=False)
    if membership is None or membership.role != role:
        add_member(session, user=user, organisation=organisation, role=role, actor_id=actor.id)
    record_event(session, actor_id=actor.id, action="membership.invited", object_type="user",
                 object_id=user.id, organisation_id=organisation.id,
                 after={"email": user.email, "role": role.value})
    outbox.enqueue(session, outbox.INVITATION, recipient=user, locale=locale,
                   organisation_id=organisation.id, inviter_id=actor.id)
    return Invitation(user=user, organisation=organisation, role=role,
                      needs_password=user.password_hash is None)


def accept_membership(session: Session, user: User, claims: LinkClaims) -> Organisation:
    """Make ``user`` a member as the invitation link ``claims`` offers, at their word.

    :raises NotFound: when the link is for another account or the organisation is gone.
    :raises Conflict: when the organisation is deactivated, or the role is no longer one
        the person may hold.
    """
    if claims.purpose != MEMBERSHIP or claims.user_id != user.id or claims.role is None:
        raise NotFound("This invitation is not for your account.")
    organisation = session.get(Organisation, claims.organisation_id or 0)
    if organisation is None:
        raise NotFound("This organisation does not exist.")
    if not organisation.active:
        raise Conflict("This organisation is deactivated; it cannot take new members.")
    if holds(user, PlatformRole.reviewer, PlatformRole.evaluator):
        raise Conflict("Reviewers and evaluators cannot be members of an organisation whose "
                       "assessments they may review or certify.", code="independent_role")
    if _membership(session, user.id, organisation.id) is None:
        add_member(session, user=user, organisation=organisation, role=OrgRole(claims.role),
                   actor_id=user.id)
        record_event(session, actor_id=user.id, action="membership.invitation_accepted",
                     object_type="user", object_id=user.id, organisation_id=organisation.id,
                     after={"role": claims.role})
    return organisation


def _other_admins(session: Session, organisation_id: int, user_id: int) -> int:
    return session.scalar(select(func.count()).select_from(Membership).where(
        Membership.organisation_id == organisation_id, Membership.role == OrgRole.org_admin,
        Membership.user_id != user_id)) or 0


def _target_membership(session: Session, organisation: Organisation, user_id: int) -> Membership:
    membership = _membership(session, user_id, organisation.id)
    if membership is None:
        raise NotFound("This person is not a member of the organisation.")
    return membership


def set_member_role(session: Session, actor: Person, organisation_id: int, user_id: int,
                    role: OrgRole) -> Membership:
    """Change a member's role in the organisation.

    :raises NotFound: when the organisation or the member is unknown to ``actor``.
    :raises Forbidden: when ``actor`` may not manage members.
    :raises Conflict: when this would leave the organisation without an administrator.
    """
    organisation = get_managed_organisation(session, actor, organisation_id)
    membership = _target_membership(session, organisation, user_id)
    if membership.role == role:
        return membership
    if (membership.role == OrgRole.org_admin
            and _other_admins(session, organisation.id, user_id) == 0):
        raise Conflict("An organisation needs at least one administrator. Make someone else "
                       "an administrator first.")
    return add_member(session, user=membership.user, organisation=organisation, role=role,
                      actor_id=actor.id)


def remove_member(session: Session, actor: Person, organisation_id: int, user_id: int) -> User:
    """Remove a member from the organisation.

    :return: the user who was removed.
    :raises NotFound: when the organisation or the member is unknown to ``actor``.
    :raises Forbidden: when ``actor`` may not manage members.
    :raises Conflict: when this would leave the organisation without an administrator.
    """
    organisation = get_managed_organisation(session, actor, organisation_id)
    membership = _target_membership(session, organisation, user_id)
    if (membership.role == OrgRole.org_admin
            and _other_admins(session, organisation.id, user_id) == 0):
        raise Conflict("An organisation needs at least one administrator. Make someone else "
                       "an administrator first.")
    user = membership.user
    role = membership.role
    session.delete(membership)
    session.flush()
    session.expire(user, ["memberships"])
    record_event(session, actor_id=actor.id, action="membership.removed", object_type="user",
                 object_id=user.id, organisation_id=organisation.id,
                 before={"role": role.value}, after=None)
    return user


def user_memberships(session: Session, user: Person) -> list[tuple[Organisation, OrgRole]]:
    """Return the organisations ``user`` belongs to, with the role in each."""
    return my_organisations(session, user)
