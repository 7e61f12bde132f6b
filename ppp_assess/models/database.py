"""Engine, sessions and the unit of work, for SQLite and PostgreSQL.

One request or command is one :class:`UnitOfWork`: a session that services add to and
flush, committed once at the boundary (or rolled back), in :meth:`UnitOfWork.finish`.
This module is the only place that commits.

A unit of work either reads or writes, decided when it begins:

* a **reading** unit (GET pages, streams) never takes the write lock: a request's reads
  run each statement on its own, on connections that refuse to write (SQLite's
  ``query_only``, PostgreSQL's read-only server sessions), and streams and commands read
  in one transaction (deferred on SQLite, READ ONLY on PostgreSQL); flushing a change or
  running an INSERT, UPDATE or DELETE in it raises :class:`ReadOnlyError`;
* a **writing** unit begins ``IMMEDIATE`` on SQLite, so two writers queue on the busy
  timeout instead of failing with "database is locked" when the first one upgrades its
  read lock.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import re
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, cast

import orjson
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection
from sqlalchemy.exc import (
    DBAPIError,
    DisconnectionError,
    MultipleResultsFound,
    NoResultFound,
    OperationalError,
    SQLAlchemyError,
)
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry

log = logging.getLogger(__name__)

#: How long a writer waits for SQLite's write lock before "database is locked" (a 503).
#: Under load every request thread of every worker may queue for the lock at once, on
#: two cores behind CPU-bound requests; five seconds turned some of those autosaves into
#: 503s (see docs/reliability.md). The worker timeout (60 s) stays far above it.
SQLITE_BUSY_TIMEOUT_MS = 15000

#: Execution option that marks a writing engine (SQLite begins those IMMEDIATE).
_WRITE_OPTION = "ppp_assess_write"
#: Execution option of a connection whose statements each read on their own, without a
#: transaction (SQLite's BEGIN left out): each reads all its rows at once.
_EACH_ON_ITS_OWN = "ppp_assess_each_statement_on_its_own"
#: Key in ``Session.info`` of a session that must not change anything.
_READ_ONLY = "read_only"


class ReadOnlyError(RuntimeError):
    """A reading unit of work tried to change the database."""


#: A pooled PostgreSQL connection idle for longer than this is pinged before it is used.
IDLE_PING_SECONDS = 1.0
#: Key in a pooled connection's ``info`` of when it was last returned to the pool.
_RETURNED_AT = "ppp_returned_at"


def _ping_idle_connections(engine: Engine) -> None:
    """Ping a pooled connection before use only when it sat idle for a while.

    SQLAlchemy's ``pool_pre_ping`` pings on every checkout: one round trip of the three a
    kept page makes on PostgreSQL. A server restart, a failover or a firewall closing
    quiet connections strikes connections that wait in the pool, and those are pinged
    (and replaced, the pool trying up to three times) as before. A connection returned
    within the last second was in use a moment ago; should the server drop it in that
    second, its first statement fails, the request answers 503 and changes nothing, and
    SQLAlchemy replaces every connection of the pool opened before the failure (its
    handling of a disconnect), so the next request gets a live one.
    """
    dialect = engine.dialect

    @event.listens_for(engine, "connect")
    def _opened(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        record.info[_RETURNED_AT] = time.monotonic()

    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        record.info[_RETURNED_AT] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection: Any, record: ConnectionPoolEntry,
                     _proxy: Any) -> None:
        returned = record.info.get(_RETURNED_AT)
        if returned is not None and time.monotonic() - returned < IDLE_PING_SECONDS:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            raise DisconnectionError("a pooled connection did not answer") from error


#: An integer literal of this many digits or more may lie beyond orjson's 64 bits.
_LONG_NUMBER = re.compile(r"\d{19}")
_LONG_NUMBER_BYTES = re.compile(rb"\d{19}")


def loads_json(text: str | bytes) -> Any:
    """Decode a JSON column's stored text, with orjson.

    Answers are read back with every save and every page (the standard library's decoder
    took a twentieth of an autosave). orjson reads an integer beyond 64 bits as a float;
    text with a run of 19 digits, rare and short-circuited by its length, is decoded by
    the standard library, so a number answer comes back exactly as it was stored. What
    is not text (SQLite gives a number stored in a JSON column as one) raises
    ``TypeError``, as the standard library's decoder would.
    """
    if isinstance(text, str):
        if len(text) >= 19 and _LONG_NUMBER.search(text):
            return json.loads(text)
    elif isinstance(text, bytes | bytearray | memoryview):
        text = bytes(text)
        if len(text) >= 19 and _LONG_NUMBER_BYTES.search(text):
            return json.loads(text)
    else:
        raise TypeError(f"JSON text expected, not {type(text).__name__}")
    return orjson.loads(text)


def _sqlite_reader(url: str, options: dict[str, Any]) -> Engine:
    """Return an engine for the requests' reads on SQLite: autocommit, one statement at a
    time, on connections that may not change the database."""
    engine = create_engine(url, execution_options={_EACH_ON_ITS_OWN: True}, **options)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA query_only=ON")
        cursor.close()

    return engine


def _in_memory(engine: Engine) -> bool:
    """Return whether a SQLite engine's database lives in memory (one per connection
    unless shared, so a second engine would not see it)."""
    database = engine.url.database or ""
    return database in {"", ":memory:"} or "mode=memory" in str(engine.url)


def _configure_sqlite(engine: Engine) -> _Writers:
    """Turn on WAL, foreign keys and a busy timeout, and begin writers IMMEDIATE; return
    the writers' locks.

    pysqlite's own transaction handling is switched off so that SQLAlchemy's BEGIN is
    the one that counts: a writer takes the write lock when its transaction starts, and
    a reader never takes it.
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

    # SQLite's busy handler sleeps longer the longer a writer has waited (up to 100 ms
    # between tries), so under load the writers that waited longest kept losing the lock
    # to newcomers: the autosave's p99 was four times its median at 64 connections. The
    # writers therefore queue on locks of their own (see _Writers), and SQLite's lock is
    # taken by the one writer of all processes that holds them.
    writers = _Writers(None if _in_memory(engine) else engine.url.database)

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        options = connection.get_execution_options()
        if options.get(_EACH_ON_ITS_OWN, False):
            return
        if not options.get(_WRITE_OPTION, False):
            connection.exec_driver_sql("BEGIN")
            return
        deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
        if not writers.acquire(deadline):
            raise OperationalError("BEGIN IMMEDIATE", None,
                                   sqlite3.OperationalError("database is locked"))
        _record_info(connection)[_GATE_HELD] = writers
        try:
            _begin_immediate(connection, deadline)
        except BaseException:
            _release_gate(connection)
            raise

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _on_end(connection: Connection) -> None:
        _release_gate(connection)

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        # A connection given back without COMMIT or ROLLBACK events.
        _release_record(record)

    @event.listens_for(engine, "invalidate")
    def _on_invalidate(_dbapi_connection: Any, record: ConnectionPoolEntry,
                       _exception: BaseException | None) -> None:
        # A connection discarded in the middle of its transaction.
        _release_record(record)

    return writers


