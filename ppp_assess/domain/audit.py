"""Hash-chained, append-only audit events.

Each event stores the hash of the event before it (``prev_hash``); the first event
links to :data:`GENESIS_HASH`. An event's hash is the HMAC-SHA-256, under the
installation's audit key, of the canonical JSON of all its fields, ``prev_hash``
included, so changing, removing, inserting or reordering any stored event breaks every
link after it, and :func:`verify_chain` names the first event where that happens. The
key is kept outside the database: someone who can rewrite the table cannot compute
the hashes of a rewritten chain.

The chain cannot tell on its own that events were cut off at the end. To detect
that, record its head (the sequence and hash of the last event) elsewhere (a log line,
a published digest, a certificate) and pass it to :func:`verify_chain`, which then
fails unless the chain still holds that very event.

The hashed document of an event is::

    {"action": str, "actor_id": int | null, "after": JSON | null,
     "before": JSON | null, "object_id": str, "object_type": str,
     "occurred_at": "YYYY-MM-DDTHH:MM:SS.ffffffZ", "organisation_id": int | null,
     "prev_hash": 64 lowercase hex digits, "sequence": int}

serialised by :func:`canonical_json`. ``occurred_at`` is the UTC instant with
microseconds, so storage must keep microseconds and the time zone (or UTC).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from types import MappingProxyType
from typing import TypeAlias

from ppp_assess.domain.messages import N_

#: A value that :func:`canonical_json` accepts (tuples are accepted as lists too).
JSONValue: TypeAlias = (
    "bool | int | float | str | list[JSONValue] | tuple[JSONValue, ...]"
    " | dict[str, JSONValue] | None"
)

#: What the first event of a chain links to.
GENESIS_HASH = "0" * 64

#: The sequence number of the first event of a chain.
FIRST_SEQUENCE = 1


def _check_json(value: object, path: str) -> None:
    # json.dumps alone would quietly turn {1: "a"} into {"1": "a"} and accept NaN,
    # so two different objects could share one canonical form.
    if value is None or isinstance(value, bool | int | str):
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{path}: non-finite numbers have no JSON form")
        return
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _check_json(item, f"{path}/{index}")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"{path}: object keys must be strings, got {key!r}")
            _check_json(item, f"{path}/{key}")
        return
    raise TypeError(f"{path}: {type(value).__name__} is not a JSON value; convert it first")


def canonical_json(obj: JSONValue) -> bytes:
    """Serialise ``obj`` to canonical JSON bytes: sorted keys, no whitespace, UTF-8.

    Non-ASCII characters are written as themselves, not escaped. Floats use Python's
    shortest round-trip representation. Keys are sorted by code point, which differs
    from RFC 8785 only for characters outside the Basic Multilingual Plane.

    :param obj: ``None``, booleans, integers, finite floats, strings, lists, tuples and
        dicts with string keys, nested freely.
    :return: the UTF-8 encoded JSON text.
    :raises TypeError: on any other type (for example a ``datetime``: format it first)
        or a non-string key.
    :raises ValueError: on NaN or infinity, or a string that cannot be encoded as UTF-8.
    """
    _check_json(obj, "")
    text = json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8")


def format_timestamp(moment: datetime) -> str:
    """Return ``moment`` as ISO 8601 UTC with microseconds, e.g. ``2026-03-01T09:30:00.000000Z``.

    :param moment: a timezone-aware datetime.
    :return: the formatted UTC instant.
    :raises ValueError: when ``moment`` is naive.
    """
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("audit timestamps must be timezone-aware")
    utc = moment.astimezone(UTC).replace(tzinfo=None)
    return utc.isoformat(timespec="microseconds") + "Z"


@dataclass(frozen=True, slots=True)
class AuditEventData:
    """One audit event as it is hashed: who did what to which object, and when."""

    #: Position in the chain, starting at :data:`FIRST_SEQUENCE`, without gaps.
    sequence: int
    #: When it happened; must be timezone-aware.
    occurred_at: datetime
    #: The acting user, or ``None`` for the system.
    actor_id: int | None
    #: What happened, e.g. ``"assessment.submit"`` or ``"answer.change"``.
    action: str
    #: The kind of object acted on, e.g. ``"assessment"``.
    object_type: str
    #: The object's identifier, as a string whatever its type in storage.
    object_id: str
    #: The organisation the object belongs to, if any.
    organisation_id: int | None
    #: The relevant state before the change, as JSON-able data.
    before: JSONValue
    #: The relevant state after the change, as JSON-able data.
    after: JSONValue
    #: The stored hash of the previous event, or :data:`GENESIS_HASH`.
    prev_hash: str

    def __post_init__(self) -> None:
        # Checked here because a naive time has no single UTC form to hash.
        format_timestamp(self.occurred_at)


def event_document(event: AuditEventData) -> dict[str, JSONValue]:
    """Return the JSON document of ``event`` that :func:`event_hash` hashes.

    :param event: the event.
    :return: every field by name, ``occurred_at`` formatted by :func:`format_timestamp`.
    """
    return {
        "sequence": event.sequence,
        "occurred_at": format_timestamp(event.occurred_at),
        "actor_id": event.actor_id,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "organisation_id": event.organisation_id,
        "before": event.before,
        "after": event.after,
        "prev_hash": event.prev_hash,
    }


def event_hash(event: AuditEventData, *, key: bytes) -> str:
    """Return the HMAC-SHA-256 hex digest of the canonical JSON of all fields of ``event``.

    :param event: the event.
    :param key: the installation's audit key.
    :return: 64 lowercase hexadecimal digits.
    :raises TypeError: when ``before`` or ``after`` is not JSON-able.
    :raises ValueError: when ``before`` or ``after`` holds NaN or infinity.
    """
    if not key:
        raise ValueError("the audit key must not be empty")
    return hmac.new(key, canonical_json(event_document(event)), hashlib.sha256).hexdigest()


def next_event(
    head: tuple[int, str] | None,
    *,
    key: bytes,
    occurred_at: datetime,
    actor_id: int | None,
    action: str,
    object_type: str,
    object_id: str,
    organisation_id: int | None = None,
    before: JSONValue = None,
    after: JSONValue = None,
) -> tuple[AuditEventData, str]:
    """Build the event that follows ``head`` and compute its hash.

    The caller must hold a lock on the head while it stores the result, or two
    writers could both extend the same event.

    :param head: ``(sequence, stored hash)`` of the last event, or ``None`` for an
        empty chain.
    :param key: the installation's audit key.
    :return: the new event and its hash, ready to store.
    :raises ValueError: when ``occurred_at`` is naive.
    """
    sequence, prev_hash = (FIRST_SEQUENCE - 1, GENESIS_HASH) if head is None else head
    event = AuditEventData(
        sequence=sequence + 1,
        occurred_at=occurred_at,
        actor_id=actor_id,
        action=action,
        object_type=object_type,
        object_id=object_id,
        organisation_id=organisation_id,
        before=before,
        after=after,
        prev_hash=prev_hash,
    )
    return event, event_hash(event, key=key)


class ChainFault(StrEnum):
    """Which check an event failed."""

    #: The event's sequence number is not the one after the previous event's.
    sequence = "sequence"
    #: The event's ``prev_hash`` is not the previous event's stored hash.
    link = "link"
    #: The event's stored hash is not the hash of its fields.
    hash = "hash"
    #: The chain no longer holds the head recorded earlier: cut off or rewritten.
    head = "head"


_FAULT_REASONS: Mapping[ChainFault, str] = MappingProxyType(
    {
        ChainFault.sequence: N_(
            "Audit event %(sequence)s is out of order: event %(expected)s was expected."
        ),
        ChainFault.link: N_("Audit event %(sequence)s does not link to the event before it."),
        ChainFault.hash: N_("Audit event %(sequence)s does not match its stored hash."),
        ChainFault.head: N_("The audit chain no longer holds the recorded head, event "
                            "%(sequence)s: it was cut off or rewritten."),
    }
)


@dataclass(frozen=True, slots=True)
class ChainResult:
    """The outcome of :func:`verify_chain`."""

    #: Whether every event passed every check.
    ok: bool
    #: How many events passed before the first failure (all of them when ``ok``); on a
    #: failure it is also the 0-based position of the failed event in the input.
    checked: int
    #: The sequence number, as stored, of the first event that failed; ``None`` when ``ok``.
    first_broken_sequence: int | None
    #: A msgid with named placeholders saying what failed; ``None`` when ``ok``.
    reason: str | None
    #: Which check failed; ``None`` when ``ok``.
    fault: ChainFault | None
    #: The values for the placeholders of :attr:`reason`.
    params: Mapping[str, int]
    #: Sequence number of the last event that passed (or the starting point).
    last_sequence: int
    #: Stored hash of the last event that passed (or the starting hash).
    last_hash: str


def verify_chain(
    events: Iterable[tuple[AuditEventData, str]],
    *,
    key: bytes,
    previous_sequence: int = FIRST_SEQUENCE - 1,
    previous_hash: str = GENESIS_HASH,
    head: tuple[int, str] | None = None,
) -> ChainResult:
    """Check that ``events`` form an unbroken chain, stopping at the first break.

    For each event, in the order given: its sequence is one more than the previous
    one; its ``prev_hash`` equals the previous stored hash; its stored hash equals
    :func:`event_hash` of its fields. A deleted event is reported at the event after
    the gap; an edited event or stored hash at that event.

    :param events: ``(event, stored hash)`` pairs in ascending sequence order; a
        generator is fine, it is read once.
    :param previous_sequence: to verify from a known point, the sequence before the
        first event given (by default the chain must start at :data:`FIRST_SEQUENCE`).
    :param previous_hash: the stored hash of that point (by default :data:`GENESIS_HASH`).
    :param key: the installation's audit key.
    :param head: ``(sequence, hash)`` of an event recorded earlier (:func:`ChainResult`'s
        ``last_sequence`` and ``last_hash`` at that time); the chain must still hold it.
    :return: the outcome, with the first broken event if any.
    """
    checked = 0
    last_sequence = previous_sequence
    last_hash = previous_hash
    for event, stored_hash in events:
        params: dict[str, int] = {"sequence": event.sequence}
        fault: ChainFault | None = None
        if event.sequence != last_sequence + 1:
            fault = ChainFault.sequence
            params["expected"] = last_sequence + 1
        elif event.prev_hash != last_hash:
            fault = ChainFault.link
        elif event_hash(event, key=key) != stored_hash:
            fault = ChainFault.hash
        elif head is not None and event.sequence == head[0] and stored_hash != head[1]:
            fault = ChainFault.head
        if fault is not None:
            return ChainResult(
                ok=False,
                checked=checked,
                first_broken_sequence=event.sequence,
                reason=_FAULT_REASONS[fault],
                fault=fault,
                params=MappingProxyType(params),
                last_sequence=last_sequence,
                last_hash=last_hash,
            )
        checked += 1
        last_sequence = event.sequence
        last_hash = stored_hash
    if head is not None and last_sequence < head[0]:
        return ChainResult(
            ok=False,
            checked=checked,
            first_broken_sequence=head[0],
            reason=_FAULT_REASONS[ChainFault.head],
            fault=ChainFault.head,
            params=MappingProxyType({"sequence": head[0]}),
            last_sequence=last_sequence,
            last_hash=last_hash,
        )
    return ChainResult(
        ok=True,
        checked=checked,
        first_broken_sequence=None,
        reason=None,
        fault=None,
        params=MappingProxyType({}),
        last_sequence=last_sequence,
        last_hash=last_hash,
    )
