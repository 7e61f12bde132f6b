"""Hash-chained audit events: canonical form, hashing and chain verification."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import itertools
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ppp_assess.domain.audit import (
    FIRST_SEQUENCE,
    GENESIS_HASH,
    AuditEventData,
    ChainFault,
    canonical_json,
    event_document,
    event_hash,
    format_timestamp,
    next_event,
    verify_chain,
)

Chain = list[tuple[AuditEventData, str]]

#: The installation's audit key in these tests.
KEY = b"an audit key of thirty-two bytes!"

START = datetime(2026, 3, 1, 9, 30, 0, 123456, tzinfo=UTC)


def build_chain() -> Chain:
    """Build six linked events with varied content."""
    contents: list[dict[str, Any]] = [
        {
            "actor_id": 7,
            "action": "assessment.create",
            "object_type": "assessment",
            "object_id": "12",
            "organisation_id": 3,
            "before": None,
            "after": {"status": "draft"},
        },
        {
            "actor_id": 7,
            "action": "answer.change",
            "object_type": "answer",
            "object_id": "12:q_budget",
            "organisation_id": 3,
            "before": {"value": None},
            "after": {"value": "yes", "comment": "Voir l'annexe B — budget 2026"},
        },
        {
            "actor_id": 7,
            "action": "assessment.submit",
            "object_type": "assessment",
            "object_id": "12",
            "organisation_id": 3,
            "before": {"status": "draft"},
            "after": {"status": "submitted", "score": 71.25},
        },
        {
            "actor_id": None,
            "action": "system.reindex",
            "object_type": "benchmark",
            "object_id": "zero-tolerance-corruption:1",
            "organisation_id": None,
            "before": None,
            "after": None,
        },
        {
            "actor_id": 2,
            "action": "assessment.start_review",
            "object_type": "assessment",
            "object_id": "12",
            "organisation_id": 3,
            "before": {"status": "submitted"},
            "after": {"status": "in_review", "notes": ["مراجعة", "审查"]},
        },
        {
            "actor_id": 2,
            "action": "assessment.approve",
            "object_type": "assessment",
            "object_id": "12",
            "organisation_id": 3,
            "before": {"status": "in_review"},
            "after": {"status": "approved", "flags": [True, False, 0, 1.5]},
        },
    ]
    chain: Chain = []
    head: tuple[int, str] | None = None
    for index, content in enumerate(contents):
        event, digest = next_event(head, key=KEY, occurred_at=START + timedelta(minutes=index),
                                   **content)
        chain.append((event, digest))
        head = (event.sequence, digest)
    return chain


def replace_event(chain: Chain, index: int, **changes: Any) -> Chain:
    """Return a copy of ``chain`` with one event's fields changed and its stored hash kept."""
    tampered = list(chain)
    event, digest = tampered[index]
    tampered[index] = (dataclasses.replace(event, **changes), digest)
    return tampered


# --- canonical JSON ---------------------------------------------------------------------


def test_canonical_json_sorts_keys_and_drops_whitespace() -> None:
    assert canonical_json({"b": 1, "a": [1, 2, {"d": None, "c": True}]}) == (
        b'{"a":[1,2,{"c":true,"d":null}],"b":1}'
    )


def test_canonical_json_keeps_non_ascii_as_utf8() -> None:
    text = "Évaluation — تقييم — 评估"
    assert canonical_json({"t": text}) == ('{"t":"' + text + '"}').encode("utf-8")
    assert b"\\u" not in canonical_json({"t": text})


def test_canonical_json_is_independent_of_insertion_order() -> None:
    first: dict[str, Any] = {"x": 1, "y": {"b": 2, "a": 1}}
    second: dict[str, Any] = {"y": {"a": 1, "b": 2}, "x": 1}
    assert canonical_json(first) == canonical_json(second)


