"""Signed, expiring links sent by mail, and bearer tokens for the API.

A link token is the signed JSON payload of an :class:`~itsdangerous.URLSafeTimedSerializer`
keyed with ``SECRET_KEY`` and salted per purpose, so that a token made for one purpose
is worthless for another. Tokens that set a password carry a fingerprint of the
account's current password hash: setting a password changes the hash, which makes
every earlier link of the account invalid, so each link works once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ppp_assess.domain.messages import N_
from ppp_assess.models import ApiToken, User
from ppp_assess.models.base import utcnow
from ppp_assess.models.database import Database
from ppp_assess.services.audit import record_event
from ppp_assess.services.errors import Invalid, NotFound, ServiceError

#: Link purposes; each signs with its own salt.
INVITATION = "invitation"
PASSWORD_RESET = "password-reset"  # noqa: S105  (a salt name, not a secret)
#: An invitation to join an organisation, for someone who already has an account.
MEMBERSHIP = "membership"

#: How long a link stays valid, in seconds, per purpose.
MAX_AGE: dict[str, int] = {
    INVITATION: 7 * 24 * 3600,
    MEMBERSHIP: 7 * 24 * 3600,
    PASSWORD_RESET: 2 * 3600,
}


#: What a refused link says (translated where it is shown).
LINK_NOT_VALID = N_("This link is not valid. Check that you copied all of it, or ask for a new "
                    "one.")
LINK_EXPIRED = N_("This link has expired. Ask for a new one.")
LINK_USED = N_("This link has been used already or is no longer valid. Ask for a new one.")
INVITATION_WITHDRAWN = N_("This invitation has been withdrawn. Ask the organisation's "
                          "administrator for a new one.")


class InvalidLink(ServiceError):
    """A mailed link that was tampered with, is for something else, or was used already."""

    status = 400
    code = "invalid_link"


class ExpiredLink(InvalidLink):
    """A mailed link that is older than its purpose allows."""

    code = "expired_link"


@dataclass(frozen=True)
class LinkClaims:
    """What a valid link says."""

    purpose: str
    user_id: int
    fingerprint: str
    organisation_id: int | None = None
    #: The role offered, for a membership invitation.
    role: str | None = None


def _serializer(secret_key: str, purpose: str) -> URLSafeTimedSerializer:
    if purpose not in MAX_AGE:
        raise ValueError(f"Unknown link purpose {purpose!r}.")
    return URLSafeTimedSerializer(secret_key, salt=f"ppp-assess/{purpose}")


def password_fingerprint(user: User) -> str:
    """Return a short digest of the user's current password hash ("" hashed when unset)."""
    return hashlib.sha256(("password:" + (user.password_hash or "")).encode("utf-8")
                          ).hexdigest()[:24]


def make_link_token(secret_key: str, purpose: str, user: User, *,
                    organisation_id: int | None = None, role: str | None = None) -> str:
    """Return a signed token for a link that lets ``user`` set a password.

    :param purpose: :data:`INVITATION` or :data:`PASSWORD_RESET`.
    :param organisation_id: the organisation an invitation is for, if any.
    """
    payload: dict[str, Any] = {"user": user.id, "fp": password_fingerprint(user)}
    if organisation_id is not None:
        payload["org"] = organisation_id
    if role is not None:
        payload["role"] = role
    return _serializer(secret_key, purpose).dumps(payload)


def read_link_token(secret_key: str, purpose: str, token: str) -> LinkClaims:
    """Return the claims of a link token, checking signature, purpose and age.

    :raises ExpiredLink: when the token is older than :data:`MAX_AGE` allows.
    :raises InvalidLink: when the token was altered or made for another purpose.
    """
    try:
        payload = _serializer(secret_key, purpose).loads(token, max_age=MAX_AGE[purpose])
    except SignatureExpired as error:
        raise ExpiredLink(LINK_EXPIRED) from error
    except BadSignature as error:
        raise InvalidLink(LINK_NOT_VALID) from error
    if (not isinstance(payload, dict) or not isinstance(payload.get("user"), int)
            or not isinstance(payload.get("fp"), str)):
        raise InvalidLink(LINK_NOT_VALID)
    organisation_id = payload.get("org")
    role = payload.get("role")
    return LinkClaims(purpose=purpose, user_id=payload["user"], fingerprint=payload["fp"],
                      organisation_id=organisation_id if isinstance(organisation_id, int)
                      else None, role=role if isinstance(role, str) else None)


def link_user(session: Session, secret_key: str, purpose: str, token: str) -> tuple[User,
                                                                                      LinkClaims]:
    """Return the account a link token is for, if the link may still be used.

    :raises InvalidLink: when the token is invalid, the account is gone or deactivated,
        or its password changed since the link was sent (the link was used).
    """
    claims = read_link_token(secret_key, purpose, token)
    user = session.get(User, claims.user_id)
    if (user is None or not user.active
            or not secrets.compare_digest(claims.fingerprint, password_fingerprint(user))):
        raise InvalidLink(LINK_USED)
    return user, claims


