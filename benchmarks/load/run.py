"""Load and fault runs of the application under gunicorn (``make load``, ``make faults``).

One run: build a database (a new SQLite file in the run's folder, or the PostgreSQL
database of ``DATABASE_URL``), seed it through the services (``seed.py``), start gunicorn
with the shipped configuration, drive it with Locust in headless mode (``locustfile.py``:
respondents autosaving and paging, reviewers reading the queue and submissions,
evaluators exporting), stop, and check the database against every acknowledged write
(``check.py``). With ``--faults``, the run also

(a) kills a gunicorn worker with SIGKILL in the middle of the requests it serves
    (mostly saves), three times;
(b) takes the database away for 10 s: on SQLite a connection holds the write lock
    (``BEGIN EXCLUSIVE``); on PostgreSQL every connection of the application is
    terminated with ``pg_terminate_backend`` over and over (a shared server cannot be
    stopped);

and checks that writes answered 503 or succeeded, that nothing is lost or half-written,
and that ``/healthz`` and a save answer 200 again within a few seconds of each fault.

    python -m benchmarks.load.run [--faults] [--seconds 60] [--respondents 64] ...

It prints requests per second, p50, p99 and errors per endpoint, then the checks, and
exits 1 when a check fails. ``--json FILE`` also writes the report as JSON.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import psutil

from benchmarks.load import check, seed
from ppp_assess.config import PROJECT_ROOT, default_threads, normalise_database_url
from ppp_assess.models import migrate
from ppp_assess.models.database import Database

HERE = Path(__file__).resolve().parent
SAVE = "PUT /api/v1/assessments/[id]/answers/[question]"
#: A fault has passed when /healthz and a save answer 200 within this many seconds.
RECOVERY_LIMIT = 5.0
DATABASE_FAULT_SECONDS = 10.0
#: A request cut by a killed worker counts as expected within this long of the kill.
KILL_WINDOW = 2.0
#: The audit key of the runs unless PPP_ASSESS_AUDIT_KEY is set (not a secret: scratch data).
AUDIT_KEY = "load-harness-audit-key-for-scratch-databases-only"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _request(port: int, method: str, path: str, *, headers: dict[str, str] | None = None,
             body: Any = None, timeout: float = 10.0) -> tuple[int, Any]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        payload = None if body is None else json.dumps(body)
        all_headers = dict(headers or {})
        if payload is not None:
            all_headers["Content-Type"] = "application/json"
        connection.request(method, path, body=payload, headers=all_headers)
        response = connection.getresponse()
        data = response.read()
        try:
            return response.status, json.loads(data)
        except ValueError:
            return response.status, None
    finally:
        connection.close()


class Server:
    """Gunicorn with ``ppp_assess.gunicorn_conf``, in the run's folder.

    ``prefix`` is a command gunicorn runs under (valgrind, for counting instructions),
    ``settings`` environment variables of the run's own.
    """

    def __init__(self, folder: Path, database_url: str, audit_key: str, *,
                 workers: int | None, threads: int | None, prefix: Sequence[str] = (),
                 settings: Mapping[str, str] | None = None) -> None:
        self.port = _free_port()
        environment = {
            **os.environ, "DATABASE_URL": database_url, "PPP_ASSESS_ENV": "development",
            "SECRET_KEY": secrets.token_urlsafe(48), "PPP_ASSESS_AUDIT_KEY": audit_key,
            "PPP_ASSESS_INSTANCE": str(folder / "instance"),
            "PPP_ASSESS_BIND": f"127.0.0.1:{self.port}",
            "PPP_ASSESS_LOG_FORMAT": "json", "PPP_ASSESS_OUTBOX_DELIVERY": "worker",
            # Rate limits of one run never count against another's.
            "PPP_ASSESS_REDIS_PREFIX": f"ppp-load-{secrets.token_hex(6)}:",
        }
        environment.pop("PROMETHEUS_MULTIPROC_DIR", None)
        if workers:
            environment["WEB_CONCURRENCY"] = str(workers)
        if threads:
            environment["PPP_ASSESS_THREADS"] = str(threads)
        environment.update(settings or {})
        self.log_path = folder / "gunicorn.log"
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [*prefix, sys.executable, "-m", "gunicorn", "-c", "python:ppp_assess.gunicorn_conf",
             "wsgi:app"], env=environment, cwd=PROJECT_ROOT, stdout=self._log,
            stderr=subprocess.STDOUT)

    def wait_until_up(self, limit: float = 60.0) -> None:
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn stopped; see {self.log_path}")
            try:
                if _request(self.port, "GET", "/healthz", timeout=2)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer /healthz within a minute")

    def workers(self) -> list[psutil.Process]:
        return psutil.Process(self.process.pid).children()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()


class Probe:
    """Saves through the spare respondent, to see when writing works again."""

    def __init__(self, port: int, plan: dict[str, Any]) -> None:
        self.port = port
        self.assessment = plan["probe"]["assessment"]
        self.headers = {"Authorization": f"Bearer {plan['probe']['token']}",
                        "Accept": "application/json"}
        self.question = plan["sections"][0]["questions"][0]
        self.values = plan["values"][self.question]
        self.writes: list[dict[str, Any]] = []
        self.version: int | None = None

    def save(self) -> bool:
        """Try one save; return whether it was acknowledged."""
        try:
            if self.version is None:
                status, body = _request(self.port, "GET",
                                        f"/api/v1/assessments/{self.assessment}",
                                        headers=self.headers, timeout=10)
                if status != 200:
                    return False
                self.version = int(body["version"])
            number = len(self.writes)
            write = {"assessment": self.assessment, "question": self.question,
                     "value": self.values[number % len(self.values)],
                     "comment": f"probe w{number}", "outcome": "in_doubt", "version": None}
            self.writes.append(write)
            status, body = _request(
                self.port, "PUT", f"/api/v1/assessments/{self.assessment}/answers/"
                f"{self.question}", headers={**self.headers, "If-Match": str(self.version)},
                body={"value": write["value"], "comment": write["comment"]}, timeout=10)
        except OSError:
            self.version = None
            return False
        if 200 <= status < 300:
            write["outcome"], write["version"] = "ack", int(body["version"])
            self.version = write["version"]
            return True
        if 400 <= status < 500 or status == 503:
            write["outcome"] = "refused"
        self.version = None
        return False

    def recovery(self, limit: float = 30.0) -> dict[str, float | None]:
        """Probe /healthz and a save until both answer 200, from the end of a fault.

        Each is tried again every 0.2 s. What counts is when the first request that
        then succeeded was *sent*: how long the application took to work again, apart
        from how long its answer then queued behind the load. The time that answer took
        is reported beside it.
        """
        started = time.monotonic()
        result: dict[str, float | None] = {"healthz_s": None, "save_s": None,
                                           "answer_s": None}

        def healthz() -> None:
            while time.monotonic() - started < limit:
                sent = time.monotonic()
                try:
                    if _request(self.port, "GET", "/healthz", timeout=limit)[0] == 200:
                        result["healthz_s"] = sent - started
                        return
                except OSError:
                    pass
                time.sleep(0.2)

        checker = threading.Thread(target=healthz)
        checker.start()
        while time.monotonic() - started < limit:
            sent = time.monotonic()
            if self.save():
                result["save_s"] = sent - started
                result["answer_s"] = time.monotonic() - sent
                break
            time.sleep(0.2)
        checker.join()
        return result


# --------------------------------------------------------------------------- faults


def _kill_serving_worker(server: Server, freeze: float = 0.5) -> dict[str, Any]:
    """SIGKILL a worker in the middle of the requests it serves.

    The worker is stopped (SIGSTOP) first for ``freeze`` seconds, so that the requests
    it had accepted, mostly saves, are caught half-way whatever the scheduler does, and
    is then killed. Workers younger than 3 s are still importing the application and are
    left alone.
    """
    while True:
        now = time.time()
        workers = [w for w in server.workers() if now - w.create_time() > 3]
        if workers:
            break
        time.sleep(0.1)
    worker = max(workers, key=lambda w: len(w.net_connections(kind="tcp")))
    worker.send_signal(signal.SIGSTOP)
    time.sleep(freeze)
    worker.send_signal(signal.SIGKILL)
    return {"pid": worker.pid}


def _hold_sqlite(path: str, seconds: float) -> None:
    """Hold the write lock of the SQLite file: nobody else can write meanwhile."""
    connection = sqlite3.connect(path, timeout=30, isolation_level=None)
    try:
        connection.execute("BEGIN EXCLUSIVE")
        time.sleep(seconds)
        connection.execute("ROLLBACK")
    finally:
        connection.close()


def _terminate_postgresql(url: str, seconds: float) -> int:
    """Terminate the application's connections to its database again and again."""
    import psycopg

    conninfo = url.replace("postgresql+psycopg://", "postgresql://")
    terminated = 0
    deadline = time.monotonic() + seconds
    with psycopg.connect(conninfo, autocommit=True) as connection:
        while time.monotonic() < deadline:
            rows = connection.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                "AND backend_type = 'client backend'").fetchall()
            terminated += sum(1 for (done,) in rows if done)
            time.sleep(0.05)
    return terminated