def test_canonical_json_treats_tuples_as_lists() -> None:
    assert canonical_json({"a": (1, "b")}) == canonical_json({"a": [1, "b"]}) == b'{"a":[1,"b"]}'


@pytest.mark.parametrize(
    "value",
    [
        datetime(2026, 1, 1, tzinfo=UTC),
        {"when": datetime(2026, 1, 1, tzinfo=UTC)},
        [Decimal("1.5")],
        {1: "integer key"},
        {"set": {1, 2}},
        b"bytes",
    ],
)
def test_canonical_json_refuses_non_json_types(value: Any) -> None:
    with pytest.raises(TypeError):
        canonical_json(value)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), {"a": [float("-inf")]}])
def test_canonical_json_refuses_non_finite_numbers(value: Any) -> None:
    with pytest.raises(ValueError):
        canonical_json(value)


# --- timestamps and hashing ---------------------------------------------------------------


def test_format_timestamp_is_utc_with_microseconds() -> None:
    assert format_timestamp(START) == "2026-03-01T09:30:00.123456Z"
    assert format_timestamp(datetime(2026, 3, 1, tzinfo=UTC)) == "2026-03-01T00:00:00.000000Z"
    plus_two = timezone(timedelta(hours=2))
    assert format_timestamp(datetime(2026, 3, 1, 11, 30, tzinfo=plus_two)) == (
        "2026-03-01T09:30:00.000000Z"
    )


def test_naive_timestamps_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        format_timestamp(datetime(2026, 3, 1))
    with pytest.raises(ValueError, match="timezone-aware"):
        next_event(
            None,
            occurred_at=datetime(2026, 3, 1),
            actor_id=1,
            action="a",
            object_type="b",
            object_id="c", key=KEY
        )


def test_event_hash_is_the_keyed_sha256_of_the_documented_form() -> None:
    event = AuditEventData(
        sequence=1,
        occurred_at=datetime(2026, 3, 1, 9, 30, tzinfo=UTC),
        actor_id=7,
        action="assessment.submit",
        object_type="assessment",
        object_id="12",
        organisation_id=None,
        before={"status": "draft"},
        after={"status": "submitted", "note": "é"},
        prev_hash=GENESIS_HASH,
    )
    # Written out by hand from the format in the module documentation.
    expected = (
        '{"action":"assessment.submit","actor_id":7,'
        '"after":{"note":"é","status":"submitted"},"before":{"status":"draft"},'
        '"object_id":"12","object_type":"assessment",'
        '"occurred_at":"2026-03-01T09:30:00.000000Z","organisation_id":null,'
        '"prev_hash":"' + "0" * 64 + '","sequence":1}'
    ).encode()
    assert canonical_json(event_document(event)) == expected
    assert event_hash(event, key=KEY) == hmac.new(KEY, expected, hashlib.sha256).hexdigest()
    assert event_hash(event, key=KEY) != hashlib.sha256(expected).hexdigest()


def test_same_instant_in_another_zone_hashes_the_same() -> None:
    event, digest = build_chain()[0]
    elsewhere = event.occurred_at.astimezone(timezone(timedelta(hours=-5)))
    assert event_hash(dataclasses.replace(event, occurred_at=elsewhere), key=KEY) == digest


def test_next_event_links_to_the_head() -> None:
    chain = build_chain()
    assert chain[0][0].sequence == FIRST_SEQUENCE
    assert chain[0][0].prev_hash == GENESIS_HASH
    for (previous, previous_hash), (event, digest) in itertools.pairwise(chain):
        assert event.sequence == previous.sequence + 1
        assert event.prev_hash == previous_hash
        assert digest == event_hash(event, key=KEY)
    assert len({digest for _, digest in chain}) == len(chain)


# --- verification ---------------------------------------------------------------------


