"""Authentication: checking passwords and ending sessions."""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from ppp_assess.models import User
from ppp_assess.models.base import utcnow
from ppp_assess.services.accounts import find_user
from ppp_assess.services.audit import record_event
from ppp_assess.services.passwords import hash_password, needs_rehash, verify_password

log = logging.getLogger(__name__)


def authenticate(session: Session, email: str, password: str, *,
                 remote_address: str = "") -> User | None:
    """Return the active user with these credentials, recording the attempt.

    The answer is the same, and takes about as long, whether or not the account exists.
    """
    user = find_user(session, email)
    valid = verify_password(user.password_hash if user else None, password)
    if user is None or not valid or not user.active:
        record_event(session, actor_id=user.id if user else None, action="user.sign_in_failed",
                     object_type="user", object_id=user.id if user else "-",
                     after={"address": remote_address})
        return None
    if user.password_hash and needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    record_event(session, actor_id=user.id, action="user.signed_in", object_type="user",
                 object_id=user.id, after={"address": remote_address})
    return user


def end_sessions(session: Session, user: User, *, reason: str,
                 actor_id: int | None = None) -> None:
    """End every session of ``user`` on every server by bumping the session version."""
    user.session_version += 1
    session.flush()
    record_event(session, actor_id=actor_id if actor_id is not None else user.id,
                 action="user.sessions_ended", object_type="user", object_id=user.id,
                 after={"reason": reason})
