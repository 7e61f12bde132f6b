"""The audit chain as stored in the database."""

from __future__ import annotations

from sqlalchemy import select, update

from ppp_assess.models import AuditEvent
from ppp_assess.services.audit import record_event, verify_audit_chain


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
