"""``GET /healthz``."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import TEST_AUDIT_KEY


def test_healthz_reports_ok_with_the_database(client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_reports_503_when_the_database_is_unreachable(make_app, tmp_path: Path) -> None:
    # A SQLite path inside a missing folder cannot be opened.
    app = make_app()
    from ppp_assess.models.database import Database

    app.extensions["ppp_db"] = Database(f"sqlite:///{tmp_path / 'missing' / 'x.sqlite3'}",
                                        audit_key=TEST_AUDIT_KEY)
    try:
        response = app.test_client().get("/healthz")
    finally:
        app.extensions["ppp_db"].dispose()
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"


def test_healthz_reports_503_when_postgresql_is_down(make_app) -> None:
    app = make_app()
    from ppp_assess.models.database import Database

    # Port 9 (discard) has no PostgreSQL server: the connection is refused at once.
    app.extensions["ppp_db"] = Database(
        "postgresql+psycopg://postgres@127.0.0.1:9/none?connect_timeout=2",
        audit_key=TEST_AUDIT_KEY)
    try:
        response = app.test_client().get("/healthz")
    finally:
        app.extensions["ppp_db"].dispose()
    assert response.status_code == 503


def test_home_page_renders(client) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert b'<html lang="en" dir="ltr">' in response.data