# --- API bearer tokens ----------------------------------------------------------------


def token_digest(token: str) -> str:
    """Return the stored form of a bearer token: its hex SHA-256."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


#: How long a new token lives unless said otherwise, and the longest it may.
DEFAULT_TOKEN_DAYS = 90
MAX_TOKEN_DAYS = 366


def create_api_token(session: Session, user: User, *, name: str,
                     days: int = DEFAULT_TOKEN_DAYS,
                     actor_id: int | None = None) -> tuple[ApiToken, str]:
    """Create a bearer token for ``user`` that expires after ``days``.

    :param name: what the token is for, shown in listings.
    :param days: its lifetime, from 1 to :data:`MAX_TOKEN_DAYS`.
    :return: the stored row (holding only the digest) and the token, which is shown once.
    :raises Invalid: for an empty name, a lifetime out of range or a deactivated user.
    """
    name = name.strip()
    if not name:
        raise Invalid("Give the token a name.", fields={"name": "required"})
    if not 1 <= days <= MAX_TOKEN_DAYS:
        raise Invalid("A token lives from 1 to %(max)s days.", {"max": MAX_TOKEN_DAYS},
                      fields={"days": "out_of_range"})
    if not user.active:
        raise Invalid("This account is deactivated.", fields={"email": "inactive"})
    token = "ppp_" + secrets.token_urlsafe(32)
    now = utcnow()
    row = ApiToken(user_id=user.id, token_digest=token_digest(token), name=name[:100],
                   created_at=now, expires_at=now + dt.timedelta(days=days))
    session.add(row)
    session.flush()
    record_event(session, actor_id=actor_id if actor_id is not None else user.id,
                 action="api_token.created", object_type="user", object_id=user.id,
                 after={"token_id": row.id, "name": row.name,
                        "expires_at": row.expires_at.isoformat()})
    return row, token


def list_api_tokens(session: Session, user: User) -> list[ApiToken]:
    """Return the tokens of ``user`` that were not revoked, newest first (expired ones too)."""
    return list(session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def revoke_api_token(session: Session, user: User, token_id: int, *,
                     actor_id: int | None = None) -> ApiToken:
    """Revoke one token of ``user``.

    :raises NotFound: when ``user`` has no such token (another user's id included).
    """
    row = session.get(ApiToken, token_id)
    if row is None or row.user_id != user.id or row.revoked_at is not None:
        raise NotFound("This token does not exist.")
    row.revoked_at = utcnow()
    session.flush()
    record_event(session, actor_id=actor_id if actor_id is not None else user.id,
                 action="api_token.revoked", object_type="user", object_id=user.id,
                 after={"token_id": row.id, "name": row.name})
    return row


def revoke_all_api_tokens(session: Session, user: User, *, reason: str,
                          actor_id: int | None = None) -> int:
    """Revoke every token of ``user`` (a password change, a reset, a deactivation).

    :return: how many tokens were revoked.
    """
    rows = list(session.scalars(select(ApiToken).where(
        ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))))
    now = utcnow()
    for row in rows:
        row.revoked_at = now
    if rows:
        session.flush()
        record_event(session, actor_id=actor_id if actor_id is not None else user.id,
                     action="api_token.revoked_all", object_type="user", object_id=user.id,
                     after={"count": len(rows), "reason": reason})
    return len(rows)


#: A token's last use is written at most this often, so that reading with it stays a read.
LAST_USE_RESOLUTION = dt.timedelta(hours=1)


def record_use(database: Database, token_id: int, last_used_at: dt.datetime | None, *,
               now: dt.datetime | None = None) -> bool:
    """Record that a token was used, when its recorded last use is an hour old or more.

    Written in a short transaction of its own, apart from the request's: a GET with a
    token then never takes the write lock, but for this at most once an hour per token.

    :return: whether anything was written.
    """
    now = now or utcnow()
    if last_used_at is not None and now - last_used_at < LAST_USE_RESOLUTION:
        return False
    with database.transaction() as session:
        _stamp(session, token_id, now)
    return True


def record_use_in(session: Session, token_id: int, last_used_at: dt.datetime | None, *,
                  now: dt.datetime | None = None) -> bool:
    """Like :func:`record_use`, in the caller's writing transaction.

    A request that writes anyway holds the write lock already: a second transaction
    beside it would wait for that lock (on SQLite, until it gives up).
    """
    now = now or utcnow()
    if last_used_at is not None and now - last_used_at < LAST_USE_RESOLUTION:
        return False
    _stamp(session, token_id, now)
    return True


def _stamp(session: Session, token_id: int, now: dt.datetime) -> None:
    session.execute(update(ApiToken).where(ApiToken.id == token_id).values(
        last_used_at=now).execution_options(synchronize_session=False))