def test_valid_chain_verifies() -> None:
    chain = build_chain()
    result = verify_chain(chain, key=KEY)
    assert result.ok
    assert result.checked == len(chain)
    assert result.first_broken_sequence is None
    assert result.reason is None
    assert result.fault is None
    assert result.last_sequence == chain[-1][0].sequence
    assert result.last_hash == chain[-1][1]


def test_empty_chain_verifies() -> None:
    result = verify_chain([], key=KEY)
    assert result.ok
    assert result.checked == 0
    assert result.last_hash == GENESIS_HASH
    assert result.last_sequence == FIRST_SEQUENCE - 1


def test_chain_is_read_once_from_a_generator() -> None:
    chain = build_chain()
    assert verify_chain((pair for pair in chain), key=KEY).ok


CHANGES: dict[str, Any] = {
    "sequence": 99,
    "occurred_at": START + timedelta(minutes=2, microseconds=1),
    "actor_id": 8,
    "action": "assessment.approve",
    "object_type": "project",
    "object_id": "13",
    "organisation_id": 4,
    "before": {"status": "drafts"},
    "after": {"status": "submitted", "score": 71.26},
    "prev_hash": "f" * 64,
}


def test_every_field_is_covered_by_a_change() -> None:
    assert set(CHANGES) == {field.name for field in dataclasses.fields(AuditEventData)}


@pytest.mark.parametrize("field_name", sorted(CHANGES))
def test_changing_any_field_breaks_the_chain_at_that_event(field_name: str) -> None:
    chain = build_chain()
    original = chain[2][0]
    assert getattr(original, field_name) != CHANGES[field_name]
    result = verify_chain(replace_event(chain, 2, **{field_name: CHANGES[field_name]}), key=KEY)
    assert not result.ok
    assert result.checked == 2
    assert result.first_broken_sequence == CHANGES[field_name] if field_name == "sequence" else 3
    expected_fault = {"sequence": ChainFault.sequence, "prev_hash": ChainFault.link}.get(
        field_name, ChainFault.hash
    )
    assert result.fault == expected_fault
    assert result.last_sequence == 2
    assert result.last_hash == chain[1][1]


@pytest.mark.parametrize("index", range(6))
def test_changing_each_event_is_found_at_that_event(index: int) -> None:
    chain = build_chain()
    result = verify_chain(replace_event(chain, index, action="tampered"), key=KEY)
    assert (result.ok, result.first_broken_sequence, result.checked) == (False, index + 1, index)
    assert result.fault == ChainFault.hash
    assert result.reason == "Audit event %(sequence)s does not match its stored hash."
    assert dict(result.params) == {"sequence": index + 1}


def test_a_nested_change_in_after_breaks_the_chain() -> None:
    chain = build_chain()
    event = chain[4][0]
    assert isinstance(event.after, dict)
    after = {**event.after, "notes": ["مراجعة", "审查", ""]}
    result = verify_chain(replace_event(chain, 4, after=after), key=KEY)
    assert result.first_broken_sequence == 5
    assert result.fault == ChainFault.hash


@pytest.mark.parametrize("index", range(5))
def test_deleting_an_event_is_found_after_the_gap(index: int) -> None:
    chain = build_chain()
    del chain[index]
    result = verify_chain(chain, key=KEY)
    assert not result.ok
    assert result.first_broken_sequence == index + 2
    assert result.checked == index
    assert result.fault == ChainFault.sequence
    assert dict(result.params) == {"sequence": index + 2, "expected": index + 1}
    assert result.reason is not None
    assert result.reason % result.params == (
        f"Audit event {index + 2} is out of order: event {index + 1} was expected."
    )


def test_deleting_an_event_and_renumbering_breaks_the_link() -> None:
    chain = build_chain()
    del chain[2]
    renumbered = [
        (dataclasses.replace(event, sequence=position + 1), digest)
        for position, (event, digest) in enumerate(chain)
    ]
    result = verify_chain(renumbered, key=KEY)
    assert result.first_broken_sequence == 3
    assert result.fault == ChainFault.link


