"""Open doors closed: redirects, security headers, a database that is away, proxies."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask, Response
from sqlalchemy import func, select

from ppp_assess.models import AuditEvent
from ppp_assess.models.database import Database
from ppp_assess.web.headers import CONTENT_SECURITY_POLICY
from tests.conftest import TEST_AUDIT_KEY
from tests.factories import PASSWORD, sign_in

# --- Where a sign-in may lead ---------------------------------------------------------------


@pytest.mark.parametrize("target", [
    "/%09/evil.example", "/%0A/evil.example", "/%0D%0ALocation:%20http://evil.example",
    "//evil.example", "/\\evil.example", "%2F%2Fevil.example", "/%2F/evil.example",
    "https://evil.example/", "javascript:alert(1)", "/%5Cevil.example", "/\x7f/x",
    "http:/evil.example", " /projects/",
])
def test_sign_in_never_leads_off_the_site(client, factory, db, target: str) -> None:
    user = factory.user()
    db.commit()
    response = client.post(f"/auth/sign-in?next={target}",
                           data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_sign_in_follows_a_path_on_the_site(client, factory, db) -> None:
    user = factory.user()
    db.commit()
    response = client.post("/auth/sign-in?next=/projects/%3Fpage%3D2",
                           data={"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/projects/?page=2"


# --- Security headers on every kind of response -------------------------------------------


def _assert_secure(response) -> None:
    headers = response.headers
    assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    for directive in ("default-src 'self'", "frame-ancestors 'none'", "form-action 'self'",
                      "base-uri 'none'"):
        assert directive in headers["Content-Security-Policy"]
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"]
    assert "camera=()" in headers["Permissions-Policy"]


@pytest.mark.parametrize("path", ["/", "/auth/sign-in", "/no/such/page", "/healthz",
                                  "/api/v1/openapi.json", "/api/v1/assessments/1",
                                  "/static/css/app.css", "/verify/PPP-2026-000000"])
def test_every_response_carries_the_security_headers(client, path: str) -> None:
    _assert_secure(client.get(path))


def test_downloads_and_server_errors_carry_them_too(make_app: Callable[..., Flask],
                                                   factory, db) -> None:
    app = make_app()
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/_boom")
    def boom() -> str:
        raise RuntimeError("boom")

    response = app.test_client().get("/_boom")
    assert response.status_code == 500
    _assert_secure(response)


def test_a_views_own_choice_of_a_security_header_is_kept_alone(
        make_app: Callable[..., Flask]) -> None:
    app = make_app()

    @app.get("/_stricter")
    def stricter() -> Response:
        response = Response("token page")
        response.headers["referrer-policy"] = "no-referrer"
        response.headers["Strict-Transport-Security"] = "max-age=60"
        return response

    response = app.test_client().get("/_stricter", base_url="https://ppp.test")
    assert response.headers.getlist("Referrer-Policy") == ["no-referrer"]
    assert response.headers.getlist("Strict-Transport-Security") == ["max-age=60"]
    assert response.headers.getlist("X-Frame-Options") == ["DENY"]
    _assert_secure(response)


def test_strict_transport_security_only_over_https(client) -> None:
    assert "Strict-Transport-Security" not in client.get("/").headers
    secure = client.get("/", base_url="https://ppp.test")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")


def test_templates_carry_no_inline_script_or_style() -> None:
    folder = Path(__file__).resolve().parents[2] / "ppp_assess" / "web" / "templates"
    for template in folder.rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        assert " style=" not in text and "<style" not in text, template
        for chunk in text.split("<script")[1:]:
            assert chunk.lstrip().startswith("src=") or " src=" in chunk.split(">")[0], \
                template


# --- The database away ------------------------------------------------------------------------


@pytest.fixture
def database_down(make_app: Callable[..., Flask], tmp_path: Path) -> Flask:
    """Return an app whose database cannot be opened (a file in a missing folder)."""
    app = make_app()
    app.extensions["ppp_db"] = Database(f"sqlite:///{tmp_path / 'missing' / 'x.sqlite3'}",
                                        audit_key=TEST_AUDIT_KEY)
    return app


@pytest.mark.parametrize("path", ["/showcase", "/check/", "/api/v1/questionnaires",
                                  "/api/v1/assessments/1"])
def test_every_page_answers_503_with_retry_after_when_the_database_is_away(
        database_down: Flask, path: str) -> None:
    # A bearer token is looked up in the database, like a signed-in session.
    response = database_down.test_client().get(
        path, headers={"Authorization": "Bearer ppp_not-checked-before-the-database"})
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0
    if path.startswith("/api/"):
        assert response.get_json()["error"]["code"] == "unavailable"
    else:
        assert "temporarily unavailable" in response.get_data(as_text=True)


def test_a_write_answers_503_and_the_health_check_names_the_database(
        database_down: Flask) -> None:
    client = database_down.test_client()
    response = client.post("/auth/sign-in", data={"email": "a@example.org", "password": "x"})
    assert response.status_code == 503
    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.get_json() == {"status": "unavailable", "database": "unreachable"}
    assert "Retry-After" in health.headers


def test_the_app_recovers_when_the_database_is_back(database_down: Flask,
                                                    tmp_path: Path) -> None:
    from ppp_assess.models import migrate

    client = database_down.test_client()
    assert client.get("/healthz").status_code == 503
    (tmp_path / "missing").mkdir()
    migrate.upgrade(f"sqlite:///{tmp_path / 'missing' / 'x.sqlite3'}")
    assert client.get("/healthz").status_code == 200
    assert client.get("/showcase").status_code == 200
    database_down.extensions["ppp_db"].dispose()


def test_the_health_check_names_an_unreachable_redis(make_app: Callable[..., Flask]) -> None:
    app = make_app(redis_url="redis://127.0.0.1:9/0")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "database": "ok",
                                   "redis": "unreachable"}


# --- Behind a proxy -------------------------------------------------------------------------


def test_a_trusted_proxy_gives_the_client_address(make_app: Callable[..., Flask]) -> None:
    app = make_app(trusted_proxies=1)
    client = app.test_client()
    client.post("/auth/sign-in", data={"email": "nobody@example.org", "password": "wrong"},
                headers={"X-Forwarded-For": "203.0.113.9"},
                environ_base={"REMOTE_ADDR": "10.0.0.2"})
    from ppp_assess.unit_of_work import get_database

    session = get_database(app).new_session(write=False)
    try:
        event = session.scalars(select(AuditEvent).order_by(AuditEvent.sequence.desc())).first()
    finally:
        session.close()
    assert event is not None and "203.0.113.9" in str(event.after)


def test_strict_transport_security_when_a_trusted_proxy_says_https(
        make_app: Callable[..., Flask]) -> None:
    behind = make_app(trusted_proxies=1).test_client()
    forwarded = behind.get("/", headers={"X-Forwarded-Proto": "https"})
    assert forwarded.headers["Strict-Transport-Security"].startswith("max-age=")
    assert "Strict-Transport-Security" not in behind.get("/").headers
    # Without a trusted proxy the header is the client's word, and is not believed.
    direct = make_app().test_client().get("/", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in direct.headers
    assert direct.headers.getlist("X-Frame-Options") == ["DENY"]


def test_without_trusted_proxies_forwarded_addresses_are_ignored(
        make_app: Callable[..., Flask]) -> None:
    app = make_app()
    client = app.test_client()
    client.post("/auth/sign-in", data={"email": "nobody@example.org", "password": "wrong"},
                headers={"X-Forwarded-For": "203.0.113.9"},
                environ_base={"REMOTE_ADDR": "10.0.0.2"})
    from ppp_assess.unit_of_work import get_database

    session = get_database(app).new_session(write=False)
    try:
        event = session.scalars(select(AuditEvent).order_by(AuditEvent.sequence.desc())).first()
    finally:
        session.close()
    assert event is not None and "203.0.113.9" not in str(event.after)
    assert "10.0.0.2" in str(event.after)


# --- Odd ids in addresses ---------------------------------------------------------------------


@pytest.mark.parametrize("path", [
    "/api/v1/assessments/１", "/api/v1/assessments/٣", "/api/v1/assessments/²",
    "/api/v1/assessments/99999999999999999999999", "/api/v1/assessments/9223372036854775808",
    f"/api/v1/assessments/{2**31}", f"/projects/{2**63 - 1}",
    "/assessments/１", "/projects/%EF%BC%91", "/api/v1/projects/-1",
])
def test_ids_are_ascii_digits_within_the_id_range(client, factory, db, path: str) -> None:
    user = factory.user(organisation=factory.organisation())
    db.commit()
    sign_in(client, user.email)
    response = client.get(path)
    assert response.status_code == 404
    if path.startswith("/api/"):
        assert response.get_json()["error"]["code"] == "404"


def test_the_largest_id_is_simply_not_found(client, factory, db) -> None:
    user = factory.user(organisation=factory.organisation())
    db.commit()
    sign_in(client, user.email)
    # The largest id the columns hold reaches the database, on PostgreSQL too.
    assert client.get(f"/api/v1/assessments/{2**31 - 1}").status_code == 404
    assert client.get(f"/projects/{2**31 - 1}").status_code == 404


# --- Timing tells nothing about who has an account ----------------------------------------------


def _median_seconds(known: Callable[[], object], unknown: Callable[[], object],
                    rounds: int = 9) -> tuple[float, float]:
    """Time both calls in turn, ``rounds`` times, and return the median of each.

    Taking turns spreads any slowdown of the machine (another test process, say) over
    both sides alike.
    """
    import statistics
    import time

    timings: tuple[list[float], list[float]] = ([], [])
    for _ in range(rounds):
        for side, send in enumerate((known, unknown)):
            started = time.perf_counter()
            send()
            timings[side].append(time.perf_counter() - started)
    return statistics.median(timings[0]), statistics.median(timings[1])


def test_sign_in_takes_as_long_for_unknown_accounts(make_app: Callable[..., Flask],
                                                    factory, db) -> None:
    app = make_app(flask_overrides={"WTF_CSRF_ENABLED": False, "SERVER_NAME": None,
                                    "RATELIMIT_ENABLED": False})
    user = factory.user()
    db.commit()
    client = app.test_client()

    def attempt(email: str) -> Callable[[], object]:
        return lambda: client.post("/auth/sign-in", data={"email": email, "password": "wrong"})

    attempt(user.email)()  # warm up
    known, unknown = _median_seconds(attempt(user.email), attempt("nobody-here@example.org"))
    assert 0.5 < known / unknown < 2, (known, unknown)


def test_a_reset_request_takes_as_long_for_unknown_accounts(make_app: Callable[..., Flask],
                                                            factory, db) -> None:
    # The mail leaves after the response (here: by the worker), never before it.
    app = make_app(outbox_delivery="worker",
                   flask_overrides={"WTF_CSRF_ENABLED": False, "SERVER_NAME": None,
                                    "RATELIMIT_ENABLED": False})
    user = factory.user()
    db.commit()
    client = app.test_client()

    def request_reset(email: str) -> Callable[[], object]:
        return lambda: client.post("/auth/forgot-password", data={"email": email})

    request_reset(user.email)()
    known, unknown = _median_seconds(request_reset(user.email),
                                     request_reset("nobody-here@example.org"), rounds=15)
    assert 0.5 < known / unknown < 2, (known, unknown)


# --- Bearer tokens stand alone ----------------------------------------------------------------


def test_a_bearer_request_never_sets_a_cookie_nor_stores_a_language(app: Flask, client, factory,
                                                                    db) -> None:
    from ppp_assess.services.tokens import create_api_token

    user = factory.user(organisation=factory.organisation(), locale="en")
    _row, token = create_api_token(db, user, name="script")
    db.commit()
    sign_in(client, user.email)
    events = db.scalar(select(func.count()).select_from(AuditEvent))
    response = client.get("/api/v1/projects?lang=fr", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.headers.get("Content-Language", "fr").startswith("fr")
    assert "Set-Cookie" not in response.headers
    db.expire_all()
    assert db.get(type(user), user.id).locale == "en"
    assert db.scalar(select(func.count()).select_from(AuditEvent)) == events
    # A page keeps the chosen language in the session cookie, except for a bearer request.
    assert "Set-Cookie" in app.test_client().get("/auth/sign-in?lang=fr").headers
    bearer_page = app.test_client().get("/auth/sign-in?lang=fr",
                                        headers={"Authorization": f"Bearer {token}"})
    assert "Set-Cookie" not in bearer_page.headers


def test_a_bearer_token_wins_over_a_session_cookie_and_needs_no_csrf(
        csrf_app: Flask, factory, db) -> None:
    from ppp_assess.services.tokens import create_api_token

    browser_user = factory.user(organisation=factory.organisation(name="Browser Org"))
    script_user = factory.user(organisation=factory.organisation(name="Script Org"))
    factory.project(browser_user.memberships[0].organisation, name="Seen by the browser")
    factory.project(script_user.memberships[0].organisation, name="Seen by the script")
    _row, token = create_api_token(db, script_user, name="script")
    db.commit()
    client = csrf_app.test_client()
    sign_in(client, browser_user.email)
    listed = client.get("/api/v1/projects", headers={"Authorization": f"Bearer {token}"})
    names = {project["name"] for project in listed.get_json()["projects"]}
    assert names == {"Seen by the script"}
    assert "Set-Cookie" not in listed.headers
    # An unsafe call by token needs no CSRF header even though a session cookie came along.
    created = client.post("/api/v1/projects", headers={"Authorization": f"Bearer {token}"},
                          json={"name": "By token", "sector": "mining", "country": "MN",
                                "region": "central_asia", "stage": "procurement",
                                "contract_type": "concession", "capital_value": 1,
                                "currency": "USD", "description": ""})
    assert created.status_code == 201, created.get_data(as_text=True)
    # Without the token, the cookie session is the browser's and must send the CSRF header.
    by_cookie = client.post("/api/v1/projects", json={"name": "By cookie"})
    assert by_cookie.status_code == 400
    assert by_cookie.get_json()["error"]["code"] == "csrf"


def test_numbers_beyond_the_id_columns_are_refused_not_failed(client, factory, db) -> None:
    from ppp_assess.domain.reference import PlatformRole

    admin = factory.user(role=None, platform_roles=(PlatformRole.admin,))
    member = factory.user(organisation=factory.organisation())
    db.commit()
    sign_in(client, admin.email)
    page = client.get(f"/admin/audit?organisation={2**31}")
    assert page.status_code < 500
    assert b"Enter a positive number." in page.data
    assert client.get(f"/admin/audit?organisation={2**31 - 1}").status_code == 200
    client.post("/auth/sign-out")
    sign_in(client, member.email)
    created = client.post("/api/v1/projects", json={
        "name": "Too far", "sector": "mining", "country": "MN", "region": "central_asia",
        "stage": "procurement", "contract_type": "concession", "capital_value": 1,
        "currency": "USD", "description": "", "organisation": 2**31})
    assert created.status_code == 422
    assert "organisation" in created.get_json()["error"]["fields"]