def run_faults(server: Server, probe: Probe, database_url: str, sqlite_path: str | None,
               started: float, seconds: float) -> list[dict[str, Any]]:
    """Inject the faults at set points of the run; return what was done and when."""
    events: list[dict[str, Any]] = []

    def at(offset: float) -> None:
        time.sleep(max(0.0, started + offset - time.time()))

    # (a) three SIGKILLs of a serving worker, 2 s apart, a sixth of the way in.
    first = max(3.0, seconds / 6)
    kills = []
    for number in range(3):
        at(first + 2 * number)
        kill = _kill_serving_worker(server)
        kills.append({**kill, "at": time.time() - started})
    events.append({"fault": "SIGKILL of a worker serving requests (x3)", "kills": kills,
                   "start": kills[0]["at"], "end": kills[-1]["at"], **probe.recovery()})
    # (b) the database away for 10 s, from the middle of the run.
    at(max(first + 8, seconds / 2 - DATABASE_FAULT_SECONDS / 2))
    begin = time.time() - started
    if sqlite_path is not None:
        _hold_sqlite(sqlite_path, DATABASE_FAULT_SECONDS)
        what = "SQLite write lock held (BEGIN EXCLUSIVE) for 10 s"
        extra: dict[str, Any] = {}
    else:
        extra = {"terminated": _terminate_postgresql(database_url, DATABASE_FAULT_SECONDS)}
        what = "PostgreSQL connections terminated (pg_terminate_backend) for 10 s"
    end = time.time() - started
    events.append({"fault": what, "start": begin, "end": end, **probe.recovery(),
                   **extra})
    return events