#: Key in a pool entry's ``record_info`` (kept when the connection is invalidated) while
#: its transaction holds the process's writer lock.
_GATE_HELD = "sqlite_write_gate"
#: How long SQLite itself waits for its write lock on each try of BEGIN IMMEDIATE.
_BEGIN_TRY_MS = 1


def _record_info(connection: Connection) -> dict[Any, Any]:
    info = connection.connection.record_info
    return info if info is not None else connection.info


def _release_gate(connection: Connection) -> None:
    held = _record_info(connection).pop(_GATE_HELD, None)
    if held is not None:
        held.release()


def _release_record(record: ConnectionPoolEntry) -> None:
    held = (record.record_info or {}).pop(_GATE_HELD, None)
    if held is not None:
        held.release()


class _Writers:
    """Who writes to one SQLite database next.

    The writers of one process queue on a lock of their own, handed on as soon as the
    one ahead commits or rolls back; the first of them then takes the processes' lock, a
    lock file beside the database held with ``flock`` (``<database>.writers.lock``),
    trying at most every quarter of a millisecond. Only then does it ask for SQLite's
    own lock, which nothing but another program can hold by then. Before, the first
    writer of each process asked SQLite every millisecond (its busy handler's shortest
    sleep, and each try cost a tenth of a millisecond of CPU): the write lock lay idle
    for half a millisecond on average whenever it passed to another process, while a
    save holds it for two or three. The kernel drops the file's lock with the process
    that held it.
    """

    def __init__(self, path: str | None) -> None:
        self.gate = threading.Lock()
        self.path = f"{path}.writers.lock" if path else None
        self._file: int | None = None
        self._pid = 0

    def _descriptor(self) -> int:
        # A forked worker opens the file again: a lock belongs to an open file, and an
        # inherited one would be shared with the parent.
        if self._file is None or self._pid != os.getpid():
            assert self.path is not None
            self._file = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            self._pid = os.getpid()
        return self._file

    def acquire(self, deadline: float) -> bool:
        """Take both locks, waiting until ``deadline`` (``time.monotonic()``) at most."""
        if not self.gate.acquire(timeout=max(deadline - time.monotonic(), 0)):
            return False
        if self.path is None:
            return True
        try:
            descriptor = self._descriptor()
            pause = _LOCK_FIRST_PAUSE
            while True:
                try:
                    fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    return True
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        self.gate.release()
                        return False
                    time.sleep(pause)
                    pause = min(pause * 2, _LOCK_LONGEST_PAUSE)
        except BaseException:
            self.gate.release()
            raise

    def close(self) -> None:
        """Close the lock file (when the database is disposed of)."""
        if self._file is not None and self._pid == os.getpid():
            os.close(self._file)
        self._file = None

    def release(self) -> None:
        """Give both locks back (the file's first, so the next process may go on)."""
        try:
            if self.path is not None and self._file is not None \
                    and self._pid == os.getpid():
                fcntl.flock(self._file, fcntl.LOCK_UN)
        finally:
            self.gate.release()


