"""The append-only, hash-chained audit log."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import fields
from typing import Any, NamedTuple, cast

from sqlalchemy import (
    CTE,
    BigInteger,
    Connection,
    Integer,
    ScalarResult,
    String,
    Table,
    bindparam,
    column,
    func,
    insert,
    select,
)
from sqlalchemy.orm import Session

from ppp_assess.domain.audit import AuditEventData, ChainResult, next_event, verify_chain
from ppp_assess.models import AuditEvent
from ppp_assess.models.base import utcnow
from ppp_assess.models.database import DriverStatement, writing_connection

log = logging.getLogger(__name__)


class RecordedEvent(NamedTuple):
    """An event just appended to the chain."""

    id: int
    sequence: int
    hash: str


#: Key of the PostgreSQL advisory lock that serialises appends to the chain.
AUDIT_LOCK_KEY = 0x5050_4155  # "PPAU"


def _connection_to_append(session: Session) -> Connection:
    """Return the transaction's connection, its own pending changes flushed, ready to
    append to the chain.

    Every writer of the database queues for the chain's lock until its commit, so the
    transaction's pending changes are written first: the lock then covers the append and
    the commit alone.
    """
    connection = writing_connection(session)
    if connection.dialect.name == "postgresql":
        session.flush()
    return connection


#: Key in ``Session.info`` of the installation's audit key (set by the Database).
AUDIT_KEY = "audit_key"


def audit_key(session: Session) -> bytes:
    """Return the audit key the session's database was opened with.

    :raises RuntimeError: when the database was opened without one.
    """
    key = session.info.get(AUDIT_KEY)
    if not key:
        raise RuntimeError("The database was opened without an audit key.")
    return bytes(key)


_EVENTS = cast(Table, AuditEvent.__table__)
#: The chain's last event, built once (every change asks it; the table's columns, run on
#: the connection without the ORM's execution path).
_HEAD = select(_EVENTS.c.sequence, _EVENTS.c.hash).order_by(_EVENTS.c.sequence.desc()).limit(1)
#: One event appended (the table's, not the ORM's: one row, not a bulk insert).
_APPEND = insert(_EVENTS).returning(_EVENTS.c.id)
#: The fields of an event, stored in the columns of the same names.
_EVENT_FIELDS = tuple(field.name for field in fields(AuditEventData))
#: PostgreSQL: the head read once the chain's transaction-scoped advisory lock is
#: granted, in one round trip (migration ``0017_audit_chain_head``: a function whose SELECT
#: sees what the lock's previous holder committed). Two transactions then never extend the
#: same event. SQLite needs no lock of its own: every transaction there begins IMMEDIATE,
#: so one writer runs at a time.
_LOCKED_HEAD = select(*func.audit_chain_head(bindparam("key", type_=BigInteger)).table_valued(
    column("sequence", Integer), column("hash", String)).c)
#: The statements, compiled once and run on the driver.
_HEAD_READER = DriverStatement(_HEAD)
_LOCKED_HEAD_READER = DriverStatement(_LOCKED_HEAD)
_APPENDER = DriverStatement(_APPEND, column_keys=[*_EVENT_FIELDS, "hash"])


class NextEvent(NamedTuple):
    """An event given its place in the chain, to be stored by the caller's transaction,
    which holds the chain's lock until it ends."""

    #: The values of its row: each column by name, for :data:`_APPEND`.
    row: dict[str, Any]
    sequence: int
    hash: str

    def parameters(self) -> dict[str, Any]:
        """Return its values as the parameters of :func:`appended_in`'s statement."""
        return {f"{_PREFIX}{name}": value for name, value in self.row.items()}


def next_in_chain(
    session: Session,
    *,
    actor_id: int | None,
    action: str,
    object_type: str,
    object_id: str | int,
    organisation_id: int | None = None,
    before: Any = None,
    after: Any = None,
) -> NextEvent:
    """Take the chain's lock for the caller's transaction (on SQLite, the write lock it
    holds already is that lock) and return the event that extends its head; the caller
    stores it (:func:`record_event` does) before its commit, and tells :func:`appended`
    once it has.
    """
    connection = _connection_to_append(session)
    if connection.dialect.name == "postgresql":
        head_row = _LOCKED_HEAD_READER.execute(connection, {"key": AUDIT_LOCK_KEY}).first()
    else:
        head_row = _HEAD_READER.execute(connection, {}).first()
    head = (head_row[0], head_row[1]) if head_row else None
    event, digest = next_event(
        head,
        key=audit_key(session),
        occurred_at=utcnow(),
        actor_id=actor_id,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        organisation_id=organisation_id,
        before=before,
        after=after,
    )
    return NextEvent({**{name: getattr(event, name) for name in _EVENT_FIELDS},
                      "hash": digest}, event.sequence, digest)


