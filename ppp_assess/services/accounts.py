"""Organisations, users, memberships and platform roles."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Generic, TypeVar

from sqlalchemy import ColumnElement, func, or_, select, true
from sqlalchemy.orm import Session, selectinload

from ppp_assess.domain.reference import REGIONS, OrgRole, PlatformRole
from ppp_assess.models import Membership, Organisation, PlatformRoleGrant, User
from ppp_assess.services import outbox
from ppp_assess.services.audit import record_event
from ppp_assess.services.errors import Conflict, Invalid, NotFound
from ppp_assess.services.passwords import hash_password
from ppp_assess.services.permissions import get_managed_organisation

log = logging.getLogger(__name__)

T = TypeVar("T")


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
    country = _check_organisation_fields(country, region)
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


# --- Password rules -------------------------------------------------------------------

#: Shortest password accepted.
PASSWORD_MIN_LENGTH = 12
#: Longest password accepted (hashing cost grows with length; nobody types more).
PASSWORD_MAX_LENGTH = 1024
_COMMON_PASSWORDS_FILE = Path(__file__).with_name("common_passwords.txt")
#: Character runs people type instead of a password: alphabet, digits, keyboard rows.
_RUNS = ("abcdefghijklmnopqrstuvwxyz", "0123456789", "qwertyuiopasdfghjklzxcvbnm",
         "qwertzuiopasdfghjklyxcvbnm", "azertyuiopqsdfghjklmwxcvbn", "1qaz2wsx3edc4rfv5tgb6yhn")


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """Return the shipped list of common passwords, lower-cased."""
    lines = _COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().casefold() for line in lines
                     if line.strip() and not line.startswith("#"))


def _is_pattern(candidate: str) -> bool:
    """Return whether ``candidate`` is a repetition or a typed run rather than a secret."""
    for unit in range(1, 5):
        if len(candidate) % unit == 0 and candidate == candidate[:unit] * (len(candidate) // unit):
            return True
    for run in _RUNS:
        doubled = run * 3
        if candidate in doubled or candidate in doubled[::-1]:
            return True
    return False


def check_password_rules(password: str, *, email: str = "", name: str = "") -> None:
    """Check a new password against the password rules.

    :param email: the account's e-mail address, which the password must not equal.
    :param name: the account holder's name, which the password must not equal.
    :raises Invalid: naming the first rule the password breaks (field ``password``).
    """
    if len(password) < PASSWORD_MIN_LENGTH:
        raise Invalid("Use at least %(count)s characters.", {"count": PASSWORD_MIN_LENGTH},
                      fields={"password": "too_short"})
    if len(password) > PASSWORD_MAX_LENGTH:
        raise Invalid("Use at most %(count)s characters.", {"count": PASSWORD_MAX_LENGTH},
                      fields={"password": "too_long"})
    folded = password.strip().casefold()
    compact = "".join(folded.split())
    personal = {value.strip().casefold() for value in (email, name) if value.strip()}
    personal |= {"".join(value.split()) for value in personal}
    if email.strip():
        personal.add(email.strip().casefold().partition("@")[0])
    if folded in personal or compact in personal:
        raise Invalid("The password must not be your e-mail address or your name.",
                      fields={"password": "personal"})
    common = common_passwords()
    if folded in common or compact in common or _is_pattern(compact):
        raise Invalid("This password is too common. Choose one that others are unlikely to "
                      "guess.", fields={"password": "common"})


# --- Profile ---------------------------------------------------------------------------


def update_profile(session: Session, user: User, *, name: str, locale: str | None,
                   allowed_locales: Sequence[str]) -> User:
    """Change the user's name and preferred language.

    :param locale: a locale code from ``allowed_locales``, or None for "decide from the
        browser".
    :raises Invalid: for an empty name or a locale that is not offered.
    """
    name = name.strip()
    if not name:
        raise Invalid("Enter your name.", fields={"name": "required"})
    if locale is not None and locale not in allowed_locales:
        raise Invalid("Choose a language from the list.", fields={"locale": "invalid"})
    before = {"name": user.name, "locale": user.locale}
    user.name = name
    user.locale = locale
    after = {"name": user.name, "locale": user.locale}
    if before != after:
        session.flush()
        record_event(session, actor_id=user.id, action="user.profile_changed",
                     object_type="user", object_id=user.id, before=before, after=after)
    return user


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


def my_organisations(session: Session, user: User) -> list[tuple[Organisation, OrgRole]]:
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


def invite_member(session: Session, actor: User, organisation_id: int, *, email: str,
                  name: str, role: OrgRole, locale: str | None = None) -> Invitation:
    """Invite someone to an organisation, creating their account if needed.

    Someone who already has a password becomes a member at once and is told by mail; a
    new account (or one that never set a password) becomes a member that can sign in only
    after setting a password from the invitation link mailed to them.

    :param locale: the language the invitation was made in, for a person without a
        preference of their own.

    :raises NotFound: when ``actor`` may not see the organisation.
    :raises Forbidden: when ``actor`` may not manage its members.
    :raises Conflict: when the organisation is deactivated, the account is deactivated,
        or the person is already an active member.
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
    elif not user.active:
        raise Conflict("This account is deactivated. A platform administrator can activate it.")
    membership = _membership(session, user.id, organisation.id)
    if membership is not None and user.password_hash is not None:
        raise Conflict("%(email)s is already a member of this organisation.",
                       {"email": user.email})
    if membership is None or membership.role != role:
        add_member(session, user=user, organisation=organisation, role=role, actor_id=actor.id)
    record_event(session, actor_id=actor.id, action="membership.invited", object_type="user",
                 object_id=user.id, organisation_id=organisation.id,
                 after={"email": user.email, "role": role.value})
    kind = outbox.INVITATION if user.password_hash is None else outbox.MEMBERSHIP_NOTICE
    outbox.enqueue(session, kind, recipient=user, locale=locale,
                   organisation_id=organisation.id, inviter_id=actor.id)
    return Invitation(user=user, organisation=organisation, role=role,
                      needs_password=user.password_hash is None)