#: The first pause, and the longest, between two tries of the processes' writer lock.
_LOCK_FIRST_PAUSE = 0.00005
_LOCK_LONGEST_PAUSE = 0.00025


def _begin_immediate(connection: Connection, deadline: float) -> None:
    """Begin IMMEDIATE, trying every millisecond until the busy timeout has passed.

    Another program may hold SQLite's lock still. The statements go to the driver's
    connection directly: SQLAlchemy's bookkeeping of a statement cost more than SQLite's
    work for these three.
    """
    driver = connection.connection.driver_connection
    assert driver is not None
    driver.execute(f"PRAGMA busy_timeout={_BEGIN_TRY_MS}")
    try:
        while True:
            try:
                driver.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as error:
                locked = "locked" in str(error) or "busy" in str(error)
                if not locked or time.monotonic() >= deadline:
                    raise OperationalError("BEGIN IMMEDIATE", None, error) from None
    finally:
        driver.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")


def _refuse_changes(session: Session, _context: Any, _instances: Any) -> None:
    """Stop a reading session from flushing a change (``before_flush``)."""
    if not session.info.get(_READ_ONLY):
        return
    changed = bool(session.new or session.deleted) or any(
        session.is_modified(instance) for instance in session.dirty)
    if changed:
        raise ReadOnlyError("A reading unit of work may not change the database.")


def _refuse_writes(state: ORMExecuteState) -> None:
    """Stop a reading session from running INSERT, UPDATE or DELETE (``do_orm_execute``)."""
    if state.session.info.get(_READ_ONLY) and (
            state.is_insert or state.is_update or state.is_delete):
        raise ReadOnlyError("A reading unit of work may not change the database.")


def as_connection(source: Session | Connection) -> Connection:
    """Return the connection a session reads on (begun if need be), or ``source`` itself:
    for reads whose callers hold either (a request's reading unit may have no session)."""
    return source.connection() if isinstance(source, Session) else source


