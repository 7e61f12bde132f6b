"""Statements compiled once and run on the driver write what SQLAlchemy's own execution
writes, on both databases, and the engine still sees each of them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Table, bindparam, event, insert, select, update
from sqlalchemy.orm import Session

from ppp_assess.models import Answer, AuditEvent
from ppp_assess.models.database import DriverStatement, writing_connection
from tests.factories import Factory

_ANSWERS = Answer.__table__
_EVENTS = AuditEvent.__table__
assert isinstance(_ANSWERS, Table) and isinstance(_EVENTS, Table)

_REWRITE = (update(_ANSWERS).where(_ANSWERS.c.id == bindparam("answer_id"))
            .values(value=bindparam("new_value", type_=_ANSWERS.c.value.type),
                    evidence=bindparam("new_evidence", type_=_ANSWERS.c.evidence.type),
                    updated_at=bindparam("new_updated_at", type_=_ANSWERS.c.updated_at.type),
                    carried=bindparam("new_carried", type_=_ANSWERS.c.carried.type)))


def _answer(db: Session, factory: Factory, question: str, value: Any) -> Answer:
    assessment = factory.assessment()
    answer = Answer(assessment_id=assessment.id, question_id=question, value=value,
                    comment="", evidence=[], version=1, carried=True)
    db.add(answer)
    db.flush()
    return answer


def _stored(db: Session, answer_id: int) -> tuple[Any, ...]:
    row = db.execute(select(_ANSWERS.c.value, _ANSWERS.c.evidence, _ANSWERS.c.updated_at,
                            _ANSWERS.c.carried).where(_ANSWERS.c.id == answer_id)).one()
    return tuple(row)


def test_an_update_on_the_driver_stores_what_sqlalchemy_stores(db: Session,
                                                               factory: Factory) -> None:
    first = _answer(db, factory, "q1", "x")
    second = _answer(db, factory, "q2", "x")
    when = dt.datetime(2026, 3, 1, 12, 30, 15, 123456, tzinfo=dt.timezone(dt.timedelta(hours=3)))
    values = {"new_value": {"a": [1, 2.5, "é"], "big": 2**70}, "new_evidence": ["https://x"],
              "new_updated_at": when, "new_carried": False}
    connection = writing_connection(db)
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        seen.append(statement)

    event.listen(connection, "before_cursor_execute", record)
    try:
        result = DriverStatement(_REWRITE).execute(connection,
                                                   {"answer_id": first.id, **values})
    finally:
        event.remove(connection, "before_cursor_execute", record)
    connection.execute(_REWRITE, {"answer_id": second.id, **values})
    db.expire_all()
    assert result.rowcount == 1
    assert len(seen) == 1 and seen[0].startswith("UPDATE answers")
    assert _stored(db, first.id) == _stored(db, second.id)
    value, evidence, updated_at, carried = _stored(db, first.id)
    assert value == {"a": [1, 2.5, "é"], "big": 2**70} and evidence == ["https://x"]
    assert updated_at == when.astimezone(dt.UTC) and carried is False


def test_several_parameter_sets_are_one_executemany(db: Session, factory: Factory) -> None:
    answers = [_answer(db, factory, f"q{index}", "x") for index in range(3)]
    now = dt.datetime.now(dt.UTC)
    DriverStatement(_REWRITE).execute(writing_connection(db), [
        {"answer_id": answer.id, "new_value": index, "new_evidence": [],
         "new_updated_at": now, "new_carried": False}
        for index, answer in enumerate(answers)])
    db.expire_all()
    assert [_stored(db, answer.id)[0] for answer in answers] == [0, 1, 2]


def test_an_insert_names_its_columns_and_returns_the_new_id(db: Session) -> None:
    fields = {"sequence": 10**6, "occurred_at": dt.datetime.now(dt.UTC),
              "actor_id": None, "action": "test.inserted", "object_type": "test",
              "object_id": "1", "organisation_id": None, "before": None,
              "after": {"k": "v"}, "prev_hash": "0" * 64, "hash": "1" * 64}
    statement = DriverStatement(insert(_EVENTS).returning(_EVENTS.c.id),
                                column_keys=list(fields))
    new_id = statement.execute(writing_connection(db), fields).scalar_one()
    stored = db.get(AuditEvent, new_id)
    assert stored is not None and stored.after == {"k": "v"} and stored.sequence == 10**6