def appended(session: Session, event: NextEvent) -> None:
    """Note that the caller's transaction stored ``event``."""
    # What the unit of work did, for whoever counts it after the commit (metrics).
    session.info.setdefault("audit_actions", []).append(event.row["action"])
    log.debug("audit %s %s:%s by %s", event.row["action"], event.row["object_type"],
              event.row["object_id"], event.row["actor_id"])


#: Prefix of the parameters of :func:`appended_in`'s INSERT, apart from a statement's own.
_PREFIX = "event_"


def appended_in() -> CTE:
    """Return the INSERT of a :class:`NextEvent` as a common table expression, for a
    caller that stores it with its own change in one statement (PostgreSQL: one round
    trip less); its parameters are :meth:`NextEvent.parameters`."""
    return (insert(_EVENTS)
            .values({name: bindparam(f"{_PREFIX}{name}", type_=_EVENTS.c[name].type)
                     for name in (*_EVENT_FIELDS, "hash")})
            .returning(_EVENTS.c.id).cte("event_appended"))


def record_event(
    session: Session,
    *,
    actor_id: int | None,
    action: str,
    object_type: str,
    object_id: str | int,
    organisation_id: int | None = None,
    before: Any = None,
    after: Any = None,
) -> RecordedEvent:
    """Append one event to the audit chain in the caller's transaction.

    :param session: the session whose transaction also holds the change being audited.
    :param action: what happened, e.g. ``"assessment.submitted"``.
    :return: the stored event's id, sequence and hash.
    """
    event = next_in_chain(session, actor_id=actor_id, action=action,
                          object_type=object_type, object_id=object_id,
                          organisation_id=organisation_id, before=before, after=after)
    # A plain INSERT, built once: the ORM's unit of work cost more than the rest of the
    # append, and building the statement with its values as much as running it.
    event_id = _APPENDER.execute(writing_connection(session), event.row).scalar_one()
    session.flush()  # callers count on their own changes being written with the event
    appended(session, event)
    return RecordedEvent(id=event_id, sequence=event.sequence, hash=event.hash)


def _as_data(row: AuditEvent) -> tuple[AuditEventData, str]:
    return AuditEventData(**{name: getattr(row, name) for name in _EVENT_FIELDS}), row.hash


def _stream(
    session: Session, rows: ScalarResult[AuditEvent]
) -> Iterator[tuple[AuditEventData, str]]:
    for row in rows:
        yield _as_data(row)
        session.expunge(row)


def chain_head(session: Session) -> tuple[int, str] | None:
    """Return ``(sequence, hash)`` of the newest audit event, or None for an empty log."""
    row = session.execute(
        select(AuditEvent.sequence, AuditEvent.hash).order_by(AuditEvent.sequence.desc())
        .limit(1)).first()
    return (row.sequence, row.hash) if row else None


def parse_head(text: str) -> tuple[int, str]:
    """Read a head written as ``SEQUENCE:HASH`` (as ``flask audit head`` prints it).

    :raises ValueError: when ``text`` is not of that form.
    """
    sequence, separator, digest = text.strip().partition(":")
    if not separator or not sequence.isascii() or not sequence.isdigit() or \
            len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise ValueError("A head is SEQUENCE:HASH, for example 1234:3f5a... (64 hex digits).")
    return int(sequence), digest


def verify_audit_chain(session: Session, *, head: tuple[int, str] | None = None
                       ) -> ChainResult:
    """Check the whole audit chain, streaming it, and return the outcome.

    :param head: a head recorded earlier; the chain must still hold it, which detects a
        chain cut off at the end or rewritten as a whole.
    """
    rows = session.scalars(
        select(AuditEvent).order_by(AuditEvent.sequence).execution_options(yield_per=1000)
    )
    try:
        return verify_chain(_stream(session, rows), key=audit_key(session), head=head)
    finally:
        # Verification stops at the first break; the server-side cursor must not linger.
        rows.close()
