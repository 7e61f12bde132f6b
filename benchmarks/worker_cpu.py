"""CPU time per request of one gunicorn worker: the section page beside bare Flask.

    python -m benchmarks.worker_cpu [ROUNDS]

Throughput under wrk mixes the application's cost with everything else on the machine
(wrk itself, the other worker, the database server). This measures the worker alone: a
scratch database (SQLite, or ``DATABASE_URL``) is seeded by the load harness's seeder,
gunicorn serves the application with ``ppp_assess.gunicorn_conf``, one worker and one
thread, and bare Flask serves the same page's bytes under the same settings
(``benchmarks/serving/limit_app.py``). wrk sends the page, on one connection, for
``BENCH_SECONDS`` (5) per round; the worker's CPU time (user and system) divided by the
requests it answered is printed for each server and round. The page is the signed-in
respondent's first section, asked for again and again: the page kept as rendered.
Not part of ``make bench``: it prints, and passes or fails nothing.
"""

from __future__ import annotations

import os
import secrets
import sys
import tempfile
from pathlib import Path

import psutil

from benchmarks.bench_http import AGENT, LimitServer, _get, _sign_in, _wrk
from benchmarks.load import seed
from benchmarks.load.run import AUDIT_KEY, Server
from ppp_assess.config import normalise_database_url
from ppp_assess.models import migrate
from ppp_assess.models.database import Database


def _cpu_per_request(parent: int, url: str, headers: dict[str, str] | None = None
                     ) -> tuple[float, float | None]:
    """Return (requests per second, CPU ms per request) of the workers under ``parent``;
    ``None`` for the CPU time when a worker was replaced during the round (its time is
    lost with it)."""
    workers = psutil.Process(parent).children()

    def cpu() -> float | None:
        try:
            return sum(worker.cpu_times().user + worker.cpu_times().system
                       for worker in workers)
        except psutil.NoSuchProcess:
            return None

    before = cpu()
    result = _wrk(url, connections=1, headers=headers)
    after = cpu()
    requests = result["rate"] * int(os.environ.get("BENCH_SECONDS", "10"))
    if before is None or after is None:
        return result["rate"], None
    return result["rate"], (after - before) / max(requests, 1) * 1000


def _cost(value: float | None) -> str:
    return "a worker was replaced: not measured" if value is None else f"{value:.3f} ms CPU/request"


def main(argv: list[str]) -> int:
    rounds = int(argv[0]) if argv else 2
    os.environ.setdefault("BENCH_SECONDS", "5")
    os.environ["PPP_ASSESS_THREADS"] = "1"
    folder = Path(tempfile.mkdtemp(prefix="ppp-worker-cpu-"))
    url = normalise_database_url(os.environ.get("DATABASE_URL")
                                 or f"sqlite:///{folder}/bench.sqlite3")
    migrate.upgrade(url)
    database = Database(url, audit_key=AUDIT_KEY.encode())
    tag = secrets.token_hex(4)
    plan = seed.seed(database, seed.SeedCounts(2, 1, 1, 2), tag=tag)
    database.dispose()
    server = Server(folder, url, AUDIT_KEY, workers=1, threads=1)
    limit: LimitServer | None = None
    try:
        server.wait_until_up()
        cookie = _sign_in(server.port, f"respondent0.{tag}@load.test", f"load-{tag}-password")
        headers = {"Cookie": cookie, "User-Agent": AGENT}
        page_url = (f"http://127.0.0.1:{server.port}/assessments/"
                    f"{plan['respondents'][0]['assessment']}/sections/"
                    f"{plan['sections'][0]['id']}")
        page, _headers = _get(page_url, headers)
        (folder / "page.html").write_bytes(page)
        (folder / "answer.json").write_text("{}", encoding="utf-8")
        limit = LimitServer(folder, folder / "page.html", folder / "answer.json", url)
        limit.wait_until_up()
        for number in range(1, rounds + 1):
            rate, cost = _cpu_per_request(server.process.pid, page_url, headers)
            print(f"round {number}: section page  {rate:8.1f} req/s  {_cost(cost)}")
            rate, cost = _cpu_per_request(limit.process.pid,
                                          f"http://127.0.0.1:{limit.port}/page")
            print(f"round {number}: bare Flask    {rate:8.1f} req/s  {_cost(cost)}")
    finally:
        server.stop()
        if limit is not None:
            limit.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
