"""Reading the audit log: filtered, newest first, one page at a time.

Pages are cut by sequence number (keyset pagination) rather than by offset, so that
the page of newest events costs the same however long the log grows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from ppp_assess.models import AuditEvent, User
from ppp_assess.services.accounts import find_user

#: Events shown per page.
PER_PAGE = 50


@dataclass(frozen=True)
class AuditFilter:
    """What the audit log is filtered by; empty fields do not filter."""

    action: str = ""
    #: The acting user's e-mail address or id.
    actor: str = ""
    object_type: str = ""
    object_id: str = ""
    organisation_id: int | None = None
    #: First and last day included (UTC).
    since: dt.date | None = None
    until: dt.date | None = None


@dataclass(frozen=True)
class AuditRow:
    """One event with the e-mail address of its actor, if known."""

    event: AuditEvent
    actor_email: str | None


@dataclass(frozen=True)
class AuditPage:
    """One page of events, newest first, with the cursors of its neighbours."""

    rows: list[AuditRow]
    #: Pass as ``after`` to see newer events, or None on the newest page.
    newer_cursor: int | None
    #: Pass as ``before`` to see older events, or None on the oldest page.
    older_cursor: int | None


def _filtered(query: Select[Any], session: Session,
              filters: AuditFilter) -> Select[Any] | None:
    """Apply ``filters``; None when they cannot match anything (an unknown actor)."""
    if filters.action:
        query = query.where(AuditEvent.action == filters.action)
    actor = filters.actor.strip()
    if actor:
        if actor.isdigit():
            query = query.where(AuditEvent.actor_id == int(actor))
        else:
            user = find_user(session, actor)
            if user is None:
                return None
            query = query.where(AuditEvent.actor_id == user.id)
    if filters.object_type:
        query = query.where(AuditEvent.object_type == filters.object_type)
    if filters.object_id.strip():
        query = query.where(AuditEvent.object_id == filters.object_id.strip())
    if filters.organisation_id is not None:
        query = query.where(AuditEvent.organisation_id == filters.organisation_id)
    if filters.since is not None:
        start = dt.datetime.combine(filters.since, dt.time(), tzinfo=dt.UTC)
        query = query.where(AuditEvent.occurred_at >= start)
    if filters.until is not None:
        end = dt.datetime.combine(filters.until + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
        query = query.where(AuditEvent.occurred_at < end)
    return query


def search_events(session: Session, filters: AuditFilter, *, before: int | None = None,
                  after: int | None = None, per_page: int = PER_PAGE) -> AuditPage:
    """Return one page of events matching ``filters``, newest first.

    :param before: show events older than this sequence number (the next page).
    :param after: show events newer than this sequence number (the previous page).
    """
    query = _filtered(select(AuditEvent), session, filters)
    if query is None:
        return AuditPage(rows=[], newer_cursor=None, older_cursor=None)
    if after is not None:
        rows: list[AuditEvent] = list(session.scalars(
            query.where(AuditEvent.sequence > after)
            .order_by(AuditEvent.sequence.asc()).limit(per_page + 1)))
        more_newer = len(rows) > per_page
        events = list(reversed(rows[:per_page]))
        more_older = bool(events) and _exists(session, query, older_than=events[-1].sequence)
    else:
        if before is not None:
            query = query.where(AuditEvent.sequence < before)
        rows = list(session.scalars(query.order_by(AuditEvent.sequence.desc())
                                    .limit(per_page + 1)))
        more_older = len(rows) > per_page
        events = rows[:per_page]
        more_newer = before is not None and bool(events)
    actor_ids = {event.actor_id for event in events if event.actor_id is not None}
    emails = {row.id: row.email for row in session.execute(
        select(User.id, User.email).where(User.id.in_(actor_ids)))} if actor_ids else {}
    return AuditPage(
        rows=[AuditRow(event=event, actor_email=emails.get(event.actor_id or 0))
              for event in events],
        newer_cursor=events[0].sequence if events and more_newer else None,
        older_cursor=events[-1].sequence if events and more_older else None,
    )


def _exists(session: Session, query: Select[Any], *, older_than: int) -> bool:
    return session.scalar(query.where(AuditEvent.sequence < older_than)
                          .with_only_columns(AuditEvent.id).limit(1)) is not None


def known_actions(session: Session) -> list[str]:
    """Return every action that occurs in the log, sorted (for the filter's choices)."""
    return list(session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))

