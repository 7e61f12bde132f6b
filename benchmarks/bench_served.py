"""Instructions a gunicorn worker spends per request, beside its limit's, counted by callgrind.

    python -m benchmarks.bench_served [CALLS]

The HTTP figures of ``make bench`` divide two rates measured one after the other on a
shared machine, and the host's speed moves them by a third from one run to the next.
This counts what they are made of instead: gunicorn (``ppp_assess.gunicorn_conf``, one
worker) runs under valgrind's callgrind, first with the application, then with the bare
Flask of the limits (``benchmarks/serving/limit_app.py``) answering the page's bytes and
the autosave's answer it captured. One keep-alive connection sends ``CALLS`` (200)
requests of each kind after 100 to warm up: the signed-in respondent's first section
(kept as rendered) and one answer saved with a bearer token, alternating two values, as
``bench_http`` sends them. Only the worker's own instructions are counted: not the
kernel's, not the database server's (on PostgreSQL, ``DATABASE_URL``), not the client's.

A ratio here is the work of the limit's request over the work of the application's. The
rate ratio of ``make bench`` is lower where an instruction of the application costs
more time than one of the limit (more code and data than the caches hold, a wait for
SQLite's write lock, the database server's share of the cores). In ``make bench``
these rows have no goal of their own (the goals are the rates'); on
SQLite and, with ``DATABASE_URL``, on PostgreSQL, about a minute each. Without
``valgrind`` on the path they are left out.
"""

from __future__ import annotations

import http.client
import json
import os
import secrets
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from benchmarks.bench_http import AGENT, LimitServer, _autosave_plan, _sign_in
from benchmarks.instructions import _total, control
from benchmarks.load import seed
from benchmarks.load.run import AUDIT_KEY, Server
from ppp_assess.config import normalise_database_url
from ppp_assess.models import migrate
from ppp_assess.models.database import Database

#: Requests counted of each kind, after ``WARM_UP`` uncounted.
CALLS = 200
WARM_UP = 100
#: Under valgrind a worker runs some fifty times slower: its start and its requests get
#: the time they need.
SETTINGS = {"WEB_CONCURRENCY": "1", "PPP_ASSESS_WORKER_TIMEOUT": "600",
            "PYTHONHASHSEED": "0"}
STARTING = 600.0


def _valgrind(folder: Path) -> list[str]:
    return ["valgrind", "--tool=callgrind", "--instr-atstart=no", "--trace-children=yes",
            f"--callgrind-out-file={folder}/callgrind.%p"]


def _counted(server: Server, folder: Path, name: str, calls: int,
             request: Callable[[int], None]) -> float:
    """Return the worker's instructions per call of ``request``, after a warm-up."""
    for number in range(WARM_UP):
        request(number)
    (worker,) = server.workers()
    control(worker.pid, "--instr=on")
    for number in range(calls):
        request(number)
    control(worker.pid, f"--dump={name}")
    control(worker.pid, "--instr=off")
    for dump in folder.glob(f"callgrind.{worker.pid}.*"):
        head = dump.read_text(errors="replace")[:2000].splitlines()
        if any(line.startswith("desc: Trigger:") and line.split()[-1] == name
               for line in head):
            return _total(dump) / calls
    raise RuntimeError(f"callgrind wrote no count of {name}")


