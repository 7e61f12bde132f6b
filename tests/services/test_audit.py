"""The audit chain as stored in the database."""

from __future__ import annotations

import dataclasses

from sqlalchemy import select, update

from ppp_assess.models import AuditEvent, migrate
from ppp_assess.models.database import Database
from ppp_assess.services.audit import RecordedEvent, record_event, verify_audit_chain
from tests.conftest import TEST_AUDIT_KEY
from tests.lock_waits import run_waiting


def _record_three(db) -> None:
    record_event(db, actor_id=1, action="user.signed_in", object_type="user", object_id=1)
    record_event(db, actor_id=1, action="answer.changed", object_type="assessment",
                 object_id=7, organisation_id=3, before=None,
                 after={"question": "zt-1-1", "value": "yes", "score": 0.5})
    record_event(db, actor_id=2, action="assessment.submitted", object_type="assessment",
                 object_id=7, organisation_id=3, before={"status": "draft"},
                 after={"status": "submitted"})
    db.commit()


def test_events_are_chained_in_order(db) -> None:
    _record_three(db)
    events = db.scalars(select(AuditEvent).order_by(AuditEvent.sequence)).all()
    assert [event.sequence for event in events] == [1, 2, 3]
    assert events[0].prev_hash == "0" * 64
    assert events[1].prev_hash == events[0].hash
    assert events[2].prev_hash == events[1].hash
    result = verify_audit_chain(db)
    assert result.ok
    assert result.checked == 3


def test_a_tampered_event_breaks_verification_and_is_named(db) -> None:
    _record_three(db)
    db.execute(update(AuditEvent).where(AuditEvent.sequence == 2)
               .values(after={"question": "zt-1-1", "value": "no", "score": 0.5}))
    db.commit()
    result = verify_audit_chain(db)
    assert not result.ok
    assert result.first_broken_sequence == 2


def test_a_deleted_event_breaks_verification(db) -> None:
    _record_three(db)
    db.execute(AuditEvent.__table__.delete().where(AuditEvent.sequence == 2))
    db.commit()
    result = verify_audit_chain(db)
    assert not result.ok
    assert result.first_broken_sequence == 3


def test_cli_verify_passes_then_fails_naming_the_event(app, db) -> None:
    _record_three(db)
    runner = app.test_cli_runner()
    good = runner.invoke(args=["audit", "verify"])
    assert good.exit_code == 0, good.output
    assert "3 events verified" in good.output
    db.execute(update(AuditEvent).where(AuditEvent.sequence == 1).values(actor_id=99))
    db.commit()
    bad = runner.invoke(args=["audit", "verify"])
    assert bad.exit_code == 1
    assert "event 1" in bad.output


def test_the_head_printed_today_shows_a_chain_cut_off_tomorrow(app, db) -> None:
    _record_three(db)
    runner = app.test_cli_runner()
    printed = runner.invoke(args=["audit", "head"])
    assert printed.exit_code == 0, printed.output
    assert "events: 3" in printed.output
    head = next(line.split(" ", 1)[1] for line in printed.output.splitlines()
                if line.startswith("head: "))
    assert runner.invoke(args=["audit", "verify", "--head", head]).exit_code == 0
    # The last event is cut off: the chain alone still verifies, the recorded head not.
    db.execute(AuditEvent.__table__.delete().where(AuditEvent.sequence == 3))
    db.commit()
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    cut = runner.invoke(args=["audit", "verify", "--head", head])
    assert cut.exit_code == 1
    assert "recorded head" in cut.output


def test_a_chain_rewritten_with_fresh_plain_hashes_does_not_verify(db) -> None:
    """Someone with write access to the table cannot recompute keyed hashes."""
    import hashlib

    from ppp_assess.domain.audit import canonical_json, event_document
    from ppp_assess.services.audit import _as_data

    _record_three(db)
    previous = "0" * 64
    for row in db.scalars(select(AuditEvent).order_by(AuditEvent.sequence)).all():
        data, _stored = _as_data(row)
        document = event_document(dataclasses.replace(data, prev_hash=previous,
                                                      actor_id=42))
        digest = hashlib.sha256(canonical_json(document)).hexdigest()
        row.actor_id, row.prev_hash, row.hash = 42, previous, digest
        previous = digest
    db.commit()
    result = verify_audit_chain(db)
    assert not result.ok and result.first_broken_sequence == 1


def test_a_bad_head_is_refused_with_a_usage_error(app) -> None:
    result = app.test_cli_runner().invoke(args=["audit", "verify", "--head", "３:abc"])
    assert result.exit_code == 2
    assert "SEQUENCE:HASH" in result.output


def test_a_writer_that_waited_for_the_chain_extends_the_event_committed_meanwhile(
        scratch_database_url) -> None:
    migrate.upgrade(scratch_database_url)
    database = Database(scratch_database_url, audit_key=TEST_AUDIT_KEY)
    try:
        with database.transaction() as session:
            record_event(session, actor_id=1, action="user.signed_in", object_type="user",
                         object_id=1)
        first = database.unit_of_work(write=True)
        held = record_event(first.session, actor_id=1, action="answer.changed",
                            object_type="assessment", object_id=7)

        def second_writer() -> RecordedEvent:
            with database.transaction() as session:
                return record_event(session, actor_id=2, action="answer.changed",
                                    object_type="assessment", object_id=8)

        with run_waiting(database, second_writer, advisory=True) as waiting:
            first.finish(success=True)
        assert waiting.error is None, waiting.error
        second = waiting.result
        assert isinstance(second, RecordedEvent)
        assert second.sequence == held.sequence + 1
        with database.reading() as session:
            stored = session.scalars(select(AuditEvent).order_by(AuditEvent.sequence)).all()
            assert [event.sequence for event in stored] == [1, 2, 3]
            assert stored[2].prev_hash == held.hash
            assert verify_audit_chain(session).ok
    finally:
        database.dispose()
