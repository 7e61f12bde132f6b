"""Organisations, users, memberships and platform roles."""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from ppp_assess.domain.reference import REGIONS, OrgRole, PlatformRole
from ppp_assess.models import Membership, Organisation, PlatformRoleGrant, User
from ppp_assess.services.audit import record_event
from ppp_assess.services.errors import Invalid
from ppp_assess.services.passwords import hash_password

log = logging.getLogger(__name__)


def normalise_email(email: str) -> str:
    """Return ``email`` trimmed and lower-cased, the form it is stored in."""
    return email.strip().lower()


def find_user(session: Session, email: str) -> User | None:
    """Return the user with ``email``, if any."""
    return session.scalar(select(User).where(User.email == normalise_email(email)))


def create_organisation(session: Session, *, name: str, country: str, region: str,
                        actor_id: int | None = None) -> Organisation:
    """Create an organisation.

    :raises Invalid: for an unknown region or a malformed country code.
    """
    country = country.strip().upper()
    if len(country) != 2 or not country.isalpha():
        raise Invalid("Give the country as a two-letter ISO 3166 code.",
                      fields={"country": "invalid"})
    if region not in REGIONS:
        raise Invalid("Choose a region from the list.", fields={"region": "invalid"})
    organisation = Organisation(name=name.strip(), country=country, region=region, active=True)
    session.add(organisation)
    session.flush()
    record_event(session, actor_id=actor_id, action="organisation.created",
                 object_type="organisation", object_id=organisation.id,
                 organisation_id=organisation.id,
                 after={"name": organisation.name, "country": country, "region": region})
    return organisation


def create_user(session: Session, *, email: str, name: str, password: str | None = None,
                locale: str | None = None, actor_id: int | None = None,
                password_hash: str | None = None) -> User:
    """Create a user; without a password the user must set one from an invitation."""
    user = User(email=normalise_email(email), name=name.strip(), locale=locale, active=True,
                session_version=1,
                password_hash=password_hash or (hash_password(password) if password else None))
    session.add(user)
    session.flush()
    record_event(session, actor_id=actor_id, action="user.created", object_type="user",
                 object_id=user.id, after={"email": user.email})
    return user


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


def grant_platform_role(session: Session, *, user: User, role: PlatformRole,
                        actor_id: int | None = None) -> None:
    """Give ``user`` a platform role (nothing happens if they hold it already)."""
    if user.has_platform_role(role):
        return
    user.platform_roles.append(PlatformRoleGrant(role=role))
    session.flush()
    record_event(session, actor_id=actor_id, action="role.granted", object_type="user",
                 object_id=user.id, after={"role": role.value})
