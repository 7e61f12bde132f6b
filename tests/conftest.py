"""Shared fixtures: the app, its client and CLI runner, and a database per test.

The whole suite runs against SQLite by default and against PostgreSQL when
``TEST_DATABASE_URL`` is set (``.ci/run`` does both). The schema is built once per run
with the real migrations; every test then runs inside a transaction that is rolled back,
so services may commit freely and nothing leaks between tests.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from hypothesis import settings
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, RootTransaction, make_url
from sqlalchemy.orm import Session

from ppp_assess import create_app
from ppp_assess.config import normalise_database_url
from ppp_assess.extensions import limiter
from ppp_assess.models import migrate
from ppp_assess.models.database import Database
from ppp_assess.unit_of_work import get_database
from tests.api_contract import check_response
from tests.factories import Factory

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
#: The audit key of every test app (and of databases tests open themselves).
TEST_AUDIT_KEY = b"test-audit-key-0123456789abcdef-0123456789"

# Property-based tests explore the same examples on every run, so the suite stays
# deterministic; set HYPOTHESIS_PROFILE=explore to search afresh while developing.
settings.register_profile("default", derandomize=True, deadline=None, database=None)
settings.register_profile("explore", deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


class ServerLikeClient(FlaskClient):
    """A test client that closes each response, as a WSGI server does once it is sent.

    Closing runs what the app scheduled for after the response (the outbox sender). A
    test of a stream that the client leaves early passes ``buffered=False``.

    Every buffered response to a path under ``/api/`` is checked against the API's OpenAPI
    document (:func:`tests.api_contract.check_response`): a response the document does
    not allow fails the test.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("buffered", True)
        response = super().open(*args, **kwargs)
        if kwargs["buffered"] and response.request.path.startswith("/api/"):
            check_response(self.application, response)
        return response


def _worker_database(url: str) -> str:
    """Return the URL of this xdist worker's own database beside ``url``, creating it."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    base = make_url(url)
    name = f"{base.database}_{worker}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            exists = connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                       {"name": name})
            if not exists:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def _reset_postgresql(url: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Return the URL of an empty database, migrated to the newest schema.

    The schema is built once per test process: each xdist worker has a database of its
    own (``<name>_gw0`` and so on beside ``TEST_DATABASE_URL``, or a file of its own).
    """
    if TEST_DATABASE_URL:
        url = _worker_database(normalise_database_url(TEST_DATABASE_URL))
        _reset_postgresql(url)
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    migrate.upgrade(url)
    return url


@pytest.fixture
def scratch_database_url(tmp_path: Path) -> Iterator[str]:
    """Return the URL of a brand-new empty database of the same kind, dropped afterwards."""
    if not TEST_DATABASE_URL:
        yield f"sqlite:///{tmp_path / 'scratch.sqlite3'}"
        return
    base = make_url(normalise_database_url(TEST_DATABASE_URL))
    name = f"ppp_scratch_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _reset_limits() -> None:
    """Forget every rate-limit count (an app may point at an unreachable Redis on purpose)."""
    with contextlib.suppress(redis.exceptions.ConnectionError):
        limiter.reset()


@pytest.fixture
def make_app(tmp_path: Path, database_url: str) -> Iterator[Callable[..., Flask]]:
    """Return a factory of test apps whose sessions join one rolled-back transaction.

    Every app of one test on the test database shares one connection, so that what one
    app (or the ``db`` fixture) writes, another sees, and no app waits for a lock that an
    uncommitted test transaction on another connection holds.
    """
    created: list[tuple[Database, Connection, RootTransaction]] = []
    shared: list[Connection] = []
    databases: list[Database] = []

    def factory(**overrides: object) -> Flask:
        settings: dict[str, object] = {
            "env": "testing",
            "database_url": database_url,
            "instance_path": str(tmp_path / "instance"),
            "secret_key": "test-secret-key",
            "audit_key": TEST_AUDIT_KEY.decode(),
            "base_url": "http://ppp.test",
            "flask_overrides": {"WTF_CSRF_ENABLED": False, "SERVER_NAME": None},
        }
        settings.update(overrides)
        app = create_app(settings)
        app.test_client_class = ServerLikeClient
        # One limiter serves every app in the process: start each test with no counts.
        _reset_limits()
        database = get_database(app)
        databases.append(database)
        if settings["database_url"] == database_url and shared:
            database.use_connection(shared[0])
            return app
        connection = database.engine.connect()
        transaction = connection.begin()
        database.use_connection(connection)
        created.append((database, connection, transaction))
        if settings["database_url"] == database_url:
            shared.append(connection)
        return app

    yield factory
    if created:
        _reset_limits()
    for _database, connection, transaction in created:
        transaction.rollback()
        connection.close()
    for database in databases:
        database.dispose()


@pytest.fixture
def live_app(scratch_database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """Return an app on a real database of its own, with no test transaction around it.

    Its units of work commit for real, on connections of their own, as in production;
    for what a shared test transaction cannot show (separate transactions, locks).
    """
    migrate.upgrade(scratch_database_url)
    app = create_app({"env": "testing", "database_url": scratch_database_url,
                      "instance_path": str(tmp_path / "live-instance"), "secret_key": "test",
                      "audit_key": TEST_AUDIT_KEY.decode(), "base_url": "http://ppp.test",
                      "flask_overrides": {"WTF_CSRF_ENABLED": False}})
    app.test_client_class = ServerLikeClient
    yield app
    get_database(app).dispose()


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    """Return the application configured for tests (CSRF off; see ``csrf_app``)."""
    return make_app()


@pytest.fixture
def csrf_app(app: Flask) -> Flask:
    """Return ``app`` with CSRF protection on, as in production."""
    app.config["WTF_CSRF_ENABLED"] = True
    return app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """Return a test client of ``app``."""
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    """Return a CLI runner of ``app``."""
    return app.test_cli_runner()


@pytest.fixture
def db(app: Flask) -> Iterator[Session]:
    """Return a session inside the test's transaction.

    No application context is held open: each request of the test client then gets a
    fresh ``g`` (database session, signed-in user, locale), as in production. Tests that
    call code needing an application context push one themselves.
    """
    session = get_database(app).new_session(write=True)
    try:
        yield session
    finally:
        session.close()


@pytest.fixture
def factory(db: Session) -> Factory:
    """Return a :class:`tests.factories.Factory` bound to the test's session."""
    return Factory(db)
