"""Statements compiled once and run on the driver write and read what SQLAlchemy's own
execution writes and reads, on both databases, and the engine still sees each of them."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Table, bindparam, event, insert, literal, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from ppp_assess.domain.workflow import Status
from ppp_assess.models import Answer, Assessment, AuditEvent
from ppp_assess.models.database import DriverStatement, writing_connection
from ppp_assess.unit_of_work import get_database
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


_ASSESSMENTS = Assessment.__table__
assert isinstance(_ASSESSMENTS, Table)
#: Columns of every kind a read converts: an enum, a float (PostgreSQL picks its
#: conversion by the column's type code), a timezone-aware date, a boolean, JSON.
_TYPED = (select(_ASSESSMENTS.c.id, _ASSESSMENTS.c.status, _ASSESSMENTS.c.score,
                 _ASSESSMENTS.c.updated_at, _ANSWERS.c.carried, _ANSWERS.c.value,
                 _ANSWERS.c.evidence)
          .join(_ANSWERS, _ANSWERS.c.assessment_id == _ASSESSMENTS.c.id)
          .where(_ASSESSMENTS.c.id == bindparam("assessment_id"),
                 _ANSWERS.c.question_id.like("driver-%"))
          .order_by(_ANSWERS.c.question_id))


def test_rows_read_on_the_driver_are_those_sqlalchemy_reads(db: Session,
                                                            factory: Factory) -> None:
    first = _answer(db, factory, "driver-q1", {"a": [1, 2.5, "é"]})
    assessment = db.get(Assessment, first.assessment_id)
    assert assessment is not None
    assessment.score = 61.25
    db.add(Answer(assessment_id=assessment.id, question_id="driver-q2", value=None, comment="",
                  evidence=["https://x"], version=2, carried=False))
    db.flush()
    connection = writing_connection(db)
    parameters = {"assessment_id": assessment.id}
    expected = [tuple(row) for row in connection.execute(_TYPED, parameters)]
    for _ in range(2):  # the first run learns the columns' conversions, the second uses them
        rows = DriverStatement(_TYPED).rows(connection, parameters)
        assert rows == expected
    assert rows[0][1] is Status.draft and isinstance(rows[0][2], float)
    assert rows[0][3].tzinfo is not None and rows[0][4] is True and rows[1][4] is False
    assert rows[0][5] == {"a": [1, 2.5, "é"]} and rows[1][6] == ["https://x"]


def test_the_engine_sees_a_read_before_and_after_it_runs(db: Session, factory: Factory) -> None:
    answer = _answer(db, factory, "driver-q1", "x")
    connection = writing_connection(db)
    seen: list[tuple[str, str]] = []

    def before(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        seen.append(("before", statement.split()[0]))

    def after(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        seen.append(("after", statement.split()[0]))

    event.listen(connection, "before_cursor_execute", before)
    event.listen(connection, "after_cursor_execute", after)
    try:
        rows = DriverStatement(_TYPED).rows(connection, {"assessment_id": answer.assessment_id})
    finally:
        event.remove(connection, "before_cursor_execute", before)
        event.remove(connection, "after_cursor_execute", after)
    assert len(rows) == 1 and seen == [("before", "SELECT"), ("after", "SELECT")]


def test_a_driver_error_is_raised_as_sqlalchemy_raises_it(db: Session) -> None:
    fields = {"sequence": 10**6 + 1, "occurred_at": dt.datetime.now(dt.UTC),
              "actor_id": None, "action": "test.inserted", "object_type": "test",
              "object_id": "1", "organisation_id": None, "before": None, "after": None,
              "prev_hash": "0" * 64, "hash": "2" * 64}
    statement = DriverStatement(insert(_EVENTS).returning(_EVENTS.c.id),
                                column_keys=list(fields))
    with db.begin_nested():
        statement.execute(writing_connection(db), fields)
    nested = db.begin_nested()
    with pytest.raises(IntegrityError) as raised:  # the same sequence again
        statement.execute(writing_connection(db), fields)
    nested.rollback()
    assert "INSERT INTO audit_events" in str(raised.value.statement)
    assert not raised.value.connection_invalidated


def test_a_statement_on_a_connection_not_begun_begins_it(app: Flask) -> None:
    database = get_database(app)
    with database.engine.connect() as connection:
        assert not connection.in_transaction()
        assert DriverStatement(select(literal(1))).rows(connection, {}) == [(1,)]
        assert connection.in_transaction()


def test_a_statement_that_reads_on_its_own_begins_nothing(app: Flask) -> None:
    """The requests' readers run each statement on its own: no transaction is begun for
    one, neither by the engine nor with the database."""
    database = get_database(app)
    if database.statement_engine is database.engine:
        pytest.skip("a database in memory reads on the engine that writes")
    with database.statement_engine.connect() as connection:
        assert DriverStatement(select(literal(1))).rows(connection, {}) == [(1,)]
        assert not connection.in_transaction()
        driver = connection.connection.driver_connection
        if database.dialect == "sqlite":
            assert not driver.in_transaction
        else:
            assert driver.info.transaction_status.name == "IDLE"


def test_where_statements_are_logged_they_are_logged_and_read_the_same(
        app: Flask, caplog: pytest.LogCaptureFixture) -> None:
    statement = DriverStatement(select(literal("driver-logged").label("word")))
    engine = get_database(app).engine
    with engine.connect() as connection:
        assert statement.rows(connection, {}) == [("driver-logged",)]
    assert not any("driver-logged" in record.getMessage() for record in caplog.records)
    # SQLAlchemy decides whether a connection logs when it is opened.
    with caplog.at_level(logging.INFO, logger="sqlalchemy.engine.Engine"), \
            engine.connect() as connection:
        assert statement.rows(connection, {}) == [("driver-logged",)]
    assert any("driver-logged" in record.getMessage() for record in caplog.records)


def test_a_connection_lost_under_a_statement_is_invalidated(app: Flask) -> None:
    engine = get_database(app).engine
    if engine.dialect.name != "postgresql":
        pytest.skip("a SQLite connection is a file: it cannot be lost")
    statement = DriverStatement(select(literal(1)))
    with engine.connect() as connection:
        backend = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
        with engine.connect() as other:
            other.exec_driver_sql(f"SELECT pg_terminate_backend({int(backend)})")
        with pytest.raises(DBAPIError) as raised:
            statement.rows(connection, {})
        assert raised.value.connection_invalidated and connection.invalidated
