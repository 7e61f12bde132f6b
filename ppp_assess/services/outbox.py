"""The transactional outbox: messages written with the change, sent after its commit.

Services call :func:`enqueue` inside the unit of work that makes the change. The row
commits or rolls back with it, so a message goes out exactly when its change is kept.
One sender (in the process after the request, or ``flask outbox send`` and ``flask
outbox worker``) claims due rows with a lease, sends them and marks them sent; a failed
send is retried with a growing delay, and a message whose sending crashed after the mail
left is sent again with the same ``Message-ID``, which mail systems treat as one message.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from ppp_assess.models import OutboxMessage, User
from ppp_assess.models.base import utcnow

#: Message kinds; ``ppp_assess.mail.compose`` has a composer for each.
INVITATION = "account.invitation"
MEMBERSHIP_NOTICE = "account.membership"
PASSWORD_RESET = "account.password_reset"  # noqa: S105  (a kind, not a secret)
REVIEW_REQUESTED = "review.requested"
REVIEW_DECISION = "review.decision"
REVIEW_ASSIGNED = "review.assigned"
REVIEW_REMINDER = "review.reminder"

#: Key in ``Session.info`` telling the boundary that this unit of work wrote messages.
PENDING_KEY = "outbox_pending"
#: The key of a session's ``info`` holding the address the current request came in on
#: (set by the web's unit of work), which messages keep for their links: the address, or
#: a function without arguments that returns it.
REQUEST_BASE_URL_KEY = "request_base_url"
#: Attempts before the sender gives up on a message (it stays listed, and can be retried).
MAX_ATTEMPTS = 8
#: How long a claim lasts: a sender that died holding a row frees it after this.
CLAIM_SECONDS = 300


def enqueue(session: Session, kind: str, *, recipient: User | None,
            locale: str | None = None, **payload: Any) -> OutboxMessage:
    """Write a message to send once the current transaction commits.

    :param kind: the composer that writes it (see ``ppp_assess.mail.compose``).
    :param recipient: the user it goes to.
    :param locale: the language the action was taken in, for a recipient without a
        preference of their own.
    :param payload: ids and plain values the composer needs (JSON); never secrets.
    """
    payload = dict(payload)
    # Where the action came from, for links when no public address is configured.
    base_url = session.info.get(REQUEST_BASE_URL_KEY)
    if callable(base_url):
        base_url = base_url()
    if base_url:
        payload.setdefault("base_url", base_url)
    message = OutboxMessage(kind=kind, recipient_id=recipient.id if recipient else None,
                            payload=payload, locale=locale)
    session.add(message)
    session.flush()
    session.info[PENDING_KEY] = True
    return message


def has_pending(info: Mapping[str, Any]) -> bool:
    """Return whether a committed unit of work (by its session's ``info``) wrote messages."""
    return bool(info.get(PENDING_KEY))


def backoff(attempts: int) -> dt.timedelta:
    """Return how long to wait after the ``attempts``-th failure (1 min, 2, 4 ... 4 h)."""
    return dt.timedelta(minutes=min(2 ** max(attempts - 1, 0), 240))


def due_ids(session: Session, *, limit: int = 100, now: dt.datetime | None = None) -> list[int]:
    """Return the ids of messages that may be sent now, oldest first."""
    now = now or utcnow()
    return list(session.scalars(
        select(OutboxMessage.id)
        .where(OutboxMessage.sent_at.is_(None), OutboxMessage.given_up_at.is_(None),
               OutboxMessage.due_at <= now,
               or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now))
        .order_by(OutboxMessage.id).limit(limit)))


def claim(session: Session, message_id: int, *, now: dt.datetime | None = None) -> bool:
    """Claim a due message for this sender; return False when another has it or it is done.

    One conditional UPDATE: of two senders racing for a row, exactly one matches.
    """
    now = now or utcnow()
    result = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.sent_at.is_(None),
               OutboxMessage.given_up_at.is_(None), OutboxMessage.due_at <= now,
               or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now))
        .values(claimed_until=now + dt.timedelta(seconds=CLAIM_SECONDS),
                attempts=OutboxMessage.attempts + 1)
        .execution_options(synchronize_session=False))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def mark_sent(session: Session, message_id: int) -> None:
    """Record that a claimed message went out."""
    session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id)
                    .values(sent_at=utcnow(), claimed_until=None, last_error=None)
                    .execution_options(synchronize_session=False))


def mark_failed(session: Session, message_id: int, error: str, *, give_up: bool = False) -> None:
    """Record a failed attempt: retry later with a growing delay, or stop trying."""
    message = session.get(OutboxMessage, message_id)
    if message is None:
        return
    now = utcnow()
    message.last_error = error[:2000]
    message.claimed_until = None
    if give_up or message.attempts >= MAX_ATTEMPTS:
        message.given_up_at = now
    else:
        message.due_at = now + backoff(message.attempts)
    session.flush()


def retry_given_up(session: Session) -> int:
    """Put every message the sender gave up on back in the queue; return how many."""
    result = session.execute(
        update(OutboxMessage).where(OutboxMessage.given_up_at.is_not(None),
                                    OutboxMessage.sent_at.is_(None))
        .values(given_up_at=None, attempts=0, due_at=utcnow())
        .execution_options(synchronize_session=False))
    return int(result.rowcount)  # type: ignore[attr-defined]


def counts(session: Session) -> dict[str, int]:
    """Return how many messages are pending, sent and given up."""
    pending = session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.sent_at.is_(None), OutboxMessage.given_up_at.is_(None))) or 0
    sent = session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.sent_at.is_not(None))) or 0
    given_up = session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.sent_at.is_(None), OutboxMessage.given_up_at.is_not(None))) or 0
    return {"pending": pending, "sent": sent, "given_up": given_up}
