"""CPU time of the section page and the autosave in one process, without a server.

    python -m benchmarks.in_process [CALLS] [ROUNDS]

The application is created as gunicorn's workers create it (the development settings the
load harness's server runs with, JSON logs), on a scratch SQLite file or
``DATABASE_URL``, seeded by the load harness's seeder. A respondent signs in; then the
WSGI application itself is called, with no test client and no server around it: the
signed-in respondent's first section (kept as rendered, with the session cookie the
browser would send back) ``CALLS`` times (2000), then one answer saved through the JSON
API with a bearer token ``CALLS`` times, alternating two values. Each of ``ROUNDS``
rounds (3) prints the CPU time per call (``time.process_time``), the cost of building
each request's WSGI environment left out.

Server and network costs are not in these figures (``benchmarks.worker_cpu`` measures a
gunicorn worker); what is left moves less from run to run, so a change is best judged
by running this on the code before and after it, alternately. Not part of
``make bench``: it prints, and passes or fails nothing. Log lines go to standard error.
"""

from __future__ import annotations

import json
import os
import secrets
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from werkzeug.test import EnvironBuilder

from benchmarks.load import seed
from benchmarks.load.run import AUDIT_KEY
from ppp_assess.config import normalise_database_url
from ppp_assess.models import migrate
from ppp_assess.models.database import Database

AGENT = "Mozilla/5.0 (ppp-assess benchmark)"
CLIENT = {"REMOTE_ADDR": "127.0.0.1"}


def _call(app: Any, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
    answered: list[tuple[str, list[tuple[str, str]]]] = []

    def start_response(status: str, headers: list[tuple[str, str]], *_: Any) -> None:
        answered.append((status, headers))

    body = b"".join(app(environ, start_response))
    status, headers = answered[0]
    return status, headers, body


def _per_call(run: Callable[[], None], build: Callable[[], Any], calls: int) -> float:
    """Return the CPU time of one ``run`` in microseconds, less building its request."""
    started = time.process_time()
    for _ in range(calls):
        build()
    building = time.process_time() - started
    started = time.process_time()
    for _ in range(calls):
        run()
    return (time.process_time() - started - building) / calls * 1e6


def main(argv: list[str]) -> int:
    calls = int(argv[0]) if argv else 2000
    rounds = int(argv[1]) if len(argv) > 1 else 3
    folder = Path(tempfile.mkdtemp(prefix="ppp-in-process-"))
    url = normalise_database_url(os.environ.get("DATABASE_URL")
                                 or f"sqlite:///{folder}/bench.sqlite3")
    os.environ.update({
        "DATABASE_URL": url, "PPP_ASSESS_ENV": "development",
        "SECRET_KEY": secrets.token_urlsafe(48), "PPP_ASSESS_AUDIT_KEY": AUDIT_KEY,
        "PPP_ASSESS_INSTANCE": str(folder / "instance"), "PPP_ASSESS_LOG_FORMAT": "json",
        "PPP_ASSESS_OUTBOX_DELIVERY": "worker",
        "PPP_ASSESS_REDIS_PREFIX": f"ppp-in-process-{secrets.token_hex(6)}:"})
    migrate.upgrade(url)
    database = Database(url, audit_key=AUDIT_KEY.encode())
    tag = secrets.token_hex(4)
    plan = seed.seed(database, seed.SeedCounts(2, 1, 1, 2), tag=tag)
    database.dispose()

    from ppp_assess import create_app

    app = create_app()
    respondent = plan["respondents"][0]
    page = f"/assessments/{respondent['assessment']}/sections/{plan['sections'][0]['id']}"
    cookie = _signed_in_cookie(app, f"respondent0.{tag}@load.test",
                               f"load-{tag}-password", page)

    def page_request() -> dict[str, Any]:
        return EnvironBuilder(path=page, headers={"Cookie": cookie, "User-Agent": AGENT},
                              environ_base=CLIENT).get_environ()

    def open_page() -> None:
        status, _headers, _body = _call(app, page_request())
        assert status.startswith("200"), status

    question = next(qid for qid, values in plan["values"].items() if len(values) >= 2
                    and all(isinstance(value, str) for value in values[:2]))
    values = plan["values"][question][:2]
    answers = f"/api/v1/assessments/{respondent['assessment']}"
    token = {"Authorization": f"Bearer {respondent['token']}", "User-Agent": AGENT}
    _status, _headers, body = _call(app, EnvironBuilder(
        path=answers, headers=token, environ_base=CLIENT).get_environ())
    state = {"version": json.loads(body)["version"], "sent": 0}

    def save_request() -> dict[str, Any]:
        state["sent"] += 1
        return EnvironBuilder(
            path=f"{answers}/answers/{question}", method="PUT", environ_base=CLIENT,
            headers={**token, "If-Match": str(state["version"])},
            json={"value": values[state["sent"] % 2], "comment": "Benchmark."}).get_environ()

    def save() -> None:
        status, _headers, answer = _call(app, save_request())
        assert status.startswith("200"), (status, answer[:200])
        state["version"] = json.loads(answer)["version"]

    for run in (open_page, save):  # warm up: templates, catalogs, statements, pool
        for _ in range(200):
            run()
    for number in range(1, rounds + 1):
        page_cost = _per_call(open_page, page_request, calls)
        save_cost = _per_call(save, save_request, calls)
        print(f"round {number}: section page {page_cost:7.1f} µs CPU/call, "
              f"autosave {save_cost:7.1f} µs CPU/call")
    return 0


def _signed_in_cookie(app: Any, email: str, password: str, page: str) -> str:
    """Sign in through the test client and return the session cookie a browser would
    send after opening ``page`` (which keeps the session's CSRF token in it)."""
    from tests.factories import sign_in

    client = app.test_client()
    client.environ_base.update({"HTTP_USER_AGENT": AGENT, **CLIENT})
    sign_in(client, email, password)
    assert client.get(page).status_code == 200
    cookie = client.get_cookie("session")
    assert cookie is not None
    return f"session={cookie.value}"


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