def _requester(port: int) -> Callable[..., tuple[int, bytes]]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)

    def send(method: str, path: str, body: bytes | None = None,
             headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        connection.request(method, path, body=body, headers={"User-Agent": AGENT,
                                                             **(headers or {})})
        response = connection.getresponse()
        return response.status, response.read()

    return send


def _saving(send: Callable[..., tuple[int, bytes]], line: str,
            version_of: Callable[[bytes], int]) -> Callable[[int], None]:
    """Return a call that saves the next of a plan line's two bodies, as wrk's script does."""
    path, token, first_version, *bodies = line.split("\t")
    version = int(first_version)

    def save(number: int) -> None:
        nonlocal version
        status, answer = send("PUT", path, bodies[number % 2].encode(), {
            "Authorization": f"Bearer {token}", "Content-Type": "application/json",
            "If-Match": str(version)})
        if status != 200:
            raise RuntimeError(f"a save answered {status}: {answer[:200]!r}")
        version = version_of(answer)

    return save


def _version(answer: bytes) -> int:
    return int(json.loads(answer)["version"])


def _getting(send: Callable[..., tuple[int, bytes]], path: str,
             headers: dict[str, str] | None = None) -> Callable[[int], None]:
    def get(_number: int) -> None:
        status, _body = send("GET", path, None, headers)
        if status != 200:
            raise RuntimeError(f"{path} answered {status}")

    return get


def count(url: str | None, calls: int) -> dict[str, float]:
    """Return the instructions per request of the page, the save and their limits, on
    ``url`` (a scratch SQLite file for ``None``)."""
    folder = Path(tempfile.mkdtemp(prefix="ppp-served-instructions-"))
    url = normalise_database_url(url or f"sqlite:///{folder}/bench.sqlite3")
    migrate.upgrade(url)
    database = Database(url, audit_key=AUDIT_KEY.encode())
    tag = secrets.token_hex(4)
    plan = seed.seed(database, seed.SeedCounts(2, 1, 1, 2), tag=tag)
    save_plan, limit_plan = folder / "autosave.tsv", folder / "limit.tsv"
    _autosave_plan(save_plan, database, plan, 1)
    _autosave_plan(limit_plan, database, plan, 1, limit=True)
    database.dispose()
    section = (f"/assessments/{plan['respondents'][0]['assessment']}/sections/"
               f"{plan['sections'][0]['id']}")
    counts: dict[str, float] = {}

    server = Server(folder, url, AUDIT_KEY, workers=1, threads=None,
                    prefix=_valgrind(folder), settings=SETTINGS)
    try:
        server.wait_until_up(STARTING)
        cookie = _sign_in(server.port, f"respondent0.{tag}@load.test", f"load-{tag}-password")
        send = _requester(server.port)
        status, page = send("GET", section, None, {"Cookie": cookie})
        if status != 200:
            raise RuntimeError(f"the section page answered {status}")
        answers: list[bytes] = []

        def version_of(answer: bytes) -> int:
            answers[:] = [answer]
            return _version(answer)

        counts["page"] = _counted(server, folder, "page", calls,
                                  _getting(send, section, {"Cookie": cookie}))
        counts["save"] = _counted(server, folder, "save", calls,
                                  _saving(send, save_plan.read_text().strip(), version_of))
    finally:
        server.stop()
    (folder / "page.html").write_bytes(page)
    (folder / "answer.json").write_bytes(answers[0])

    limit = LimitServer(folder, folder / "page.html", folder / "answer.json", url,
                        prefix=_valgrind(folder), settings=SETTINGS)
    try:
        limit.wait_until_up(STARTING)
        send = _requester(limit.port)
        counts["page limit"] = _counted(limit, folder, "page_limit", calls,
                                        _getting(send, "/page"))
        counts["save limit"] = _counted(
            limit, folder, "save_limit", calls,
            _saving(send, limit_plan.read_text().strip(), _version))
    finally:
        limit.stop()
    shutil.rmtree(folder, ignore_errors=True)
    return counts


_LABELS = (("page", "section page, signed in"), ("save", "autosave PUT"))


def _rows(database: str, counts: dict[str, float]) -> list[dict[str, object]]:
    """Return one row per path: its instructions beside its limit's."""
    rows: list[dict[str, object]] = []
    for name, title in _LABELS:
        own, bare = counts[name], counts[f"{name} limit"]
        rows.append({"name": f"{title}: instructions served ({database})", "value": own,
                     "unit": "instr/req", "baseline": bare, "ratio": bare / own,
                     "goal": "work, no goal", "passed": None})
    return rows


def run() -> list[dict[str, object]]:
    """Rows for ``make bench``: each path's instructions beside its limit's, per database."""
    if shutil.which("valgrind") is None:
        print("  valgrind is not on the path: instructions left out", file=sys.stderr)
        return []
    rows = _rows("SQLite", count(None, CALLS))
    postgresql = os.environ.get("DATABASE_URL", "")
    if postgresql.startswith("postgres"):
        rows += _rows("PostgreSQL", count(postgresql, CALLS))
    return rows


def main(argv: list[str]) -> int:
    if shutil.which("valgrind") is None:
        print("valgrind is not on the path", file=sys.stderr)
        return 2
    calls = int(argv[0]) if argv else CALLS
    url = os.environ.get("DATABASE_URL") or None
    database = "PostgreSQL" if url and url.startswith("postgres") else "SQLite"
    for row in _rows(database, count(url, calls)):
        print(f"{row['name']:60} {row['value']:12,.0f}   limit {row['baseline']:11,.0f}"
              f"   ratio {row['ratio']:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
