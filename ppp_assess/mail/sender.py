"""The one sender of the outbox: claim due messages, write them, send them, mark them.

Each message goes through three short transactions of its own, never the request's:
claim (a lease, so two senders never send one row at the same time), then send outside
any transaction, then mark sent or failed. A crash between sending and marking leaves
the claim to expire; the message is then sent again with the same ``Message-ID``.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from flask import Flask

from ppp_assess.config import Settings
from ppp_assess.mail import compose, transport
from ppp_assess.models import OutboxMessage
from ppp_assess.services import outbox
from ppp_assess.unit_of_work import get_database

log = logging.getLogger(__name__)


@dataclass
class Delivery:
    """What one run of the sender did."""

    sent: int = 0
    failed: int = 0
    dropped: int = 0


def _offered(app: Flask) -> tuple[str, ...]:
    offered: tuple[str, ...] = app.extensions.get("ppp_locales", ())
    return offered


def deliver_one(app: Flask, settings: Settings, message_id: int) -> str:
    """Claim, write and send one message; return "sent", "failed", "dropped" or "skipped"."""
    database = get_database(app)
    with database.transaction() as session:
        if not outbox.claim(session, message_id):
            return "skipped"
    try:
        with database.reading() as session:
            row = session.get(OutboxMessage, message_id)
            mail = (compose.compose(session, settings, row, _offered(app))
                    if row is not None else None)
        if mail is None:
            with database.transaction() as session:
                outbox.mark_failed(session, message_id, "nothing to send", give_up=True)
            return "dropped"
        transport.send(settings, transport.build_message(settings, mail,
                                                         key=f"outbox.{message_id}"))
    except Exception as error:
        log.warning("outbox message %s not sent: %s", message_id, error, exc_info=True)
        with database.transaction() as session:
            # A message nobody can write (an unknown kind, a bad address) is not retried.
            permanent = isinstance(error, KeyError | ValueError)
            outbox.mark_failed(session, message_id, f"{type(error).__name__}: {error}",
                               give_up=permanent)
        return "failed"
    with database.transaction() as session:
        outbox.mark_sent(session, message_id)
    return "sent"


def deliver_due(app: Flask, settings: Settings, *, limit: int = 100) -> Delivery:
    """Send the messages that are due now, oldest first."""
    with get_database(app).reading() as session:
        ids = outbox.due_ids(session, limit=limit)
    result = Delivery()
    for message_id in ids:
        outcome = deliver_one(app, settings, message_id)
        if outcome == "sent":
            result.sent += 1
        elif outcome == "failed":
            result.failed += 1
        elif outcome == "dropped":
            result.dropped += 1
    return result


def run_worker(app: Flask, settings: Settings, *, interval: float = 5.0,
               stop_after: int | None = None) -> None:
    """Send due messages every ``interval`` seconds until stopped.

    :param stop_after: stop after this many rounds (tests); run forever when None.
    """
    rounds = 0
    while stop_after is None or rounds < stop_after:
        rounds += 1
        try:
            result = deliver_due(app, settings)
        except Exception:
            # The database may be away for a while; the next round tries again.
            log.exception("outbox round failed")
        else:
            if result.sent or result.failed:
                log.info("outbox: %d sent, %d failed", result.sent, result.failed)
        if stop_after is None or rounds < stop_after:
            time.sleep(interval)