# --------------------------------------------------------------------------- report


def _figures(record: dict[str, Any]) -> list[dict[str, Any]]:
    statuses: dict[str, Counter[int]] = {}
    for endpoint, status, count in record["statuses"]:
        statuses.setdefault(endpoint, Counter())[int(status)] += count
    duration = max(record["duration"], 1e-9)
    rows = []
    for entry in sorted(record["stats"], key=lambda item: item["endpoint"]):
        counts = statuses.get(entry["endpoint"], Counter())
        rows.append({
            "endpoint": entry["endpoint"], "requests": entry["requests"],
            "rps": entry["requests"] / duration, "p50_ms": entry["p50_ms"],
            "p99_ms": entry["p99_ms"],
            "2xx": sum(n for s, n in counts.items() if 200 <= s < 300),
            "429": counts.get(429, 0), "503": counts.get(503, 0),
            "5xx": sum(n for s, n in counts.items() if s >= 500 and s != 503),
            "other_4xx": sum(n for s, n in counts.items()
                             if 400 <= s < 500 and s != 429),
            "no_answer": counts.get(0, 0),
        })
    return rows


def _fault_findings(record: dict[str, Any], faults: list[dict[str, Any]]) -> dict[str, Any]:
    """Sort the answers that were not 2xx by whether a fault explains them."""
    kills = [kill["at"] for fault in faults for kill in fault.get("kills", [])]
    database = [(f["start"], f["end"]) for f in faults if "kills" not in f]
    # The record's clock starts when Locust imports the locustfile, before the run's.
    unexplained: Counter[str] = Counter()
    explained: Counter[str] = Counter()
    for moment, endpoint, status in record["timeline"]:
        if 200 <= status < 300 or status in (429,):
            continue
        cut_by_kill = status == 0 and any(k - 0.5 <= moment <= k + KILL_WINDOW
                                          for k in kills)
        during_outage = status == 503 and any(s - 1 <= moment <= e + 6 for s, e in database)
        key = f"{endpoint} {status or 'no answer'}"
        if cut_by_kill or during_outage:
            explained[key] += 1
        else:
            unexplained[key] += 1
    return {"explained": dict(explained), "unexplained": dict(unexplained)}