def test_deleting_the_last_event_shows_only_against_a_recorded_head() -> None:
    chain = build_chain()
    recorded_head = (chain[-1][0].sequence, chain[-1][1])
    result = verify_chain(chain[:-1], key=KEY)
    assert result.ok
    assert (result.last_sequence, result.last_hash) != recorded_head


@pytest.mark.parametrize("index", range(5))
def test_swapping_neighbours_is_found(index: int) -> None:
    chain = build_chain()
    chain[index], chain[index + 1] = chain[index + 1], chain[index]
    result = verify_chain(chain, key=KEY)
    assert not result.ok
    assert result.first_broken_sequence == index + 2
    assert result.checked == index
    assert result.fault == ChainFault.sequence


def test_swapping_neighbours_and_their_numbers_breaks_the_link() -> None:
    chain = build_chain()
    (third, third_hash), (fourth, fourth_hash) = chain[2], chain[3]
    chain[2] = (dataclasses.replace(fourth, sequence=3), fourth_hash)
    chain[3] = (dataclasses.replace(third, sequence=4), third_hash)
    result = verify_chain(chain, key=KEY)
    assert result.first_broken_sequence == 3
    assert result.fault == ChainFault.link


@pytest.mark.parametrize("index", range(6))
def test_editing_a_stored_hash_is_found_at_that_event(index: int) -> None:
    chain = build_chain()
    event, digest = chain[index]
    flipped = ("1" if digest[0] == "0" else "0") + digest[1:]
    chain[index] = (event, flipped)
    result = verify_chain(chain, key=KEY)
    assert not result.ok
    assert result.first_broken_sequence == index + 1
    assert result.fault == ChainFault.hash


def test_rewriting_an_event_with_a_fresh_hash_is_found_at_the_next_event() -> None:
    chain = build_chain()
    event = dataclasses.replace(chain[2][0], actor_id=99)
    chain[2] = (event, event_hash(event, key=KEY))
    result = verify_chain(chain, key=KEY)
    assert result.first_broken_sequence == 4
    assert result.fault == ChainFault.link
    assert result.reason == "Audit event %(sequence)s does not link to the event before it."


def test_inserting_an_event_is_found() -> None:
    chain = build_chain()
    head = (chain[2][0].sequence, chain[2][1])
    forged = next_event(
        head,
        occurred_at=START,
        actor_id=1,
        action="x",
        object_type="y",
        object_id="z", key=KEY
    )
    chain.insert(3, forged)
    # The forged event itself links correctly; the original event 4 then repeats its number.
    result = verify_chain(chain, key=KEY)
    assert result.first_broken_sequence == 4
    assert result.checked == 4
    assert result.fault == ChainFault.sequence
    assert dict(result.params) == {"sequence": 4, "expected": 5}


def test_inserting_an_event_and_renumbering_breaks_the_link() -> None:
    chain = build_chain()
    head = (chain[2][0].sequence, chain[2][1])
    forged = next_event(
        head,
        occurred_at=START,
        actor_id=1,
        action="x",
        object_type="y",
        object_id="z", key=KEY
    )
    renumbered = [
        (dataclasses.replace(event, sequence=event.sequence + 1), digest)
        for event, digest in chain[3:]
    ]
    result = verify_chain([*chain[:3], forged, *renumbered], key=KEY)
    assert result.first_broken_sequence == 5
    assert result.checked == 4
    assert result.fault == ChainFault.link


def test_first_event_must_link_to_genesis() -> None:
    chain = build_chain()
    result = verify_chain(replace_event(chain, 0, prev_hash="a" * 64), key=KEY)
    assert result.first_broken_sequence == 1
    assert result.fault == ChainFault.link


