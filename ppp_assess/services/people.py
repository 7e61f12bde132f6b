"""Who a request acts for: a plain snapshot of the user, read with one statement.

Every request signed in with the session cookie or a bearer token needs to know who the
user is, their language, their organisations and platform roles (for the navigation and
the permission policies), and nothing of the stored :class:`User` and its collections:
building those through the ORM took a fifth of a page kept as rendered. A
:class:`SignedIn` is that snapshot; it is a :class:`~ppp_assess.services.permissions.Person`
like the stored user, so policies and the services that act by id take either. Views
that change the stored user ask for it (``web.security.current_actor``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from sqlalchemy import Connection, bindparam, select
from sqlalchemy.orm import Session

from ppp_assess.domain.reference import OrgRole, PlatformRole
from ppp_assess.models import ApiToken, Membership, PlatformRoleGrant, User
from ppp_assess.models.base import utcnow
from ppp_assess.models.database import DriverStatement, as_connection
from ppp_assess.services.tokens import token_digest


@dataclass(frozen=True, slots=True)
class SignedIn:
    """The person a request is signed in as, read once per request."""

    id: int
    name: str
    email: str
    locale: str | None
    session_version: int
    #: (organisation id, role) of each membership, by organisation id.
    memberships: tuple[tuple[int, OrgRole], ...]
    platform_roles: frozenset[PlatformRole]

    # What the sign-in layer asks of any user object: only active users are read.
    is_authenticated: ClassVar[bool] = True
    is_active: ClassVar[bool] = True
    is_anonymous: ClassVar[bool] = False

    def get_id(self) -> str:
        """Return the session identity: the id and the session version."""
        return f"{self.id}:{self.session_version}"

    def has_platform_role(self, role: PlatformRole) -> bool:
        """Return whether the person holds ``role`` across the platform."""
        return role in self.platform_roles


_USERS, _MEMBERSHIPS, _ROLES, _TOKENS = (
    User.__table__.c, Membership.__table__.c, PlatformRoleGrant.__table__.c,
    ApiToken.__table__.c)
#: The user's columns, then each membership and platform role: a row per (membership,
#: role) pair, both a handful. Plain columns: no ORM entity is built.
_PERSON = (_USERS.id, _USERS.name, _USERS.email, _USERS.locale, _USERS.active,
           _USERS.session_version, _MEMBERSHIPS.organisation_id, _MEMBERSHIPS.role,
           _ROLES.role)
_WITH_ROLES = (User.__table__
               .outerjoin(Membership.__table__, _MEMBERSHIPS.user_id == _USERS.id)
               .outerjoin(PlatformRoleGrant.__table__, _ROLES.user_id == _USERS.id))
_SIGNED_IN = (select(*_PERSON).select_from(_WITH_ROLES)
              .where(_USERS.id == bindparam("user_id")))
#: A valid token's id and last use, then its user as above.
_TOKEN_HOLDER = (
    select(_TOKENS.id, _TOKENS.last_used_at, *_PERSON)
    .select_from(_WITH_ROLES.join(ApiToken.__table__, _TOKENS.user_id == _USERS.id))
    .where(_TOKENS.token_digest == bindparam("digest"), _TOKENS.revoked_at.is_(None),
           _TOKENS.expires_at > bindparam("now")))
#: The statements every signed-in request runs, compiled once and run on the driver.
_SIGNED_IN_READER = DriverStatement(_SIGNED_IN)
_TOKEN_HOLDER_READER = DriverStatement(_TOKEN_HOLDER)


def _person(rows: Sequence[Sequence[Any]], start: int = 0) -> SignedIn | None:
    """Build the snapshot from rows of :data:`_PERSON` from column ``start`` on, or
    ``None`` for no row or a deactivated user."""
    if not rows:
        return None
    user_id, name, email, locale, active, version = rows[0][start:start + 6]
    if not active:
        return None
    memberships = sorted({(row[start + 6], OrgRole(row[start + 7])) for row in rows
                          if row[start + 6] is not None})
    roles = frozenset(PlatformRole(row[start + 8]) for row in rows
                      if row[start + 8] is not None)
    return SignedIn(user_id, name, email, locale, version, tuple(memberships), roles)


def signed_in(source: Session | Connection, user_id: int,
              session_version: int) -> SignedIn | None:
    """Return who a session signed in as ``user_id`` is, if that session still holds.

    ``None`` when the user no longer exists, was deactivated, or ended their sessions
    since (signing out, a new password and deactivation bump the session version).
    """
    return signed_in_from(
        _SIGNED_IN_READER.rows(as_connection(source), {"user_id": user_id}),
        session_version)


#: The columns :func:`signed_in_from` reads, and the tables they come from (for a
#: statement that reads them with something else in the same round trip).
SIGNED_IN_COLUMNS = _PERSON
SIGNED_IN_TABLES = _WITH_ROLES


def signed_in_from(rows: Sequence[Sequence[Any]], session_version: int) -> SignedIn | None:
    """Return :func:`signed_in` of rows of :data:`SIGNED_IN_COLUMNS` of one user."""
    person = _person(rows)
    return person if person is not None and person.session_version == session_version \
        else None


@dataclass(frozen=True, slots=True)
class TokenHolder:
    """An API token that is valid now, and the active user it acts for."""

    token_id: int
    last_used_at: dt.datetime | None
    person: SignedIn


def token_holder(source: Session | Connection, token: str, *,
                 now: dt.datetime | None = None) -> TokenHolder | None:
    """Return a valid (known, not revoked, not expired) token's holder, in one statement;
    ``None`` for any other token or a deactivated user."""
    rows = _TOKEN_HOLDER_READER.rows(
        as_connection(source), {"digest": token_digest(token), "now": now or utcnow()})
    person = _person(rows, start=2)
    return None if person is None else TokenHolder(rows[0][0], rows[0][1], person)
