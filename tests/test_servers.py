"""Two app servers on one database and one Redis behave as one platform.

Each runs under gunicorn with the shipped configuration (``ppp_assess.gunicorn_conf``);
a session opened on one is honoured by the other, a throttle counted on one holds on the
other, and a job queued by one (a message in the outbox) is carried out by the separate
sender process.
"""

from __future__ import annotations

import http.client
import os
import re
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest

from ppp_assess.models import migrate
from ppp_assess.models.database import Database
from ppp_assess.web.throttle import ACCOUNT_FROM_ADDRESS
from tests.conftest import TEST_AUDIT_KEY
from tests.factories import PASSWORD, Factory

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _request(port: int, method: str, path: str, body: dict[str, str] | None = None,
             cookie: str = "") -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Cookie": cookie} if cookie else {}
    payload = None
    if body is not None:
        payload = urlencode(body)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    connection.request(method, path, body=payload, headers=headers)
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


def _csrf_and_cookie(port: int) -> tuple[str, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", "/auth/sign-in")
    response = connection.getresponse()
    page = response.read().decode()
    connection.close()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert token is not None
    cookie = response.getheader("Set-Cookie", "").split(";", 1)[0]
    return token.group(1), cookie


def _environment(database_url: str, tmp_path: Path, prefix: str, number: int) -> dict[str, str]:
    return {
        **os.environ, "DATABASE_URL": database_url,
        "SECRET_KEY": "shared-secret-of-both-servers-0123456789",
        "PPP_ASSESS_AUDIT_KEY": TEST_AUDIT_KEY.decode(),
        "REDIS_URL": "redis://127.0.0.1:6379/0", "PPP_ASSESS_ENV": "development",
        "PPP_ASSESS_INSTANCE": str(tmp_path / f"server-{number}"),
        "WEB_CONCURRENCY": "1", "PPP_ASSESS_THREADS": "2", "PPP_ASSESS_REDIS_PREFIX": prefix,
        # Messages wait in the outbox for the sender process; every process writes mail
        # into one shared folder.
        "PPP_ASSESS_OUTBOX_DELIVERY": "worker", "PPP_ASSESS_MAIL_DIR": str(tmp_path / "mail"),
    }


@pytest.fixture
def two_servers(scratch_database_url: str, tmp_path: Path
                ) -> Iterator[tuple[int, int, str, dict[str, str]]]:
    """Start two gunicorn servers sharing a database, Redis and secrets; yield their ports."""
    migrate.upgrade(scratch_database_url)
    database = Database(scratch_database_url, audit_key=TEST_AUDIT_KEY)
    with database.transaction() as session:
        email = Factory(session).user().email
    database.dispose()
    prefix = f"ppp-two-{uuid.uuid4().hex}"
    ports = [_free_port(), _free_port()]
    processes = []
    for number, port in enumerate(ports):
        environment = {**_environment(scratch_database_url, tmp_path, prefix, number),
                       "PPP_ASSESS_BIND": f"127.0.0.1:{port}"}
        processes.append(subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "python:ppp_assess.gunicorn_conf",
             "wsgi:app"], env=environment, cwd=ROOT,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    try:
        deadline = time.monotonic() + 60
        for port, process in zip(ports, processes, strict=True):
            while True:
                assert process.poll() is None, "a server stopped"
                try:
                    if _request(port, "GET", "/healthz").status == 200:
                        break
                except OSError:
                    pass
                assert time.monotonic() < deadline, "a server did not start"
                time.sleep(0.2)
        yield ports[0], ports[1], email, _environment(scratch_database_url, tmp_path,
                                                      prefix, 2)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)


def test_a_session_opened_on_one_server_is_honoured_by_the_other(two_servers) -> None:
    first, second, email, _environment = two_servers
    token, cookie = _csrf_and_cookie(first)
    signed_in = _request(first, "POST", "/auth/sign-in", {
        "email": email, "password": PASSWORD, "csrf_token": token}, cookie)
    assert signed_in.status == 302
    session_cookie = signed_in.getheader("Set-Cookie", "").split(";", 1)[0]
    assert _request(second, "GET", "/auth/profile", cookie=session_cookie).status == 200
    assert _request(second, "GET", "/auth/profile").status == 302  # without it: sign in


def test_a_throttle_counted_on_one_server_holds_on_the_other(two_servers) -> None:
    first, second, email, _environment = two_servers
    for _ in range(ACCOUNT_FROM_ADDRESS.free + 1):
        token, cookie = _csrf_and_cookie(first)
        failed = _request(first, "POST", "/auth/sign-in", {
            "email": email, "password": "wrong", "csrf_token": token}, cookie)
        assert failed.status == 200
    token, cookie = _csrf_and_cookie(second)
    held = _request(second, "POST", "/auth/sign-in", {
        "email": email, "password": PASSWORD, "csrf_token": token}, cookie)
    assert held.status == 429
    assert int(held.getheader("Retry-After", "0")) >= 1


def test_a_job_queued_by_a_server_is_carried_out_by_the_sender_process(two_servers,
                                                                       tmp_path: Path) -> None:
    first, _second, email, environment = two_servers
    token, cookie = _csrf_and_cookie(first)
    asked = _request(first, "POST", "/auth/forgot-password", {
        "email": email, "csrf_token": token}, cookie)
    assert asked.status == 200
    mail = tmp_path / "mail"
    assert not list(mail.glob("*.eml"))  # queued, not sent by the server
    sent = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "outbox", "send"], env=environment,
        cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert sent.returncode == 0, sent.stderr
    assert "1 sent" in sent.stdout
    (message,) = mail.glob("*.eml")
    assert email in message.read_text(encoding="utf-8")


@pytest.mark.parametrize(("database_url", "override", "threads"), [
    ("", None, 1),
    ("sqlite:////srv/ppp/ppp_assess.sqlite3", None, 1),
    ("postgresql://ppp@db.example/ppp", None, 4),
    ("postgresql+psycopg://ppp@db.example/ppp", None, 4),
    ("postgresql://ppp@10.0.0.5:5432/ppp", None, 4),
    ("postgresql://ppp@/ppp?host=db.example", None, 4),
    ("postgresql://ppp@localhost,db.example/ppp", None, 4),
    # The database server on this machine shares its cores: one thread, as on SQLite.
    ("postgresql://ppp@127.0.0.1:5432/ppp", None, 1),
    ("postgresql://ppp@localhost/ppp", None, 1),
    ("postgresql://ppp@[::1]/ppp", None, 1),
    ("postgresql:///ppp", None, 1),
    ("postgresql://ppp@/ppp?host=/run/postgresql", None, 1),
    ("sqlite:////srv/ppp/ppp_assess.sqlite3", "3", 3),
    ("postgresql://ppp@127.0.0.1/ppp", "4", 4),
])
def test_the_shipped_configuration_runs_threads_for_a_database_elsewhere(
        tmp_path: Path, database_url: str, override: str | None, threads: int) -> None:
    environment = {**os.environ, "DATABASE_URL": database_url,
                   "PPP_ASSESS_INSTANCE": str(tmp_path)}
    environment.pop("PPP_ASSESS_THREADS", None)
    if override is not None:
        environment["PPP_ASSESS_THREADS"] = override
    shown = subprocess.run(
        [sys.executable, "-c", "import ppp_assess.gunicorn_conf as conf; print(conf.threads)"],
        env=environment, cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert int(shown) == threads
