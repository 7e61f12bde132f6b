"""PostgreSQL connections waiting in the pool: pinged after a quiet spell, not on every use."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, text

from ppp_assess.models import database as database_module
from ppp_assess.models.database import Database
from tests.conftest import TEST_DATABASE_URL

pytestmark = pytest.mark.skipif(not TEST_DATABASE_URL, reason="PostgreSQL's pool only")


@pytest.fixture
def pooled(database_url: str) -> Iterator[tuple[Database, list[int]]]:
    """A database, and the count of pings its engines sent (the dialect's own ping)."""
    database = Database(database_url, audit_key=b"pool-test")
    pings: list[int] = []
    dialect = database.engine.dialect
    ping = dialect.do_ping

    def counted(connection: object) -> bool:
        pings.append(1)
        return ping(connection)

    dialect.do_ping = counted  # type: ignore[method-assign]
    try:
        yield database, pings
    finally:
        database.dispose()


def _backend(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(text("SELECT pg_backend_pid()")))


def _terminate(database_url: str, pid: int) -> None:
    admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            assert connection.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    finally:
        admin.dispose()
    time.sleep(0.2)  # the server closes the socket after answering


def test_a_connection_used_a_moment_ago_is_not_pinged(pooled) -> None:
    database, pings = pooled
    first = _backend(database.engine)
    for _ in range(5):
        assert _backend(database.engine) == first  # the same pooled connection
    assert pings == []


def test_a_connection_idle_for_a_while_is_pinged_and_replaced_when_dead(
        pooled, database_url, monkeypatch) -> None:
    database, pings = pooled
    dead = _backend(database.engine)
    _terminate(database_url, dead)
    # The connection has sat in the pool longer than the threshold.
    monkeypatch.setattr(database_module, "IDLE_PING_SECONDS", 0.0)
    replaced = _backend(database.engine)
    assert replaced != dead
    assert len(pings) >= 1
    # A live idle connection is pinged and kept.
    assert _backend(database.engine) == replaced


def test_the_reading_engine_pings_its_idle_connections_too(
        pooled, database_url, monkeypatch) -> None:
    database, _pings = pooled
    engine = database.statement_engine
    dead = _backend(engine)
    _terminate(database_url, dead)
    monkeypatch.setattr(database_module, "IDLE_PING_SECONDS", 0.0)
    assert _backend(engine) != dead