def _other_admins(session: Session, organisation_id: int, user_id: int) -> int:
    return session.scalar(select(func.count()).select_from(Membership).where(
        Membership.organisation_id == organisation_id, Membership.role == OrgRole.org_admin,
        Membership.user_id != user_id)) or 0


def _target_membership(session: Session, organisation: Organisation, user_id: int) -> Membership:
    membership = _membership(session, user_id, organisation.id)
    if membership is None:
        raise NotFound("This person is not a member of the organisation.")
    return membership


def set_member_role(session: Session, actor: User, organisation_id: int, user_id: int,
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


def remove_member(session: Session, actor: User, organisation_id: int, user_id: int) -> User:
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


# --- Platform administration ------------------------------------------------------------


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a longer list."""

    items: list[T]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        """Return the number of pages (at least 1)."""
        return max(1, -(-self.total // self.per_page))

    @property
    def has_previous(self) -> bool:
        """Return whether a page comes before this one."""
        return self.page > 1

    @property
    def has_next(self) -> bool:
        """Return whether a page comes after this one."""
        return self.page < self.pages


@dataclass(frozen=True)
class OrganisationRow:
    """An organisation with its number of members."""

    organisation: Organisation
    members: int


def _check_organisation_fields(country: str, region: str) -> str:
    country = country.strip().upper()
    if len(country) != 2 or not country.isalpha():
        raise Invalid("Give the country as a two-letter ISO 3166 code.",
                      fields={"country": "invalid"})
    if region not in REGIONS:
        raise Invalid("Choose a region from the list.", fields={"region": "invalid"})
    return country


def _check_organisation_name(session: Session, name: str, exclude_id: int | None = None) -> str:
    name = name.strip()
    if not name:
        raise Invalid("Enter the organisation's name.", fields={"name": "required"})
    query = select(Organisation.id).where(func.lower(Organisation.name) == name.lower())
    if exclude_id is not None:
        query = query.where(Organisation.id != exclude_id)
    if session.scalar(query) is not None:
        raise Conflict("An organisation with this name exists already.")
    return name


def add_organisation(session: Session, *, name: str, country: str, region: str,
                     actor_id: int | None = None) -> Organisation:
    """Create an organisation after checking that its name is free.

    :raises Invalid: for an empty name, an unknown region or a malformed country code.
    :raises Conflict: when another organisation has the same name.
    """
    name = _check_organisation_name(session, name)
    return create_organisation(session, name=name, country=country, region=region,
                               actor_id=actor_id)


def get_organisation(session: Session, organisation_id: int) -> Organisation:
    """Return the organisation.

    :raises NotFound: when it does not exist.
    """
    organisation = session.get(Organisation, organisation_id)
    if organisation is None:
        raise NotFound("This organisation does not exist.")
    return organisation


def update_organisation(session: Session, organisation: Organisation, *, name: str,
                        country: str, region: str, actor_id: int | None = None) -> Organisation:
    """Change an organisation's name, country and region.

    :raises Invalid: for an empty name, an unknown region or a malformed country code.
    :raises Conflict: when another organisation has the same name.
    """
    name = _check_organisation_name(session, name, exclude_id=organisation.id)
    country = _check_organisation_fields(country, region)
    before = {"name": organisation.name, "country": organisation.country,
              "region": organisation.region}
    organisation.name, organisation.country, organisation.region = name, country, region
    after = {"name": name, "country": country, "region": region}
    if before != after:
        session.flush()
        record_event(session, actor_id=actor_id, action="organisation.updated",
                     object_type="organisation", object_id=organisation.id,
                     organisation_id=organisation.id, before=before, after=after)
    return organisation


def set_organisation_active(session: Session, organisation: Organisation, active: bool, *,
                            actor_id: int | None = None) -> Organisation:
    """Activate or deactivate an organisation (nothing happens if it already is)."""
    if organisation.active == active:
        return organisation
    organisation.active = active
    session.flush()
    record_event(session, actor_id=actor_id,
                 action="organisation.activated" if active else "organisation.deactivated",
                 object_type="organisation", object_id=organisation.id,
                 organisation_id=organisation.id,
                 before={"active": not active}, after={"active": active})
    return organisation


def list_organisations(session: Session) -> list[OrganisationRow]:
    """Return every organisation by name, with its number of members."""
    rows = session.execute(
        select(Organisation, func.count(Membership.id))
        .outerjoin(Membership, Membership.organisation_id == Organisation.id)
        .group_by(Organisation.id)
        .order_by(Organisation.name)
    ).all()
    return [OrganisationRow(organisation=organisation, members=count)
            for organisation, count in rows]


def search_users(session: Session, query: str = "", *, page: int = 1,
                 per_page: int = 50) -> Page[User]:
    """Return one page of users whose e-mail address or name contains ``query``."""
    condition: ColumnElement[bool] = true()
    text = query.strip().lower()
    if text:
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
        condition = or_(func.lower(User.email).like(pattern, escape="\\"),
                        func.lower(User.name).like(pattern, escape="\\"))
    total = session.scalar(select(func.count()).select_from(User).where(condition)) or 0
    page = max(1, page)
    users = session.scalars(
        select(User).where(condition)
        .options(selectinload(User.platform_roles))
        .order_by(User.email)
        .offset((page - 1) * per_page).limit(per_page)
    ).all()
    return Page(items=list(users), page=page, per_page=per_page, total=total)


def get_user(session: Session, user_id: int) -> User:
    """Return the user.

    :raises NotFound: when there is no such user.
    """
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("This user does not exist.")
    return user


def user_memberships(session: Session, user: User) -> list[tuple[Organisation, OrgRole]]:
    """Return the organisations ``user`` belongs to, with the role in each."""
    return my_organisations(session, user)


def revoke_platform_role(session: Session, *, user: User, role: PlatformRole,
                         actor_id: int | None = None) -> None:
    """Take a platform role away from ``user`` (nothing happens if they lack it).

    :raises Conflict: when an administrator would remove their own administrator role,
        or the platform would be left without an active administrator.
    """
    grant = next((grant for grant in user.platform_roles if grant.role == role), None)
    if grant is None:
        return
    if role == PlatformRole.admin:
        if actor_id == user.id:
            raise Conflict("You cannot remove your own administrator role.")
        if _other_active_admins(session, user.id) == 0:
            raise Conflict("The platform needs at least one active administrator.")
    user.platform_roles.remove(grant)
    session.flush()
    record_event(session, actor_id=actor_id, action="role.revoked", object_type="user",
                 object_id=user.id, before={"role": role.value}, after=None)


def _other_active_admins(session: Session, user_id: int) -> int:
    return session.scalar(
        select(func.count()).select_from(PlatformRoleGrant)
        .join(User, User.id == PlatformRoleGrant.user_id)
        .where(PlatformRoleGrant.role == PlatformRole.admin, User.active.is_(True),
               User.id != user_id)) or 0


def add_user(session: Session, *, email: str, name: str, password: str | None = None,
             locale: str | None = None, actor_id: int | None = None) -> User:
    """Create a user after checking the address, the name and the password rules.

    Without a password the user must set one from a mailed link before signing in.

    :raises Invalid: for a malformed address, an empty name or a password that breaks
        the rules.
    :raises Conflict: when an account with this address exists already.
    """
    email = normalise_email(email)
    local, at, domain = email.partition("@")
    if not (local and at and "." in domain) or len(email) > 254 or any(
            character.isspace() for character in email):
        raise Invalid("Enter an e-mail address like name@example.org.",
                      fields={"email": "invalid"})
    if not name.strip():
        raise Invalid("Enter the person's name.", fields={"name": "required"})
    if find_user(session, email) is not None:
        raise Conflict("An account with this e-mail address exists already.")
    if password is not None:
        check_password_rules(password, email=email, name=name)
    return create_user(session, email=email, name=name, password=password, locale=locale,
                       actor_id=actor_id)


def set_preferred_locale(session: Session, user: User, locale: str) -> bool:
    """Remember ``locale`` as the language ``user`` reads the platform and e-mails in.

    The caller passes a locale the platform offers (the language menu only links to those).

    :return: whether the preference changed (nothing is written when it did not).
    """
    if user.locale == locale:
        return False
    before = user.locale
    user.locale = locale
    session.flush()
    record_event(session, actor_id=user.id, action="user.locale_changed", object_type="user",
                 object_id=user.id, before={"locale": before}, after={"locale": locale})
    return True
