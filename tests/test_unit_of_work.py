"""One transaction per request and command, reads that never write, mail after commit."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
from flask import Flask, abort
from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from ppp_assess.config import get_settings
from ppp_assess.domain.reference import PlatformRole
from ppp_assess.domain.workflow import Status
from ppp_assess.mail.transport import sent_messages
from ppp_assess.models import Assessment, Organisation, OutboxMessage, ReadOnlyError
from ppp_assess.models.database import Database, writing_connection
from ppp_assess.services import outbox
from ppp_assess.services.audit import record_event
from ppp_assess.services.errors import Invalid
from ppp_assess.unit_of_work import (
    commit_now,
    current_unit,
    get_database,
    get_session,
    on_commit,
)
from ppp_assess.web.errors import refuse
from tests.factories import Factory, sign_in
from tests.services.benchmark_support import approved_through_services
from tests.services.review_support import draft, reviewer


def _count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


# --- The database's two kinds of unit -------------------------------------------------------


def test_a_reading_session_refuses_every_change(app: Flask, db: Session) -> None:
    database = get_database(app)
    session = database.new_session(write=False)
    try:
        assert session.scalar(text("SELECT 1")) == 1
        session.add(Organisation(name="Nobody", country="KZ", region="central_asia"))
        with pytest.raises(ReadOnlyError):
            session.flush()
        session.rollback()
        with pytest.raises(ReadOnlyError):
            session.execute(update(Organisation).values(active=False))
    finally:
        session.close()


def test_a_reading_session_refuses_the_writes_run_on_its_connection(app: Flask,
                                                                   db: Session) -> None:
    database = get_database(app)
    session = database.new_session(write=False)
    try:
        with pytest.raises(ReadOnlyError):
            record_event(session, actor_id=None, action="probe.read", object_type="probe",
                         object_id=1)
    finally:
        session.close()
    writer = database.new_session(write=True)
    try:
        assert writing_connection(writer) is writer.connection()
    finally:
        writer.rollback()
        writer.close()


def test_a_writing_unit_commits_once_and_a_failed_one_keeps_nothing(app: Flask,
                                                                     db: Session) -> None:
    database = get_database(app)
    unit = database.unit_of_work(write=True)
    unit.session.add(Organisation(name="Kept", country="KZ", region="central_asia"))
    assert unit.finish(success=True) is True
    failed = database.unit_of_work(write=True)
    failed.session.add(Organisation(name="Dropped", country="KZ", region="central_asia"))
    failed.fail()
    assert failed.finish(success=True) is False
    names = set(db.scalars(select(Organisation.name)))
    assert "Kept" in names and "Dropped" not in names
    assert unit.finish(success=True) is False  # finishing twice does nothing


# --- The request boundary --------------------------------------------------------------------


@pytest.fixture
def probe_app(make_app: Callable[..., Flask]) -> Flask:
    """Return an app with routes that change the database and answer in different ways."""
    app = make_app()

    def add(name: str) -> None:
        get_session().add(Organisation(name=name, country="KZ", region="central_asia"))
        get_session().flush()

    @app.post("/_probe/ok")
    def ok() -> str:
        add("ok")
        return "done"

    @app.post("/_probe/refused")
    def refused() -> tuple[str, int] | str:
        add("refused")
        try:
            raise Invalid("Enter a name.")
        except Invalid as error:
            return refuse(error)  # a caught service error, answered 200 on purpose

    @app.post("/_probe/not-found")
    def not_found() -> str:
        add("not-found")
        abort(404)

    @app.get("/_probe/read")
    def read() -> str:
        add("read")
        return "written?"

    return app


def _names(app: Flask) -> set[str]:
    session = get_database(app).new_session(write=False)
    try:
        return set(session.scalars(select(Organisation.name)))
    finally:
        session.close()


def test_the_boundary_commits_success_and_rolls_back_the_rest(probe_app: Flask) -> None:
    client = probe_app.test_client()
    assert client.post("/_probe/ok").status_code == 200
    assert client.post("/_probe/refused").status_code == 200
    assert client.post("/_probe/not-found").status_code == 404
    names = _names(probe_app)
    assert "ok" in names
    assert not names & {"refused", "not-found"}


def test_a_request_committed_early_runs_its_hooks_once(make_app: Callable[..., Flask]
                                                       ) -> None:
    app = make_app()
    committed: list[object] = []
    on_commit(app, lambda info: committed.append(info.get("probe")))

    @app.post("/_probe/early")
    def early() -> str:
        get_session().add(Organisation(name="early", country="KZ", region="central_asia"))
        get_session().info["probe"] = "early"
        commit_now()
        assert "early" in _names(app)  # stored before the answer is built
        return "done"

    assert app.test_client().post("/_probe/early").status_code == 200
    assert committed == ["early"]


def test_a_get_can_not_change_the_database(probe_app: Flask) -> None:
    with pytest.raises(ReadOnlyError):
        probe_app.test_client().get("/_probe/read")
    assert "read" not in _names(probe_app)


# --- Mail after commit -----------------------------------------------------------------------


@pytest.fixture
def mail_down_app(make_app: Callable[..., Flask]) -> Flask:
    """Return an app whose mail server refuses every connection (the discard port)."""
    return make_app(mail_backend="smtp", smtp_host="127.0.0.1", smtp_port=9,
                    smtp_starttls=False)


@pytest.fixture
def mail_down_factory(mail_down_app: Flask) -> Iterator[Factory]:
    """Return a factory writing to the database of ``mail_down_app``."""
    session = get_database(mail_down_app).new_session(write=True)
    try:
        yield Factory(session)
    finally:
        session.close()


def test_a_failing_mail_never_undoes_a_committed_change(mail_down_app: Flask,
                                                        mail_down_factory: Factory) -> None:
    factory = mail_down_factory
    case = draft(factory)
    reviewer(factory)
    factory.session.commit()
    client = mail_down_app.test_client()
    sign_in(client, case.respondent.email)
    response = client.post(f"/assessments/{case.assessment.id}/submit")
    assert response.status_code == 302
    session = factory.session
    session.expire_all()
    assert session.get(Assessment, case.assessment.id).status == Status.submitted
    messages = list(session.scalars(select(OutboxMessage)))
    assert len(messages) == 2  # one per reviewer, kept for a later attempt
    assert all(m.sent_at is None and m.attempts == 1 and m.last_error for m in messages)


def test_a_failed_change_sends_no_mail(app: Flask, factory: Factory, db: Session,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    case = draft(factory)
    reviewer(factory)
    reviewer(factory)
    db.commit()
    real_enqueue = outbox.enqueue
    calls: list[str] = []

    def enqueue_then_fail(*args, **kwargs):  # type: ignore[no-untyped-def]
        real_enqueue(*args, **kwargs)
        calls.append(args[1])
        if len(calls) == 2:
            raise RuntimeError("the change fails after its first messages were written")
        return None

    monkeypatch.setattr(outbox, "enqueue", enqueue_then_fail)
    client = app.test_client()
    sign_in(client, case.respondent.email)
    with pytest.raises(RuntimeError):
        client.post(f"/assessments/{case.assessment.id}/submit")
    assert calls  # messages were written before the failure ...
    db.expire_all()
    assert _count(db, OutboxMessage) == 0  # ... and rolled back with the change
    assert db.get(Assessment, case.assessment.id).status == Status.draft
    assert sent_messages(get_settings(app)) == []


def test_the_worker_command_sends_what_is_due(app: Flask, factory: Factory, db: Session,
                                              runner) -> None:
    case = draft(factory)
    board = reviewer(factory)
    from ppp_assess.services import assessments

    assessments.submit_assessment(db, case.assessment, actor=case.respondent)
    db.commit()
    status = runner.invoke(args=["outbox", "status"])
    assert "pending: 2" in status.output
    result = runner.invoke(args=["outbox", "send"])
    assert result.exit_code == 0, result.output
    assert "2 sent" in result.output
    recipients = {message["To"] for message in sent_messages(get_settings(app))}
    assert recipients == {case.reviewer.email, board.email}
    assert "0 sent" in runner.invoke(args=["outbox", "send"]).output


# --- Streams end their reading, on a database of their own ------------------------------------


def _seed_exports(app: Flask) -> str:
    with get_database(app).transaction() as session:
        factory = Factory(session)
        version = factory.questionnaires()["people-first"]
        for seed in range(3):
            approved_through_services(session, factory, version, seed=seed)
        evaluator = factory.user(role=None, platform_roles=(PlatformRole.evaluator,))
        return evaluator.email


def _idle_in_transaction(database: Database) -> int:
    with database.engine.connect() as connection:
        return connection.scalar(text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND state LIKE 'idle in transaction%'")) or 0


def _write_waits(database: Database) -> float:
    """Return how long a writer waits to begin (it would wait on a held write lock)."""
    started = time.perf_counter()
    with database.transaction() as session:
        session.execute(update(Organisation).where(Organisation.id == -1).values(active=True))
    return time.perf_counter() - started


def test_exports_leave_no_transaction_behind(live_app: Flask) -> None:
    app = live_app
    app.config["EXPORT_LIMIT"] = "1000 per minute"  # fifty rounds, more than people make
    database = get_database(app)
    email = _seed_exports(app)
    client = app.test_client()
    sign_in(client, email)
    address = "/evaluations/export.{}?questionnaire=people-first&language=en"
    rounds = 50 if database.dialect == "postgresql" else 5
    for _round in range(rounds):
        for file_format in ("csv", "xlsx"):
            response = client.get(address.format(file_format))
            assert response.status_code == 200
            started = time.perf_counter()
            health = client.get("/healthz")
            assert health.status_code == 200 and time.perf_counter() - started < 3
    # A client that goes away after the first chunk closes the stream's session too.
    partial = client.get(address.format("csv"), buffered=False)
    assert next(iter(partial.response))
    partial.close()
    assert _write_waits(database) < 1
    if database.dialect == "postgresql":
        assert _idle_in_transaction(database) == 0


# --- SQLite's writers queue in each process --------------------------------------------------


def _insert(database: Database, *, success: bool = True) -> None:
    unit = database.unit_of_work(write=True)
    unit.session.execute(text("INSERT INTO t VALUES (1)"))
    unit.finish(success=success)


def test_sqlite_writers_hand_the_write_lock_on_whatever_the_outcome(
        tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sqlite3
    import threading

    from sqlalchemy.exc import OperationalError

    from ppp_assess.models import database as database_module

    path = tmp_path / "writers.sqlite3"
    database = Database(f"sqlite:///{path}", audit_key=b"test")
    try:
        with database.transaction() as session:
            session.execute(text("CREATE TABLE t (x INTEGER)"))
        _insert(database, success=False)  # rolled back: the next writer goes on
        broken = database.unit_of_work(write=True)
        broken.session.execute(text("INSERT INTO t VALUES (1)"))
        broken.session.connection().invalidate()  # discarded mid-transaction: the same
        broken.finish(success=False)
        threads = [threading.Thread(target=lambda: [_insert(database) for _ in range(10)])
                   for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        # Another process holds SQLite's lock beyond the busy timeout: the writer gives up
        # with "database is locked" (a 503) and lets the next one in.
        monkeypatch.setattr(database_module, "SQLITE_BUSY_TIMEOUT_MS", 300)
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN EXCLUSIVE")
        with pytest.raises(OperationalError, match="locked"):
            _insert(database)
        other.execute("ROLLBACK")
        other.close()
        started = time.monotonic()
        _insert(database)
        assert time.monotonic() - started < 0.3
        with database.reading() as session:
            assert session.scalar(text("SELECT COUNT(*) FROM t")) == 41
    finally:
        database.dispose()


def test_sqlite_writers_of_other_processes_wait_for_the_lock_file(
        tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    import fcntl
    import threading

    from sqlalchemy.exc import OperationalError

    from ppp_assess.models import database as database_module

    path = tmp_path / "processes.sqlite3"
    database = Database(f"sqlite:///{path}", audit_key=b"test")
    # A lock of another open file is what another process holds.
    other = open(f"{path}.writers.lock", "a+b")  # noqa: SIM115
    try:
        with database.transaction() as session:
            session.execute(text("CREATE TABLE t (x INTEGER)"))
        # Each commit gives the file back: another process can take it at once.
        fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
        monkeypatch.setattr(database_module, "SQLITE_BUSY_TIMEOUT_MS", 300)
        with pytest.raises(OperationalError, match="locked"):
            _insert(database)  # the other process writes longer than the busy timeout
        # ... and the writers of this process were not left locked out by that.
        threading.Timer(0.1, fcntl.flock, (other, fcntl.LOCK_UN)).start()
        started = time.monotonic()
        _insert(database)
        waited = time.monotonic() - started
        assert 0.09 < waited < 0.3
        fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.flock(other, fcntl.LOCK_UN)
        with database.reading() as session:
            assert session.scalar(text("SELECT COUNT(*) FROM t")) == 1
    finally:
        other.close()
        database.dispose()


# --- A request's reads on PostgreSQL ---------------------------------------------------------


def _transaction_started(session: Session) -> object:
    time.sleep(0.01)
    return session.scalar(text("SELECT transaction_timestamp()"))


def test_a_requests_reads_run_alone_and_refuse_to_write(scratch_database_url: str) -> None:
    from sqlalchemy.exc import DBAPIError

    database = Database(scratch_database_url, audit_key=b"test")
    try:
        unit = database.unit_of_work(write=False)
        if database.dialect != "postgresql":
            # SQLite: no BEGIN either, on connections of their own that may not write.
            assert len(database.engines) == 2
            connection = unit.connection
            assert connection.execute(text("SELECT 1")).scalar() == 1
            assert not connection.connection.driver_connection.in_transaction
            with pytest.raises(DBAPIError, match="readonly database"):
                connection.execute(text("CREATE TABLE t (x integer)"))
            unit.finish(success=True)
            # Streams and commands still read one snapshot, in one transaction.
            with database.reading() as session:
                session.execute(text("SELECT 1"))
                assert session.connection().connection.driver_connection.in_transaction
            with database.transaction() as session:
                session.execute(text("CREATE TABLE t (x integer)"))
            return
        # Each statement is a transaction of its own: no BEGIN, no ROLLBACK to wait for.
        assert _transaction_started(unit.session) != _transaction_started(unit.session)
        # ... in a server session that refuses to write, whatever the statement.
        with pytest.raises(DBAPIError, match="read-only transaction"):
            unit.session.connection().execute(text("CREATE TABLE t (x integer)"))
        unit.finish(success=True)
        # Streams and commands still read one snapshot, in one READ ONLY transaction.
        with database.reading() as session:
            assert _transaction_started(session) == _transaction_started(session)
            with pytest.raises(DBAPIError, match="read-only transaction"):
                session.connection().execute(text("CREATE TABLE t (x integer)"))
        with database.transaction() as session:
            session.execute(text("CREATE TABLE t (x integer)"))
    finally:
        database.dispose()


@pytest.mark.parametrize("method", ["PUT", "POST", "GET"])
def test_who_is_asking_is_read_where_it_holds_no_lock(app: Flask, factory: Factory,
                                                      db: Session, method: str) -> None:
    from flask_login import current_user

    from ppp_assess.models.base import utcnow
    from ppp_assess.web import _load_user

    user = factory.user(organisation=factory.organisation())
    token, secret = factory.api_token(user)
    token.last_used_at = utcnow()  # no stamp of its use is due
    db.flush()
    headers = {"Authorization": f"Bearer {secret}"}
    with app.test_request_context("/api/v1/assessments", method=method, headers=headers):
        assert current_user.id == user.id
        _read_where_it_holds_no_lock(method)
    with app.test_request_context("/assessments", method=method):
        person = _load_user(f"{user.id}:{user.session_version}")
        assert person is not None and person.id == user.id
        _read_where_it_holds_no_lock(method)


def _read_where_it_holds_no_lock(method: str) -> None:
    unit = current_unit()
    if method == "GET":
        # A reading unit reads it on its own connection, with no session yet; a session
        # made later reads on the same connection.
        assert unit._session is None and unit._connection is not None
        assert get_session().connection() is unit.connection
    elif unit.database.dialect == "sqlite":
        # A writing unit's transaction (SQLite's write lock) has not begun: it begins with
        # the use case.
        assert not get_session().in_transaction()
    else:
        # On PostgreSQL it is read in the writing unit's transaction, which a SELECT
        # locks nothing in, on the unit's one connection.
        assert get_session().in_transaction()
        assert unit.connection is get_session().connection()


def _in_driver_transaction(connection) -> bool:
    """Return whether the database connection under ``connection`` is in a transaction."""
    driver = connection.connection.driver_connection
    if connection.dialect.name == "sqlite":
        return bool(driver.in_transaction)
    return str(driver.info.transaction_status.name) != "IDLE"


def test_a_read_apart_from_the_unit_holds_no_transaction(scratch_database_url: str) -> None:
    """Who a writing request comes from is read statement by statement, with no BEGIN
    on SQLite either, and neither is a reading unit's: nothing is left open on the pooled
    connection."""
    database = Database(scratch_database_url, audit_key=b"test")

    try:
        with database.reading_connection() as connection:
            assert connection.execute(text("SELECT 1")).all() == [(1,)]
            assert not _in_driver_transaction(connection)
        unit = database.unit_of_work(write=False)
        assert unit.connection.execute(text("SELECT 2")).scalar() == 2
        assert not _in_driver_transaction(unit.connection)
        assert unit.session.execute(text("SELECT 3")).scalar() == 3
        assert not _in_driver_transaction(unit.connection)
        unit.finish(success=True)
        # A command's reading session still reads one snapshot, in one transaction.
        with database.reading() as session:
            session.execute(text("SELECT 4"))
            assert _in_driver_transaction(session.connection())
    finally:
        database.dispose()


def test_the_writing_connection_is_the_one_of_the_sessions_transaction_now(
        scratch_database_url: str) -> None:
    """What ``writing_connection`` keeps for a transaction is not handed out in the next
    one: a statement run on it there belongs to that transaction (rolled back with it)."""
    database = Database(scratch_database_url, audit_key=b"test")
    session = database.new_session(write=True)

    def names() -> list[str]:
        return list(session.scalars(text("SELECT name FROM probe")))

    try:
        session.execute(text("CREATE TABLE probe (name VARCHAR(20))"))
        session.execute(text("INSERT INTO probe (name) VALUES ('first')"))
        first = writing_connection(session)
        assert writing_connection(session) is first is session.connection()
        session.commit()
        second = writing_connection(session)
        assert second is session.connection()
        second.execute(text("UPDATE probe SET name = 'rolled back'"))
        session.rollback()
        assert names() == ["first"]
        writing_connection(session).execute(text("UPDATE probe SET name = 'second'"))
        session.commit()
        assert names() == ["second"]
    finally:
        session.close()
        database.dispose()


def test_a_reading_unit_reads_on_one_connection_and_gives_it_back(
        scratch_database_url: str) -> None:
    """Outside the test suite's one connection: the connection a reading unit checks out
    first is the one its session reads on, and both are let go when it finishes."""
    database = Database(scratch_database_url, audit_key=b"test")
    try:
        unit = database.unit_of_work(write=False)
        assert unit.connection.execute(text("SELECT 1")).scalar() == 1
        session = unit.session
        assert session.connection() is unit.connection
        assert session.execute(text("SELECT 2")).scalar() == 2
        with pytest.raises(ReadOnlyError):
            writing_connection(session)
        assert database.engines[-1].pool.checkedout() == 1
        assert unit.finish(success=True) is False
        assert database.engines[-1].pool.checkedout() == 0
        with pytest.raises(RuntimeError):
            unit.connection  # noqa: B018 (a finished unit reads no more)
        # A session made first: the unit's connection is the session's.
        other = database.unit_of_work(write=False)
        session = other.session
        assert other.connection is session.connection()
        other.finish(success=True)
        assert database.engines[-1].pool.checkedout() == 0
    finally:
        database.dispose()


def test_the_hooks_of_a_commit_run_when_the_client_resets_the_connection_after_the_answer(
        live_app: Flask) -> None:
    """Werkzeug's server (``flask run``, the browser tests) does not close a response whose
    client reset the connection right after it, as a browser following a redirect may;
    the hooks run once the answer's last byte is handed over all the same."""
    import socket
    import struct
    import threading

    from werkzeug.serving import make_server

    ran: list[int] = []
    on_commit(live_app, lambda _info: ran.append(1))

    def change() -> tuple[str, int, dict[str, str]]:
        get_session()  # a writing unit that commits
        return "See the next page.", 303, {"Location": "/"}

    live_app.add_url_rule("/test-commit", view_func=change, methods=["POST"])
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    requests = 20
    try:
        for _ in range(requests):
            client = socket.create_connection(("127.0.0.1", server.server_port))
            client.sendall(b"POST /test-commit HTTP/1.1\r\nHost: ppp.test\r\n"
                           b"Content-Length: 0\r\n\r\n")
            answer = b""
            while b"See the next page." not in answer:
                chunk = client.recv(65536)
                assert chunk, answer
                answer += chunk
            assert answer.startswith(b"HTTP/1.1 303")
            # Closed at once, with a reset rather than an orderly end.
            client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            client.close()
        deadline = time.monotonic() + 5
        while len(ran) < requests and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        server.shutdown()
        thread.join(timeout=10)
    assert len(ran) == requests