#: Key in ``Session.info`` of the transaction and connection :func:`writing_connection`
#: last returned.
_WRITING_CONNECTION = "ppp_assess_writing_connection"


def writing_connection(session: Session) -> Connection:
    """Return the connection of a writing session's transaction, for Core statements.

    A statement run on the session itself pays the ORM's execution path (about 40 µs on
    SQLite, twice a plain connection's) for nothing when it names tables, not classes;
    the hot writes run on the connection. A reading session refuses them here as its
    ``do_orm_execute`` guard would.

    :raises ReadOnlyError: for a session of a reading unit of work.
    """
    info = session.info
    if info.get(_READ_ONLY):
        raise ReadOnlyError("A reading unit of work may not change the database.")
    # Asked for by each statement of a save: the session's own lookup, through its
    # transaction's states, cost 0.6 % of an autosave's instructions. Kept for the
    # transaction it belongs to (never None once kept).
    kept = info.get(_WRITING_CONNECTION)
    if kept is not None and kept[0] is session.get_transaction():
        return cast(Connection, kept[1])
    connection = session.connection()
    info[_WRITING_CONNECTION] = (session.get_transaction(), connection)
    return connection


#: The logger SQLAlchemy writes each statement to.
_ENGINE_LOG = logging.getLogger("sqlalchemy.engine.Engine")


class DriverResult:
    """What a :class:`DriverStatement` returns: the rows it read (converted as
    SQLAlchemy converts them) and the count of rows it changed."""

    __slots__ = ("rowcount", "rows")

    def __init__(self, rows: list[tuple[Any, ...]], rowcount: int) -> None:
        self.rows = rows
        self.rowcount = rowcount

    def first(self) -> tuple[Any, ...] | None:
        """Return the first row, or ``None`` for none."""
        return self.rows[0] if self.rows else None

    def scalar_one(self) -> Any:
        """Return the one value of the one row.

        :raises sqlalchemy.exc.NoResultFound, MultipleResultsFound: as SQLAlchemy does.
        """
        if not self.rows:
            raise NoResultFound("No row was found when one was required")
        if len(self.rows) > 1:
            raise MultipleResultsFound("Multiple rows were found when one was required")
        return self.rows[0][0]