def test_verify_from_a_known_point() -> None:
    chain = build_chain()
    tail = chain[3:]
    result = verify_chain(tail, previous_sequence=3, previous_hash=chain[2][1], key=KEY)
    assert result.ok
    assert result.checked == 3
    assert not verify_chain(tail, key=KEY).ok
    wrong_start = verify_chain(tail, previous_sequence=3, previous_hash=chain[1][1], key=KEY)
    assert (wrong_start.first_broken_sequence, wrong_start.fault) == (4, ChainFault.link)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


@given(st.lists(st.tuples(json_values, json_values), min_size=1, max_size=8), st.data())
def test_any_generated_chain_verifies_and_any_flipped_hash_is_found(
    contents: list[tuple[Any, Any]], data: st.DataObject
) -> None:
    chain: Chain = []
    head: tuple[int, str] | None = None
    for index, (before, after) in enumerate(contents):
        pair = next_event(
            head,
            occurred_at=START + timedelta(seconds=index),
            actor_id=index,
            action="answer.change",
            object_type="answer",
            object_id=str(index),
            before=before,
            after=after, key=KEY
        )
        chain.append(pair)
        head = (pair[0].sequence, pair[1])
    assert verify_chain(chain, key=KEY).ok
    target = data.draw(st.integers(0, len(chain) - 1))
    position = data.draw(st.integers(0, 63))
    event, digest = chain[target]
    replacement = "0" if digest[position] != "0" else "1"
    chain[target] = (event, digest[:position] + replacement + digest[position + 1 :])
    result = verify_chain(chain, key=KEY)
    assert result.first_broken_sequence == target + 1
    assert result.fault == ChainFault.hash


# --- The key and the recorded head ------------------------------------------------------------


def test_a_chain_rebuilt_without_the_key_does_not_verify() -> None:
    chain = build_chain()
    forged: Chain = []
    head: tuple[int, str] | None = None
    other = b"a key someone guessed, not ours!!"
    for event, _digest in chain:
        rebuilt, digest = next_event(
            head, key=other, occurred_at=event.occurred_at, actor_id=event.actor_id,
            action="rewritten", object_type=event.object_type, object_id=event.object_id,
            organisation_id=event.organisation_id, before=event.before, after=event.after)
        forged.append((rebuilt, digest))
        head = (rebuilt.sequence, digest)
    assert verify_chain(forged, key=other).ok
    result = verify_chain(forged, key=KEY)
    assert not result.ok and result.first_broken_sequence == 1
    assert result.fault is ChainFault.hash


def test_a_chain_cut_after_the_recorded_head_is_found() -> None:
    chain = build_chain()
    head = (chain[-1][0].sequence, chain[-1][1])
    assert verify_chain(chain, key=KEY, head=head).ok
    assert verify_chain(chain[:-2], key=KEY).ok  # alone, the cut is invisible
    result = verify_chain(chain[:-2], key=KEY, head=head)
    assert not result.ok and result.fault is ChainFault.head
    assert result.first_broken_sequence == head[0]


def test_a_head_from_the_middle_of_the_chain_still_verifies() -> None:
    chain = build_chain()
    assert verify_chain(chain, key=KEY, head=(chain[2][0].sequence, chain[2][1])).ok


def test_a_rewritten_chain_does_not_hold_the_recorded_head() -> None:
    chain = build_chain()
    head = (chain[-1][0].sequence, chain[-1][1])
    rewritten: Chain = []
    previous: tuple[int, str] | None = None
    for event, _digest in chain:
        again, digest = next_event(
            previous, key=KEY, occurred_at=event.occurred_at + timedelta(seconds=1),
            actor_id=event.actor_id, action=event.action, object_type=event.object_type,
            object_id=event.object_id, organisation_id=event.organisation_id,
            before=event.before, after=event.after)
        rewritten.append((again, digest))
        previous = (again.sequence, digest)
    assert verify_chain(rewritten, key=KEY).ok
    result = verify_chain(rewritten, key=KEY, head=head)
    assert not result.ok and result.fault is ChainFault.head
