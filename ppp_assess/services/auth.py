"""Authentication: checking and setting passwords, mailed links, ending sessions."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ppp_assess.domain.reference import PlatformRole
from ppp_assess.models import Membership, Organisation, PlatformRoleGrant, User
from ppp_assess.models.base import utcnow
from ppp_assess.services import outbox
from ppp_assess.services.accounts import find_user
from ppp_assess.services.audit import record_event
from ppp_assess.services.errors import Conflict, Invalid
from ppp_assess.services.passwords import (
    check_password_rules,
    hash_password,
    needs_rehash,
    verify_password,
)
from ppp_assess.services.permissions import Person
from ppp_assess.services.tokens import (
    INVITATION,
    INVITATION_WITHDRAWN,
    PASSWORD_RESET,
    InvalidLink,
    link_user,
    revoke_all_api_tokens,
)

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


def set_password(session: Session, user: User, password: str, *, reason: str,
                 actor_id: int | None = None) -> User:
    """Give ``user`` a new password and end every session the user has.

    :param reason: why, recorded in the audit log: "set", "changed" or "reset".
    :raises Invalid: when the password breaks the password rules (field ``password``).
    """
    check_password_rules(password, email=user.email, name=user.name)
    user.password_hash = hash_password(password)
    session.flush()
    record_event(session, actor_id=actor_id if actor_id is not None else user.id,
                 action="user.password_set", object_type="user", object_id=user.id,
                 after={"reason": reason})
    end_sessions(session, user, reason=f"password_{reason}", actor_id=actor_id)
    revoke_all_api_tokens(session, user, reason=f"password_{reason}", actor_id=actor_id)
    return user


def change_password(session: Session, user: User, *, current_password: str,
                    new_password: str) -> User:
    """Change the signed-in user's password after checking the current one.

    Every session of the user ends; the caller signs the current one in again.

    :raises Invalid: when the current password is wrong (field ``current_password``) or
        the new one breaks the rules (field ``password``).
    """
    if not verify_password(user.password_hash, current_password):
        raise Invalid("Your current password is not right.",
                      fields={"current_password": "wrong"})
    return set_password(session, user, new_password, reason="changed")


@dataclass(frozen=True)
class InvitationDetails:
    """What the invitation page shows."""

    user: User
    organisation: Organisation | None


def _invitation(session: Session, secret_key: str, token: str) -> InvitationDetails:
    user, claims = link_user(session, secret_key, INVITATION, token)
    organisation = None
    if claims.organisation_id is not None:
        organisation = session.get(Organisation, claims.organisation_id)
        membership = session.scalar(select(Membership).where(
            Membership.user_id == user.id,
            Membership.organisation_id == claims.organisation_id))
        if organisation is None or not organisation.active or membership is None:
            raise InvalidLink(INVITATION_WITHDRAWN)
    return InvitationDetails(user=user, organisation=organisation)


def invitation_details(session: Session, secret_key: str, token: str) -> InvitationDetails:
    """Return whom an invitation link is for and to which organisation.

    :raises InvalidLink: when the link is invalid, expired, used, or withdrawn.
    """
    return _invitation(session, secret_key, token)


def accept_invitation(session: Session, secret_key: str, token: str, *, name: str,
                      password: str) -> InvitationDetails:
    """Activate an invited account: set its name and first password.

    :raises InvalidLink: when the link is invalid, expired, used, or withdrawn.
    :raises Invalid: for an empty name or a password that breaks the rules.
    """
    details = _invitation(session, secret_key, token)
    user = details.user
    if not name.strip():
        raise Invalid("Enter your name.", fields={"name": "required"})
    # Checked before anything changes, so that a refused password leaves the account as it was.
    check_password_rules(password, email=user.email, name=name)
    user.name = name.strip()
    set_password(session, user, password, reason="set")
    record_event(session, actor_id=user.id, action="membership.invitation_accepted",
                 object_type="user", object_id=user.id,
                 organisation_id=details.organisation.id if details.organisation else None,
                 after={"name": user.name})
    return details


def request_password_reset(session: Session, email: str, *, locale: str | None = None) -> bool:
    """Mail a link to choose a new password to the account of ``email``, if it may reset.

    Callers answer the same way whatever this returns, so that nobody learns which
    addresses have accounts.

    :param locale: the language the request was made in.
    :return: whether a message was queued.
    """
    user = find_user(session, email)
    known = user is not None and user.active
    # Both answers write alike, so that their timing does not tell them apart either.
    record_event(session, actor_id=None, action="user.password_reset_requested",
                 object_type="user", object_id=user.id if known and user else "-",
                 after={"known": known})
    if not known or user is None:
        return False
    outbox.enqueue(session, outbox.PASSWORD_RESET, recipient=user, locale=locale)
    return True


def send_password_link(session: Session, user: User, *, actor: Person,
                       locale: str | None = None) -> None:
    """Mail ``user`` a link to choose a password: an invitation if they never set one.

    :raises Conflict: when the account is deactivated.
    """
    if not user.active:
        raise Conflict("Activate the account first.")
    if user.password_hash is None:
        outbox.enqueue(session, outbox.INVITATION, recipient=user, locale=locale,
                       inviter_id=actor.id)
    else:
        outbox.enqueue(session, outbox.PASSWORD_RESET, recipient=user, locale=locale)
    record_event(session, actor_id=actor.id, action="user.password_link_sent",
                 object_type="user", object_id=user.id)


def password_reset_user(session: Session, secret_key: str, token: str) -> User:
    """Return the account a reset link is for.

    :raises InvalidLink: when the link is invalid, expired or used.
    """
    user, _claims = link_user(session, secret_key, PASSWORD_RESET, token)
    return user


def reset_password(session: Session, secret_key: str, token: str, password: str) -> User:
    """Set a new password from a reset link; the link cannot be used again.

    :raises InvalidLink: when the link is invalid, expired or used.
    :raises Invalid: when the password breaks the rules.
    """
    user = password_reset_user(session, secret_key, token)
    return set_password(session, user, password, reason="reset")


def set_user_active(session: Session, user: User, active: bool, *,
                    actor_id: int | None = None) -> User:
    """Activate or deactivate an account; deactivation ends every session at once.

    :raises Conflict: when administrators would deactivate themselves or the platform's
        last active administrator.
    """
    if user.active == active:
        return user
    if not active:
        if actor_id == user.id:
            raise Conflict("You cannot deactivate your own account.")
        if user.has_platform_role(PlatformRole.admin) and session.scalar(
                select(func.count()).select_from(PlatformRoleGrant)
                .join(User, User.id == PlatformRoleGrant.user_id)
                .where(PlatformRoleGrant.role == PlatformRole.admin, User.active.is_(True),
                       User.id != user.id)) == 0:
            raise Conflict("The platform needs at least one active administrator.")
    user.active = active
    session.flush()
    record_event(session, actor_id=actor_id,
                 action="user.activated" if active else "user.deactivated",
                 object_type="user", object_id=user.id,
                 before={"active": not active}, after={"active": active})
    if not active:
        end_sessions(session, user, reason="deactivated", actor_id=actor_id)
        revoke_all_api_tokens(session, user, reason="deactivated", actor_id=actor_id)
    return user