class DriverStatement:
    """A Core statement compiled once per dialect and run on the driver's cursor.

    ``Connection.execute`` of an UPDATE from the compiled cache cost about 50 µs on
    SQLite where the driver took 2 to 10, and ``exec_driver_sql`` about 40: the
    execution context, the parameters walked again, the result's set-up (for a SELECT,
    its columns' metadata built again on every execution, more than the compiled
    path's). The hot statements of a save and of a kept page run here instead: the
    statement is compiled once per dialect; each parameter set goes through the bound
    values' own types (their dialect's ``bind_processor``: JSON and dates as SQLAlchemy
    writes them) and each value read through its column's type (``result_processor``:
    dates on SQLite, booleans, enums), as SQLAlchemy's own execution does. What the
    engine does around a statement is kept: the connection's transaction is begun as
    for any statement, the engine's ``before_cursor_execute`` and
    ``after_cursor_execute`` listeners see it (it is counted and logged as any other),
    and a driver error is raised as SQLAlchemy raises it (a ``DBAPIError``, the
    connection invalidated when the error says it was lost).

    Only for statements whose every column is given a parameter (no column default is
    applied here: an INSERT names its columns, ``column_keys``). Where statements are
    logged, SQLAlchemy's ``exec_driver_sql`` runs them, with its own logging.
    """

    def __init__(self, statement: Any, *, column_keys: list[str] | None = None) -> None:
        self.statement = statement
        self.column_keys = column_keys
        self._compiled: dict[str, tuple[str, Any, tuple[tuple[str, Any], ...]]] = {}
        #: By dialect: (column index, result processor) of each column that has one.
        self._readers: dict[str, tuple[tuple[int, Any], ...]] = {}
        #: By dialect: whether the statement gives rows (a SELECT, a ``RETURNING``), as the
        #: driver said on its first execution. Asking the cursor (``description``) at each
        #: execution cost psycopg a description of every column.
        self._gives_rows: dict[str, bool] = {}

    def _for(self, connection: Connection) -> tuple[str, Any, tuple[tuple[str, Any], ...]]:
        dialect = connection.dialect
        prepared = self._compiled.get(dialect.name)
        if prepared is None:
            compiled = self.statement.compile(dialect=dialect, column_keys=self.column_keys)
            processors = tuple(
                (name, processor) for bind, name in compiled.bind_names.items()
                if (processor := bind.type.dialect_impl(dialect).bind_processor(dialect))
                is not None)
            prepared = (compiled.string, compiled, processors)
            self._compiled[dialect.name] = prepared
        return prepared

    def execute(self, connection: Connection,
                parameters: dict[str, Any] | list[dict[str, Any]]) -> DriverResult:
        """Run the statement with one parameter set, or several (an executemany), and
        return the rows it read or returned, if any."""
        sql, compiled, processors = self._for(connection)
        many = isinstance(parameters, list)
        rows: list[Any] = []
        for given in parameters if many else [parameters]:
            values = compiled.construct_params(given)
            for name, process in processors:
                values[name] = process(values[name])
            rows.append(tuple(values[name] for name in compiled.positiontup)
                        if compiled.positional else values)
        return self._run(connection, sql, rows if many else rows[0], many)

    def rows(self, connection: Connection, parameters: dict[str, Any]) -> list[tuple[Any, ...]]:
        """Run a SELECT with one parameter set and return all its rows."""
        return self.execute(connection, parameters).rows

    def _run(self, connection: Connection, sql: str, parameters: Any,
             many: bool) -> DriverResult:
        if not connection.in_transaction() and not connection.get_execution_options().get(
                _EACH_ON_ITS_OWN, False):
            # As any statement would (SQLAlchemy's autobegin). A connection whose
            # statements each read on their own begins nothing with the database, and the
            # engine's bookkeeping of that (a transaction begun, then rolled back when the
            # connection goes back) was about 2 % of a kept page's instructions.
            connection.begin()
        dialect = connection.dialect
        if connection.engine.echo or _ENGINE_LOG.isEnabledFor(logging.INFO):
            # Statements may be logged (``echo``, or the engine's logger at INFO):
            # SQLAlchemy's own execution logs them, with their parameters, where it does.
            result = connection.exec_driver_sql(sql, parameters)
            if not result.returns_rows:
                return DriverResult([], result.rowcount)
            return self._converted(dialect, result.cursor.description, result.all(),
                                   result.rowcount)
        dispatch = connection.dispatch
        cursor = connection.connection.cursor()
        try:
            for listener in dispatch.before_cursor_execute:
                sql, parameters = listener(connection, cursor, sql, parameters, None, many)
            if many:
                cursor.executemany(sql, parameters)
            else:
                cursor.execute(sql, parameters)
            for listener in dispatch.after_cursor_execute:
                listener(connection, cursor, sql, parameters, None, many)
            gives_rows = None if many else self._gives_rows.get(dialect.name)
            description: Any
            if gives_rows is None:
                description = cursor.description
                gives_rows = description is not None
                if not many:
                    self._gives_rows[dialect.name] = gives_rows
            else:  # the columns' types are asked for until their conversions are known
                description = (cursor.description
                               if gives_rows and dialect.name not in self._readers else None)
            fetched = cursor.fetchall() if gives_rows else []
            rowcount = cursor.rowcount
        except dialect.loaded_dbapi.Error as error:
            lost = dialect.is_disconnect(error, connection.connection, cursor)
            if lost:
                connection.invalidate(error)
            raise DBAPIError.instance(sql, parameters, error, dialect.loaded_dbapi.Error,
                                      hide_parameters=connection.engine.hide_parameters,
                                      connection_invalidated=lost, dialect=dialect,
                                      ismulti=many) from error
        finally:
            cursor.close()
        return self._converted(dialect, description, fetched, rowcount)

    def _converted(self, dialect: Any, description: Any, fetched: Sequence[Sequence[Any]],
                   rowcount: int) -> DriverResult:
        if not fetched:
            return DriverResult([], rowcount)
        readers = self._readers.get(dialect.name)
        if readers is None:
            readers = self._result_processors(dialect, description)
        if not readers:
            return DriverResult([tuple(row) for row in fetched], rowcount)
        converted = []
        for row in fetched:
            values = list(row)
            for index, process in readers:
                values[index] = process(values[index])
            converted.append(tuple(values))
        return DriverResult(converted, rowcount)

    def _result_processors(self, dialect: Any, description: Any
                           ) -> tuple[tuple[int, Any], ...]:
        # The driver's type code of each column is stable for a statement: a type may
        # choose its conversion by it (PostgreSQL's floating and exact numbers).
        columns = self.statement.exported_columns  # a SELECT's, or what DML returns
        readers = tuple(
            (index, processor)
            for index, (column, described) in enumerate(zip(columns, description, strict=True))
            if (processor := column.type.dialect_impl(dialect).result_processor(
                dialect, described[1])) is not None)
        self._readers[dialect.name] = readers
        return readers