@pytest.mark.parametrize("success", [True, False])
def test_a_writing_unit_reads_apart_on_the_connection_it_then_writes_on(
        scratch_database_url: str, success: bool) -> None:
    """Who a writing request comes from is read before its transaction begins (on
    SQLite, before the write lock is taken), on the connection its unit then writes on:
    one connection checked out from the pools, not two, and given back at the end."""
    from sqlalchemy import column, event
    from sqlalchemy import table as table_of

    from ppp_assess.models.database import DriverStatement

    database = Database(scratch_database_url, audit_key=b"test")
    probe = table_of("probe", column("value"))
    count = DriverStatement(select(func.count()).select_from(probe))
    checkouts: list[object] = []
    try:
        with database.engine.begin() as setup:
            setup.execute(text("CREATE TABLE probe (value INTEGER)"))
        for engine in database.engines:
            event.listen(engine, "checkout",
                         lambda *_args, engine=engine: checkouts.append(engine))

        unit = database.unit_of_work(write=True)
        with unit.apart() as connection:
            assert count.rows(connection, {}) == [(0,)]
            # SQLAlchemy's own execution too: its transaction is only bookkeeping here.
            assert connection.execute(text("SELECT 1")).scalar() == 1
            # SQLite's write lock is not taken (psycopg begins a transaction of its own
            # with any statement; on PostgreSQL the read is then the unit's, as there).
            assert database.dialect != "sqlite" or not _in_driver_transaction(connection)
        with unit.apart() as again:  # a second read: the same connection
            assert again is connection
        session = unit.session
        session.execute(text("INSERT INTO probe (value) VALUES (1)"))
        assert session.connection() is connection and _in_driver_transaction(connection)
        if not success:
            unit.fail()
        assert unit.finish(success=True) is success
        assert checkouts == [database.engine]
        assert all(engine.pool.checkedout() == 0 for engine in database.engines)
        with database.engine.connect() as reader:
            assert reader.execute(text("SELECT count(*) FROM probe")).scalar() == int(success)
        # Once its transaction has begun, a unit reads apart on a reading connection.
        unit = database.unit_of_work(write=True)
        unit.session.execute(text("INSERT INTO probe (value) VALUES (2)"))
        with unit.apart() as reader:
            assert reader is not unit.session.connection()
            assert not _in_driver_transaction(reader)
        unit.finish(success=False)
    finally:
        database.dispose()
