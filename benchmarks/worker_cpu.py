"""CPU time per request of gunicorn's workers: the section page and the autosave, each
beside bare Flask.

    python -m benchmarks.worker_cpu [ROUNDS] [WORKERS] [CONNECTIONS]

Throughput under wrk mixes the application's cost with everything else on the machine
(wrk itself, the other worker, the database server). This measures the workers alone: a
scratch database (SQLite, or ``DATABASE_URL``) is seeded by the load harness's seeder,
gunicorn serves the application with ``ppp_assess.gunicorn_conf``, ``WORKERS`` (1)
workers of one thread each, and bare Flask serves the same page's bytes and parses the
same autosave JSON under the same settings (``benchmarks/serving/limit_app.py``). wrk
sends, on ``CONNECTIONS`` (1) connections, for ``BENCH_SECONDS`` (6) per round, the
signed-in respondent's first section again and again (the page kept as rendered), then
autosaves, each connection its own respondent's (``benchmarks/serving/autosave.lua``);
the workers' CPU time (user and system) divided by the requests they answered is
printed for each server and round, and on PostgreSQL the database server's CPU time per
request beside it. ``2 2 8`` is the load of ``make bench``'s HTTP figures, where the
workers, the database server and wrk share the machine; read the CPU per request there,
not the rate (one worker now and then accepts all of wrk's connections, and this does
not take such a run again as ``make bench`` does). Workers are not recycled during the
run. Not part of ``make bench``: it prints, and passes or fails nothing.
"""

from __future__ import annotations

import os
import secrets
import sys
import tempfile
from pathlib import Path

import psutil

from benchmarks.bench_http import (
    AGENT,
    HERE,
    SECONDS,
    LimitServer,
    _autosave_plan,
    _get,
    _sign_in,
    _wrk,
    start_limit,
)
from benchmarks.load import seed
from benchmarks.load.run import AUDIT_KEY, Server
from ppp_assess.config import normalise_database_url
from ppp_assess.models import migrate
from ppp_assess.models.database import Database


def _database_server() -> list[psutil.Process]:
    """Return the PostgreSQL server's processes on this machine (none for SQLite)."""
    return [process for process in psutil.process_iter(["name"])
            if process.info["name"] in {"postgres", "postmaster"}]


def _cpu(processes: list[psutil.Process]) -> float | None:
    try:
        return sum(process.cpu_times().user + process.cpu_times().system
                   for process in processes)
    except psutil.NoSuchProcess:
        return None


def _cpu_per_request(parent: int, url: str, headers: dict[str, str] | None = None,
                     *, script: Path | None = None, plan: Path | None = None,
                     database: bool = False, connections: int = 1
                     ) -> tuple[float, float | None, float | None]:
    """Return (requests per second, CPU ms per request of the workers under ``parent``,
    CPU ms per request of the database server's processes when ``database``); ``None``
    for a CPU time when a process ended during the round (its time is lost with it)."""
    workers = psutil.Process(parent).children()
    # Listed at the start of each round: the server's backends are the pool's connections.
    servers = _database_server() if database else []
    before, server_before = _cpu(workers), _cpu(servers)
    result = _wrk(url, connections=connections, headers=headers, script=script, plan=plan)
    after, server_after = _cpu(workers), _cpu(servers)
    requests = max(result["rate"] * SECONDS, 1)

    def per_request(start: float | None, end: float | None) -> float | None:
        return None if start is None or end is None else (end - start) / requests * 1000

    return (result["rate"], per_request(before, after),
            per_request(server_before, server_after) if database else None)


def _cost(value: float | None) -> str:
    return "a process ended: not measured" if value is None else f"{value:.3f} ms CPU/request"


def _report(number: int, name: str, rate: float, cost: float | None,
            spent: float | None) -> None:
    in_database = "" if spent is None else f", database server {_cost(spent)}"
    print(f"round {number}: {name:13s} {rate:8.1f} req/s  {_cost(cost)}{in_database}")


def main(argv: list[str]) -> int:
    rounds = int(argv[0]) if argv else 2
    workers = int(argv[1]) if len(argv) > 1 else 1
    connections = int(argv[2]) if len(argv) > 2 else 1
    # A worker's CPU time ends with it: none is replaced after its many requests.
    os.environ["GUNICORN_CMD_ARGS"] = "--max-requests 0"
    os.environ["PPP_ASSESS_THREADS"] = "1"
    folder = Path(tempfile.mkdtemp(prefix="ppp-worker-cpu-"))
    url = normalise_database_url(os.environ.get("DATABASE_URL")
                                 or f"sqlite:///{folder}/bench.sqlite3")
    migrate.upgrade(url)
    database = Database(url, audit_key=AUDIT_KEY.encode())
    tag = secrets.token_hex(4)
    plan = seed.seed(database, seed.SeedCounts(max(2, connections), 1, 1, 2), tag=tag)
    server = Server(folder, url, AUDIT_KEY, workers=workers, threads=1)
    limit: LimitServer | None = None
    try:
        server.wait_until_up()
        cookie = _sign_in(server.port, f"respondent0.{tag}@load.test", f"load-{tag}-password")
        headers = {"Cookie": cookie, "User-Agent": AGENT}
        page_url = (f"http://127.0.0.1:{server.port}/assessments/"
                    f"{plan['respondents'][0]['assessment']}/sections/"
                    f"{plan['sections'][0]['id']}")
        page, _headers = _get(page_url, headers)
        save_plan = folder / "autosave.tsv"
        limit = start_limit(folder, server, database, plan, page, save_plan)
        limit_plan = folder / "limit.tsv"
        postgresql = url.startswith("postgresql")
        script = HERE / "serving" / "autosave.lua"
        for number in range(1, rounds + 1):
            _report(number, "section page", *_cpu_per_request(
                server.process.pid, page_url, headers, database=postgresql,
                connections=connections))
            _report(number, "bare Flask", *_cpu_per_request(
                limit.process.pid, f"http://127.0.0.1:{limit.port}/page",
                connections=connections))
            _autosave_plan(save_plan, database, plan, connections)
            _report(number, "autosave", *_cpu_per_request(
                server.process.pid, f"http://127.0.0.1:{server.port}", script=script,
                plan=save_plan, database=postgresql, connections=connections))
            _autosave_plan(limit_plan, database, plan, connections, limit=True)
            _report(number, "bare JSON", *_cpu_per_request(
                limit.process.pid, f"http://127.0.0.1:{limit.port}", script=script,
                plan=limit_plan, connections=connections))
    finally:
        server.stop()
        if limit is not None:
            limit.stop()
        database.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