class Database:
    """One engine, its session factory and the units of work built on them."""

    def __init__(self, url: str, *, audit_key: bytes, echo: bool = False) -> None:
        options: dict[str, Any] = {"echo": echo, "json_deserializer": loads_json}
        if url.startswith("postgresql"):
            options.update(pool_size=5, max_overflow=10)
        self.url = url
        #: The key of the audit chain's hashes; every session carries it in its ``info``.
        self.audit_key = audit_key
        self.engine = create_engine(url, **options)
        if self.engine.dialect.name == "postgresql":
            _ping_idle_connections(self.engine)
        self._writers: _Writers | None = None
        if self.engine.dialect.name == "sqlite":
            self._writers = _configure_sqlite(self.engine)
        self._writer: Engine | Connection = self.engine.execution_options(
            **{_WRITE_OPTION: True})
        self._reader: Engine | Connection = self.engine
        #: The engine of the requests' reading units.
        self.statement_engine = self.engine
        if self.engine.dialect.name == "sqlite" and not _in_memory(self.engine):
            # As on PostgreSQL below: each statement reads on its own (no BEGIN, no
            # ROLLBACK: a tenth of a kept page's time went to the two), on connections
            # of their own that SQLite lets change nothing (``query_only``). A result
            # that is not read to its end would hold its snapshot until it is dropped,
            # which CPython does when the last reference goes, before the request ends.
            self.statement_engine = _sqlite_reader(url, options)
        if self.engine.dialect.name == "postgresql":
            self._reader = self.engine.execution_options(postgresql_readonly=True)
            # A request that reads runs each statement on its own, in a server session
            # that refuses to write: no BEGIN and no ROLLBACK round trips. Under READ
            # COMMITTED each statement of a transaction sees a snapshot of its own anyway.
            # Streams and commands, which need one transaction (a server-side cursor, one
            # snapshot), read through Database.reading() and its READ ONLY transaction.
            self.statement_engine = create_engine(
                url, isolation_level="AUTOCOMMIT", execution_options={_EACH_ON_ITS_OWN: True},
                connect_args={"options": "-c default_transaction_read_only=on"}, **options)
            _ping_idle_connections(self.statement_engine)
        self._statement_reader: Engine | Connection = self.statement_engine
        self.sessionmaker: sessionmaker[Session] = sessionmaker(expire_on_commit=False)
        event.listen(self.sessionmaker, "before_flush", _refuse_changes)
        event.listen(self.sessionmaker, "do_orm_execute", _refuse_writes)

    @property
    def dialect(self) -> str:
        """Return the dialect name: "sqlite" or "postgresql"."""
        return self.engine.dialect.name

    def use_connection(self, connection: Connection) -> None:
        """Bind every later session to ``connection``, inside its transaction.

        The test suite runs each test in a transaction of its own that it rolls back;
        units of work then commit SAVEPOINTs inside it.
        """
        self._writer = self._reader = self._statement_reader = connection
        self.sessionmaker.configure(join_transaction_mode="create_savepoint")

    @property
    def writer(self) -> Engine | Connection:
        """Return what writing units connect through (the test suite's one connection,
        when it has given one)."""
        return self._writer

    @property
    def engines(self) -> tuple[Engine, ...]:
        """Return every engine: the one that writes, and the requests' reader if apart."""
        if self.statement_engine is self.engine:
            return (self.engine,)
        return (self.engine, self.statement_engine)

    def new_session(self, *, write: bool, statements: bool = False,
                    bind: Connection | None = None) -> Session:
        """Return a new session that reads, or reads and writes.

        :param statements: for a reading session, read as the requests' reading units
            do: each statement on its own rather than in one transaction.
        """
        reader = self._statement_reader if statements else self._reader
        session = self.sessionmaker(bind=bind if bind is not None
                                    else self._writer if write else reader)
        session.info[_READ_ONLY] = not write
        session.info["audit_key"] = self.audit_key
        return session

    def unit_of_work(self, *, write: bool) -> UnitOfWork:
        """Return a new unit of work; :meth:`UnitOfWork.finish` ends it."""
        return UnitOfWork(self, write=write)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """Yield the session of a writing unit of work committed when the block succeeds.

        For scripts, benchmarks and tests; requests and commands have theirs made for
        them.
        """
        unit = self.unit_of_work(write=True)
        try:
            yield unit.session
        except BaseException:
            unit.finish(success=False)
            raise
        unit.finish(success=True)

    @contextmanager
    def reading(self, *, statements: bool = False) -> Iterator[Session]:
        """Yield a short reading session, closed when the block ends.

        A streamed response reads through one of these: the request's own session is
        finished before the first byte is sent, and this one ends when the stream ends or
        the client goes away. With ``statements`` it reads as a request's reading unit
        does: what a writing request reads before its unit of work begins (who is
        asking), so that its transaction, and on SQLite the write lock, starts with the
        use case's first statement.
        """
        session = self.new_session(write=False, statements=statements)
        try:
            yield session
        finally:
            session.close()

    @contextmanager
    def reading_connection(self) -> Iterator[Connection]:
        """Yield a connection that reads as the requests' reading units do, returned to
        the pool when the block ends.

        For a statement or two read apart from any unit of work (who a writing request
        comes from, before its unit begins): a session and its transaction's bookkeeping
        cost more than the statement. Only SELECTs whose rows are all read at once belong
        here: each runs on its own, as on PostgreSQL, with no BEGIN on SQLite either (a
        result left half read would keep SQLite's snapshot on the pooled connection).
        """
        connection, owned = self.unit_connection()
        if not owned:
            yield connection
            return
        with connection.execution_options(**{_EACH_ON_ITS_OWN: True}):
            yield connection

    def unit_connection(self) -> tuple[Connection, bool]:
        """Return a connection that reads as the requests' reading units do, and whether
        the caller closes it (not the test suite's one connection)."""
        reader = self._statement_reader
        if isinstance(reader, Connection):
            return reader, False
        return reader.connect(), True

    def dispose(self) -> None:
        """Close every pooled connection (and SQLite's lock file)."""
        for engine in self.engines:
            engine.dispose()
        if self._writers is not None:
            self._writers.close()


