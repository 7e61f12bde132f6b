"""Engine and session handling for SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry

SQLITE_BUSY_TIMEOUT_MS = 5000


def _configure_sqlite(engine: Engine) -> None:
    """Turn on WAL, foreign keys and a busy timeout, and make every transaction immediate.

    pysqlite's own transaction handling is switched off so that SQLAlchemy emits
    ``BEGIN IMMEDIATE``: a writer takes the write lock when its transaction starts instead of
    failing with "database is locked" when it first writes after a read.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


class Database:
    """One engine and its session factory."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        options: dict[str, Any] = {"echo": echo, "future": True}
        if url.startswith("postgresql"):
            options.update(pool_pre_ping=True, pool_size=5, max_overflow=10)
        self.url = url
        self.engine = create_engine(url, **options)
        if self.engine.dialect.name == "sqlite":
            _configure_sqlite(self.engine)
        self.sessionmaker: sessionmaker[Session] = sessionmaker(
            self.engine, expire_on_commit=False
        )

    @property
    def dialect(self) -> str:
        """Return the dialect name: "sqlite" or "postgresql"."""
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """Yield a session that commits on success and rolls back on error."""
        session = self.sessionmaker()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def get_database(app: Flask | None = None) -> Database:
    """Return the application's database."""
    database: Database = (app or current_app).extensions["ppp_db"]
    return database


def get_session() -> Session:
    """Return this request's (or CLI command's) session, creating it on first use."""
    if "db_session" not in g:
        g.db_session = get_database().sessionmaker()
    session: Session = g.db_session
    return session


def _close_session(_exc: BaseException | None) -> None:
    session: Session | None = g.pop("db_session", None)
    if session is not None:
        # Anything not committed by the view is rolled back here: a failed request
        # changes nothing.
        session.close()


def init_app(app: Flask, url: str, *, echo: bool = False) -> Database:
    """Create the engine for ``url`` and register the session teardown."""
    database = Database(url, echo=echo)
    app.extensions["ppp_db"] = database
    app.teardown_appcontext(_close_session)
    return database