def _print_report(report: dict[str, Any]) -> None:
    print()
    print(f"{report['mode']} run on {report['database']}: {report['seconds']:.0f} s, "
          f"{report['users']} users, {report['workers']} workers x {report['threads']} "
          f"threads, {report['cpus']} CPUs")
    headers = ["endpoint", "requests", "rps", "p50_ms", "p99_ms", "2xx", "429", "503",
               "5xx", "other_4xx", "no_answer"]
    table = [[f"{row[h]:.1f}" if isinstance(row[h], float) else str(row[h]) for h in headers]
             for row in report["endpoints"]]
    total = report["total"]
    table.append(["all", str(total["requests"]), f"{total['rps']:.1f}", "", "",
                  str(total["2xx"]), str(total["429"]), str(total["503"]), str(total["5xx"]),
                  str(total["other_4xx"]), str(total["no_answer"])])
    widths = [max(len(h), *(len(r[i]) for r in table)) for i, h in enumerate(headers)]
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)))
    for line in table:
        print("  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)))
    verdict = report["check"]
    print()
    print(f"writes: {verdict['acknowledged_writes']} acknowledged, "
          f"{verdict['in_doubt_writes']} without an answer "
          f"({verdict['in_doubt_stored']} of those stored); answers checked: "
          f"{verdict['answers_checked']}")
    print(f"lost acknowledged writes: {verdict['lost']}   refused writes stored: "
          f"{verdict['phantom']}   half-written: {verdict['half_written']}   audit chain: "
          f"{'ok' if verdict['audit_chain_ok'] else 'BROKEN'}")
    for example in verdict["examples"]:
        print(f"  {example}")
    for fault in report.get("faults", []):
        def seconds(value: float | None) -> str:
            return "never" if value is None else f"{value:.2f} s"

        print(f"fault: {fault['fault']} at {fault['start']:.1f}-{fault['end']:.1f} s; "
              f"afterwards /healthz 200 sent at +{seconds(fault['healthz_s'])}, "
              f"first acknowledged save sent at +{seconds(fault['save_s'])} "
              f"(answered in {seconds(fault['answer_s'])})")
    if "fault_findings" in report:
        print(f"answers explained by the faults: {report['fault_findings']['explained']}")
        print(f"answers no fault explains: {report['fault_findings']['unexplained']}")
    print()
    for problem in report["problems"]:
        print(f"FAILED: {problem}")
    print("PASSED" if not report["problems"] else "FAILED")


def run(*, seconds: float = 60, respondents: int = 64, reviewers: int = 4,
        evaluators: int = 2, faults: bool = False, folder: Path | None = None,
        database_url: str | None = None, workers: int | None = None,
        threads: int | None = None, think: float = 2.0,
        organisations: int = 8) -> dict[str, Any]:
    """Run once and return the report (see the module's docstring)."""
    folder = Path(folder or tempfile.mkdtemp(prefix="ppp-load-"))
    folder.mkdir(parents=True, exist_ok=True)
    sqlite_path = None
    if not database_url:
        sqlite_path = str(folder / "load.sqlite3")
        database_url = f"sqlite:///{sqlite_path}"
    database_url = normalise_database_url(database_url)
    # One key for every run on a database, or its audit chain, which runs extend, would
    # not verify across them. The harness's databases are scratch databases.
    audit_key = os.environ.get("PPP_ASSESS_AUDIT_KEY") or AUDIT_KEY
    migrate.upgrade(database_url)
    database = Database(database_url, audit_key=audit_key.encode())
    print(f"seeding {database.dialect} in {folder} ...", file=sys.stderr, flush=True)
    tag = secrets.token_hex(4)
    plan = seed.seed(database, seed.SeedCounts(respondents, reviewers, evaluators,
                                               organisations), tag=tag)
    plan_path = folder / "plan.json"
    seed.write_plan(plan, plan_path)
    server = Server(folder, database_url, audit_key, workers=workers, threads=threads)
    report: dict[str, Any] = {}
    try:
        server.wait_until_up()
        probe = Probe(server.port, plan)
        if not probe.save():
            raise RuntimeError("the first save failed")
        environment = {**os.environ, "LOAD_PLAN": str(plan_path),
                       "LOAD_OUTPUT": str(folder), "LOAD_RESPONDENTS": str(respondents),
                       "LOAD_REVIEWERS": str(reviewers), "LOAD_EVALUATORS": str(evaluators),
                       "LOAD_THINK": str(think)}
        users = respondents + reviewers + evaluators
        print(f"running {users} users for {seconds:.0f} s"
              f"{' with faults' if faults else ''} ...", file=sys.stderr, flush=True)
        started = time.time()
        with (folder / "locust.log").open("wb") as log:
            locust = subprocess.Popen(
                [sys.executable, "-m", "locust", "-f", str(HERE / "locustfile.py"),
                 "--headless", "--users", str(users), "--spawn-rate", str(users),
                 "--run-time", f"{int(seconds)}s", "--stop-timeout", "15",
                 "--host", f"http://127.0.0.1:{server.port}", "--only-summary",
                 "--loglevel", "WARNING", "--exit-code-on-error", "0"],
                env=environment, cwd=PROJECT_ROOT, stdout=log, stderr=subprocess.STDOUT)
            fault_events: list[dict[str, Any]] = []
            if faults:
                fault_thread = threading.Thread(target=lambda: fault_events.extend(
                    run_faults(server, probe, database_url, sqlite_path, started, seconds)))
                fault_thread.start()
                fault_thread.join()
            if locust.wait(timeout=seconds + 120) != 0:
                raise RuntimeError(f"locust failed; see {folder / 'locust.log'}")
    finally:
        server.stop()
    record = json.loads((folder / "locust-record.json").read_text(encoding="utf-8"))
    # Align the fault times with the record's clock (Locust's own start).
    offset = started - record["started"]
    for fault in fault_events:
        fault["start"] += offset
        fault["end"] += offset
        for kill in fault.get("kills", []):
            kill["at"] += offset
    verdict = check.check_writes(database, [*record["writes"], *probe.writes],
                                 seed.seeded_assessments(plan))
    database.dispose()
    endpoints = _figures(record)
    total = {key: sum(row[key] for row in endpoints)
             for key in ("requests", "2xx", "429", "503", "5xx", "other_4xx", "no_answer")}
    total["rps"] = total["requests"] / max(record["duration"], 1e-9)
    gunicorn_conf_workers = workers or int(os.environ.get(
        "WEB_CONCURRENCY", str(2 * (os.cpu_count() or 1) + 1)))
    report = {
        "mode": "faults" if faults else "load", "database": database.dialect,
        "seconds": record["duration"], "users": respondents + reviewers + evaluators,
        "workers": gunicorn_conf_workers,
        "threads": threads or int(os.environ.get("PPP_ASSESS_THREADS",
                                                 str(default_threads(database_url)))),
        "cpus": os.cpu_count(), "folder": str(folder), "endpoints": endpoints,
        "total": total, "check": verdict.as_dict(),
    }
    problems = []
    if not verdict.ok:
        problems.append("the database does not hold every acknowledged write, or holds "
                        "something half-written")
    if faults:
        report["faults"] = fault_events
        findings = _fault_findings(record, fault_events)
        report["fault_findings"] = findings
        if findings["unexplained"]:
            problems.append("answers that no fault explains (writes must answer 503 or "
                            "succeed)")
        for fault in fault_events:
            if any(fault[key] is None or fault[key] > RECOVERY_LIMIT
                   for key in ("healthz_s", "save_s")):
                problems.append(f"no recovery within {RECOVERY_LIMIT:.0f} s after: "
                                f"{fault['fault']}")
    else:
        errors = total["5xx"] + total["503"] + total["no_answer"] + total["other_4xx"]
        if errors:
            problems.append(f"{errors} requests failed")
    if verdict.acknowledged_writes == 0:
        problems.append("no write was acknowledged")
    report["problems"] = problems
    return report


def main(argv: list[str]) -> int:
    """Parse the options (defaults from the environment), run, print, exit 1 on failure."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    env = os.environ.get
    parser.add_argument("--faults", action="store_true", help="inject the faults")
    parser.add_argument("--seconds", type=float, default=float(env("LOAD_SECONDS", "60")))
    parser.add_argument("--respondents", type=int, default=int(env("LOAD_RESPONDENTS", "64")))
    parser.add_argument("--reviewers", type=int, default=int(env("LOAD_REVIEWERS", "4")))
    parser.add_argument("--evaluators", type=int, default=int(env("LOAD_EVALUATORS", "2")))
    parser.add_argument("--think", type=float, default=float(env("LOAD_THINK", "2.0")),
                        help="longest pause between two requests of one user, seconds")
    parser.add_argument("--workers", type=int, default=None,
                        help="gunicorn workers (default: WEB_CONCURRENCY or 2 per core + 1)")
    parser.add_argument("--threads", type=int, default=None,
                        help="threads per worker (default: PPP_ASSESS_THREADS, or 4 on "
                             "PostgreSQL on another machine, else 1)")
    parser.add_argument("--folder", type=Path, default=env("LOAD_FOLDER") or None,
                        help="where the database, logs and record go (default: a new "
                             "temporary folder)")
    parser.add_argument("--json", type=Path, default=None, help="also write the report here")
    args = parser.parse_args(argv)
    report = run(seconds=args.seconds, respondents=args.respondents, reviewers=args.reviewers,
                 evaluators=args.evaluators, faults=args.faults, folder=args.folder,
                 database_url=env("DATABASE_URL") or None, workers=args.workers,
                 threads=args.threads, think=args.think)
    _print_report(report)
    if args.json:
        args.json.write_text(json.dumps(report, indent=1), encoding="utf-8")
    return 1 if report["problems"] else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
