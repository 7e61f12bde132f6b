"""User accounts: creating and finding them, profiles, and platform roles."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy import ColumnElement, func, or_, select, true
from sqlalchemy.orm import Session, selectinload

from ppp_assess.domain.reference import PlatformRole
from ppp_assess.models import PlatformRoleGrant, User
from ppp_assess.services.audit import record_event
from ppp_assess.services.errors import Conflict, Forbidden, Invalid, NotFound
from ppp_assess.services.passwords import check_password_rules, hash_password

T = TypeVar("T")


def normalise_email(email: str) -> str:
    """Return ``email`` trimmed and lower-cased, the form it is stored in."""
    return email.strip().lower()


def find_user(session: Session, email: str) -> User | None:
    """Return the user with ``email``, if any."""
    return session.scalar(select(User).where(User.email == normalise_email(email)))


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


def grant_platform_role(session: Session, *, user: User, role: PlatformRole,
                        actor_id: int | None = None) -> None:
    """Give ``user`` a platform role (nothing happens if they hold it already).

    :raises Forbidden: when ``actor_id`` is ``user`` itself: nobody grants a role to
        themselves (the command line, with no actor, is the operator's own way in).
    """
    if actor_id is not None and actor_id == user.id:
        raise Forbidden("You cannot give yourself a role; another administrator can.",
                        code="own_role")
    if user.has_platform_role(role):
        return
    user.platform_roles.append(PlatformRoleGrant(role=role))
    session.flush()
    record_event(session, actor_id=actor_id, action="role.granted", object_type="user",
                 object_id=user.id, after={"role": role.value})


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