def _close_quietly(closable: Session | Connection) -> None:
    try:
        closable.close()
    except SQLAlchemyError:
        log.warning("closing the %s failed", type(closable).__name__.lower(), exc_info=True)


class UnitOfWork:
    """The transaction of one request or command.

    Services receive :attr:`session`, change what they must and flush. The boundary calls
    :meth:`finish` once: it commits on success and rolls back otherwise.
    """

    def __init__(self, database: Database, *, write: bool) -> None:
        self.database = database
        self.write = write
        self._session: Session | None = None
        #: A reading unit's connection, checked out before any session (and closed by
        #: the unit when it owns it).
        self._connection: Connection | None = None
        self._owns_connection = False
        self._failed = False
        self._finished = False
        #: What the unit's session carries in its ``info`` from its start.
        self.info: dict[str, Any] = {}
        #: The committed session's ``info`` (what its services noted), once committed.
        self.committed_info: dict[str, Any] | None = None

    def _check_open(self) -> None:
        if self._finished:
            raise RuntimeError("This unit of work is finished; a stream must read "
                               "through Database.reading().")

    @property
    def session(self) -> Session:
        """Return the unit's session, beginning it on first use (a reading unit's on the
        connection it reads on already, if it has one)."""
        if self._session is None:
            self._check_open()
            self._session = self.database.new_session(write=self.write, statements=True,
                                                      bind=self._connection)
            self._session.info.update(self.info)
        return self._session

    @property
    def connection(self) -> Connection:
        """Return the connection the unit reads on, for Core statements.

        A reading unit checks one out on first use, with no session: a request answered
        with a statement or two (a kept page: who is asking, the page's stamp) then pays
        no session's bookkeeping, and a session made later reads on the same connection.
        A writing unit's is its session's transaction's.
        """
        if self.write or self._session is not None:
            return self.session.connection()
        if self._connection is None:
            self._check_open()
            self._connection, self._owns_connection = self.database.unit_connection()
        return self._connection

    @contextmanager
    def apart(self) -> Iterator[Connection]:
        """Yield a connection that reads before this writing unit's transaction begins
        (who is asking, on SQLite), each statement on its own.

        It is the connection the unit then writes on, checked out now and begun only
        when the unit's session first needs it: a second connection from the pool
        (checkout, the pool's bookkeeping, check-in) cost 1.3 % of an autosave's
        instructions, and the write lock is still taken with the use case's first
        statement. Once the transaction has begun, or where every unit shares the test
        suite's one connection, the read goes to a pooled reading connection as before.
        """
        writer = self.database.writer
        if not self.write or self._session is not None or isinstance(writer, Connection):
            with self.database.reading_connection() as connection:
                yield connection
            return
        if self._connection is None:
            self._check_open()
            self._connection, self._owns_connection = writer.connect(), True
        connection = self._connection
        connection.execution_options(**{_EACH_ON_ITS_OWN: True})
        try:
            yield connection
        finally:
            if connection.in_transaction():
                # A statement run through SQLAlchemy's own execution begins a transaction
                # of its bookkeeping (none with the database here): ended, so that the
                # unit's session begins, and commits, the one it writes in.
                connection.rollback()
            connection.execution_options(**{_EACH_ON_ITS_OWN: False})

    def fail(self) -> None:
        """Make sure nothing of this unit is committed (a caught error, a refused form)."""
        self._failed = True

    @property
    def failed(self) -> bool:
        """Return whether :meth:`fail` was called."""
        return self._failed

    def finish(self, *, success: bool) -> bool:
        """Commit when ``success`` and nothing failed, else roll back; close the session.

        :return: whether a commit happened.
        """
        if self._finished:
            return False
        self._finished = True
        session, self._session = self._session, None
        connection, self._connection = self._connection, None
        owned, self._owns_connection = self._owns_connection, False
        try:
            if session is None or not self.write:
                # Nothing to undo: closing ends the transaction and keeps what was loaded
                # readable (a rollback would expire it).
                return False
            if success and not self._failed:
                session.commit()
                self.committed_info = dict(session.info)
                return True
            try:
                session.rollback()
            except SQLAlchemyError:
                # The connection is gone (the database went away): nothing is left to
                # undo, and the pool drops the connection.
                log.warning("rollback failed; the connection is discarded", exc_info=True)
            return False
        finally:
            if session is not None:
                _close_quietly(session)
            if connection is not None and owned:
                # A reading unit's transaction ends with it (a rollback: nothing to undo);
                # a writing unit's has been committed or rolled back above.
                _close_quietly(connection)

    def close(self) -> None:
        """Roll back and close whatever is still open (the last resort at teardown)."""
        self.finish(success=False)
