"""The section page and the autosave under gunicorn, each beside bare Flask in the same run.

For SQLite (WAL) and, when ``DATABASE_URL`` names a PostgreSQL database, PostgreSQL too:
a scratch database is seeded through the services by the load harness's seeder
(``benchmarks/load/seed.py``: 64 respondents, each with a people-first draft a third
answered, and submitted and approved assessments beside them), then gunicorn serves the
application with ``ppp_assess.gunicorn_conf`` and 2 workers, and a second gunicorn with
the same settings serves the limits (``benchmarks/serving/limit_app.py``): the section page's
bytes from memory, and a bare-Flask handler parsing the same autosave JSON. wrk drives
both, one after the other, for ``BENCH_SECONDS`` (6) each, in ``BENCH_ROUNDS`` (5) rounds
that alternate the application and its limit; each figure is the round whose ratio is
the median, so that a few seconds in which the machine's host slowed one side down do
not decide it. A run in which one gunicorn worker served (nearly) everything, the other
idle, measures one worker: it is taken again (``_served_by_every_worker``):

- section page: a signed-in respondent's first section, 8 connections, sent with the
  browser's User-Agent it signed in with;
- autosave: ``PUT /api/v1/assessments/<id>/answers/<question>``, 8 respondents on 8
  connections, each alternating two values on its own draft and sending the version the
  previous save returned (``benchmarks/serving/autosave.lua``);
- autosave at 64 connections: the 64 respondents at once; p50, p99 and errors. After
  every autosave run each draft's version in the database must equal the last version
  the server acknowledged to its connection: no acknowledged answer is lost.

The page weight is the section page with its stylesheets and scripts, gzip-compressed,
and the page may load nothing from another host. Static files must be served under
content-hashed names with a cache lifetime of a year.
"""

from __future__ import annotations

import gzip
import http.cookiejar
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import select

from benchmarks.load import seed
from benchmarks.load.run import AUDIT_KEY, Server, _free_port, _request
from ppp_assess.config import PROJECT_ROOT, normalise_database_url
from ppp_assess.models import Assessment, migrate
from ppp_assess.models.database import Database

HERE = Path(__file__).resolve().parent
SECONDS = int(os.environ.get("BENCH_SECONDS", "6"))
#: Rounds of each figure, the application and its limit alternately (odd: one median).
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
CONNECTIONS = 8
MANY = 64
PAGE_WEIGHT_LIMIT = 40 * 1024
YEAR = 365 * 24 * 3600
#: The browser of the signed-in respondent: the same on signing in and on every page, as a
#: real browser's is (Flask-Login's session protection marks a session seen from another
#: browser as not fresh, and the server would then send a new cookie with every page).
AGENT = "Mozilla/5.0 (ppp-assess benchmark)"


class LimitServer(Server):
    """Bare Flask under the same gunicorn settings, answering from memory."""

    def __init__(self, folder: Path, page: Path, answer: Path, database_url: str, *,
                 prefix: Sequence[str] = (), settings: Mapping[str, str] | None = None
                 ) -> None:
        self.port = _free_port()
        # The application's database decides the threads per worker (see
        # config.default_threads): the limit runs with the same settings.
        environment = {**os.environ, "DATABASE_URL": database_url,
                       "PPP_ASSESS_BIND": f"127.0.0.1:{self.port}",
                       "WEB_CONCURRENCY": "2", "BENCH_PAGE_FILE": str(page),
                       "BENCH_ANSWER_FILE": str(answer),
                       "PPP_ASSESS_INSTANCE": str(folder / "limit-instance"),
                       **(settings or {})}
        environment.pop("PROMETHEUS_MULTIPROC_DIR", None)
        self.log_path = folder / "limit.log"
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [*prefix, sys.executable, "-m", "gunicorn", "-c", "python:ppp_assess.gunicorn_conf",
             "benchmarks.serving.limit_app:app"], env=environment, cwd=PROJECT_ROOT,
            stdout=self._log, stderr=subprocess.STDOUT)


def _wrk(url: str, *, connections: int, headers: dict[str, str] | None = None,
         script: Path | None = None, plan: Path | None = None) -> dict[str, Any]:
    command = ["wrk", f"-t{connections}", f"-c{connections}", f"-d{SECONDS}s", "--latency",
               "--timeout", "10s"]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    if script is not None:
        command += ["-s", str(script)]
    command.append(url)
    if plan is not None:
        command += ["--", str(plan)]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), "
                              r"timeout (\d+)", output)
    result: dict[str, Any] = {
        "rate": rate, "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_errors": sum(int(n) for n in socket_errors.groups()) if socket_errors else 0,
        "threads": [], "output": output}
    for line in output.splitlines():
        fields = line.split()
        if line.startswith("THREAD "):
            result["threads"].append((fields[1], int(fields[2]), int(fields[3])))
        elif line.startswith("LATENCY "):
            result["p50"], result["p99"] = int(fields[1]) / 1000, int(fields[2]) / 1000
    return result


#: A run is taken again when one worker spent less than this share of the busiest one's
#: CPU (at most ``SERVED_TRIES`` runs in all).
SERVED_SHARE = 1 / 3
SERVED_TRIES = 8


def _cpu_seconds(server: Server) -> dict[int, float]:
    """Return the CPU time each of ``server``'s workers has spent so far, by process id."""
    spent = {}
    for worker in server.workers():
        times = worker.cpu_times()
        spent[worker.pid] = times.user + times.system
    return spent


def _served_by_every_worker(server: Server, run: Callable[[], dict[str, Any]],
                            what: str) -> dict[str, Any]:
    """Run wrk through ``run`` until every worker of ``server`` served part of it.

    wrk's connections are kept alive, and a gthread worker keeps the connections it
    accepted: when wrk opens them all at once, one worker now and then accepts every one,
    and the other spends the run idle. Such a run measures one worker, at about half the
    rate of two (seen: a bare-Flask limit at 3 300 requests a second between runs at
    5 500 to 6 500, its second worker's CPU time unchanged). Either side of a round may
    draw it, so the run is repeated, the workers' CPU times telling (``SERVED_SHARE``).
    """
    result: dict[str, Any] = {}
    for attempt in range(1, SERVED_TRIES + 1):
        before = _cpu_seconds(server)
        result = run()
        after = _cpu_seconds(server)
        spent = [after[pid] - before.get(pid, 0.0) for pid in after]
        result["worker_cpu"] = spent
        if len(spent) < 2 or min(spent) >= SERVED_SHARE * max(spent):
            return result
        print(f"    {what}: one worker served the run ({_split(result)} s of CPU), "
              f"run {attempt} of at most {SERVED_TRIES}", file=sys.stderr, flush=True)
    return result


def _split(run: dict[str, Any]) -> str:
    """Return the CPU seconds each worker spent on a run, as ``5.4+5.6``."""
    return "+".join(f"{spent:.1f}" for spent in run.get("worker_cpu", []))


def _sign_in(port: int, email: str, password: str) -> str:
    """Sign in through the form and return the Cookie header of the session."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("User-Agent", AGENT)]
    base = f"http://127.0.0.1:{port}"
    page = opener.open(f"{base}/auth/sign-in").read().decode()
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page)
    data = {"email": email, "password": password,
            **({"csrf_token": token.group(1)} if token else {})}
    opener.open(f"{base}/auth/sign-in", urllib.parse.urlencode(data).encode()).read()
    cookie = "; ".join(f"{item.name}={item.value}" for item in jar)
    if "session" not in cookie:
        raise RuntimeError("signing in failed")
    return cookie


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[bytes, Any]:
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {})) as answer:
        return answer.read(), answer.headers


def _page_weight(port: int, page: bytes) -> tuple[int, list[str], list[tuple[str, str]]]:
    """Return the gzip size of the page and its assets, foreign addresses, asset caching."""
    html = page.decode()
    addresses = re.findall(r'(?:src|href)="([^"]+)"', html)
    foreign = [address for address in addresses
               if re.match(r"(https?:)?//", address) and "127.0.0.1" not in address]
    total = len(gzip.compress(page))
    caching: list[tuple[str, str]] = []
    for address in addresses:
        if address.startswith("/static/"):
            body, headers = _get(f"http://127.0.0.1:{port}{address}")
            total += len(gzip.compress(body))
            caching.append((address, headers.get("Cache-Control", "")))
    return total, foreign, caching


def _versions(database: Database, ids: list[int]) -> dict[int, int]:
    with database.transaction() as session:
        return dict(session.execute(select(Assessment.id, Assessment.version)
                                    .where(Assessment.id.in_(ids))).tuples().all())


def _autosave_plan(path: Path, database: Database, plan: dict[str, Any], count: int,
                   *, limit: bool = False) -> dict[str, int]:
    """Write the Lua plan for the first ``count`` respondents; return path -> assessment."""
    question = next(qid for qid, values in plan["values"].items()
                    if len(values) >= 2 and all(isinstance(v, str) for v in values[:2]))
    values = plan["values"][question][:2]
    respondents = plan["respondents"][:count]
    current = _versions(database, [entry["assessment"] for entry in respondents])
    lines, paths = [], {}
    for entry in respondents:
        assessment = entry["assessment"]
        url = (f"/answer/{assessment}/{question}" if limit
               else f"/api/v1/assessments/{assessment}/answers/{question}")
        paths[url] = assessment
        bodies = [json.dumps({"value": value, "comment": "Benchmark."}) for value in values]
        lines.append("\t".join([url, entry["token"], str(current[assessment]), *bodies]))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return paths


def start_limit(folder: Path, server: Server, database: Database, plan: dict[str, Any],
                page: bytes, save_plan: Path) -> LimitServer:
    """Start the limits' server for ``server``'s page and autosave answer, and return it.

    The first respondent saves once (its plan written to ``save_plan``), and the answer
    it gets is the bare handler's model, as the page's bytes are the bare page's.
    """
    (folder / "page.html").write_bytes(page)
    _autosave_plan(save_plan, database, plan, 1)
    path, token, version, body, _other = save_plan.read_text().split("\t")
    status, answer = _request(server.port, "PUT", path, body=json.loads(body), headers={
        "Authorization": f"Bearer {token}", "If-Match": version})
    if status != 200:
        raise RuntimeError(f"the first autosave answered {status}")
    (folder / "answer.json").write_text(json.dumps(answer), encoding="utf-8")
    limit = LimitServer(folder, folder / "page.html", folder / "answer.json", database.url)
    limit.wait_until_up()
    return limit


def _lost(database: Database, paths: dict[str, int], result: dict[str, Any]) -> int:
    """Count drafts whose stored version is behind the last version acknowledged."""
    stored = _versions(database, list(paths.values()))
    return sum(1 for path, acknowledged, _bad in result["threads"]
               if stored[paths[path]] < acknowledged)


def _row(name: str, value: float, unit: str, baseline: float | None, ratio: float | None,
         goal: str, passed: bool | None) -> dict[str, Any]:
    return {"name": name, "value": value, "unit": unit, "baseline": baseline, "ratio": ratio,
            "goal": goal, "passed": passed}


def _median_round(rounds: list[tuple[dict[str, Any], dict[str, Any]]]
                  ) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return the round (the application's run, its limit's run) whose ratio is the
    median of the rounds' (the lower middle one for an even number)."""
    ranked = sorted(rounds, key=lambda pair: pair[0]["rate"] / pair[1]["rate"])
    return ranked[(len(ranked) - 1) // 2]


def _run_database(url: str, label: str) -> list[dict[str, Any]]:
    folder = Path(tempfile.mkdtemp(prefix="ppp-bench-http-"))
    url = normalise_database_url(url)
    migrate.upgrade(url)
    database = Database(url, audit_key=AUDIT_KEY.encode())
    tag = secrets.token_hex(4)
    print(f"  seeding {label} ...", file=sys.stderr, flush=True)
    plan = seed.seed(database, seed.SeedCounts(MANY, 1, 1, 4), tag=tag)
    server = Server(folder, url, AUDIT_KEY, workers=2, threads=None)
    limit: LimitServer | None = None
    rows: list[dict[str, Any]] = []
    try:
        server.wait_until_up()
        base = f"http://127.0.0.1:{server.port}"
        cookie = _sign_in(server.port, f"respondent0.{tag}@load.test", f"load-{tag}-password")
        first = plan["respondents"][0]["assessment"]
        section_url = f"{base}/assessments/{first}/sections/{plan['sections'][0]['id']}"
        page, _headers = _get(section_url, {"Cookie": cookie, "User-Agent": AGENT})
        save_plan = folder / "autosave.tsv"
        limit = start_limit(folder, server, database, plan, page, save_plan)
        weight, foreign, caching = _page_weight(server.port, page)

        script = HERE / "serving" / "autosave.lua"
        limit_plan = folder / "limit.tsv"
        pages: list[tuple[dict[str, Any], dict[str, Any]]] = []
        autosaves: list[tuple[dict[str, Any], dict[str, Any]]] = []
        lost = 0

        def saving() -> dict[str, Any]:
            nonlocal lost
            paths = _autosave_plan(save_plan, database, plan, CONNECTIONS)
            saves = _wrk(base, connections=CONNECTIONS, script=script, plan=save_plan)
            lost += _lost(database, paths, saves)
            return saves

        def saving_bare() -> dict[str, Any]:
            _autosave_plan(limit_plan, database, plan, CONNECTIONS, limit=True)
            return _wrk(f"http://127.0.0.1:{limit.port}", connections=CONNECTIONS,
                        script=script, plan=limit_plan)

        for number in range(1, ROUNDS + 1):
            print(f"  section page ({label}), round {number} ...", file=sys.stderr, flush=True)
            pages.append((
                _served_by_every_worker(server, lambda: _wrk(
                    section_url, connections=CONNECTIONS,
                    headers={"Cookie": cookie, "User-Agent": AGENT}), "section page"),
                _served_by_every_worker(limit, lambda: _wrk(
                    f"http://127.0.0.1:{limit.port}/page", connections=CONNECTIONS),
                    "its limit")))
            print(f"  autosave ({label}), round {number} ...", file=sys.stderr, flush=True)
            autosaves.append((_served_by_every_worker(server, saving, "autosave"),
                              _served_by_every_worker(limit, saving_bare, "its limit")))
        paths = _autosave_plan(save_plan, database, plan, MANY)
        many = _wrk(base, connections=MANY, script=script, plan=save_plan)
        lost += _lost(database, paths, many)
    finally:
        server.stop()
        if limit is not None:
            limit.stop()
        database.dispose()
    failed_saves = sum(run["non_2xx"] + run["socket_errors"] for run, _limit in autosaves)
    many_errors = many["non_2xx"] + many["socket_errors"]
    section, bare_page = _median_round(pages)
    saves, bare_saves = _median_round(autosaves)
    for name, rounds in (("section page", pages), ("autosave", autosaves)):
        print(f"  {name} ({label}), each round: " + ", ".join(
            f"{run['rate']:.0f}/{limit['rate']:.0f} = {run['rate'] / limit['rate']:.3f}"
            f" (workers' CPU s {_split(run)} / {_split(limit)})"
            for run, limit in rounds), file=sys.stderr, flush=True)
    page_ratio = section["rate"] / bare_page["rate"]
    save_ratio = saves["rate"] / bare_saves["rate"]
    unanswered_pages = sum(run["non_2xx"] for run, _limit in pages)
    rows.append(_row(f"section page, signed in ({label})", section["rate"], "req/s",
                     bare_page["rate"], page_ratio, ">= 0.25 (aim 0.5)",
                     page_ratio >= 0.25 and unanswered_pages == 0))
    rows.append(_row(f"autosave PUT, {CONNECTIONS} connections ({label})", saves["rate"],
                     "req/s", bare_saves["rate"], save_ratio, ">= 0.20 (aim 0.5)",
                     save_ratio >= 0.20 and failed_saves == 0))
    rows.append(_row(f"autosave PUT, {MANY} connections: p99 / p50 ({label})",
                     many["p99"], "ms p99", many["p50"], many["p99"] / max(many["p50"], 1e-9),
                     "<= 3, 0 errors", many["p99"] <= 3 * many["p50"] and many_errors == 0))
    rows.append(_row(f"autosave PUT, {MANY} connections: errors, answers lost ({label})",
                     float(many_errors + lost), "count", None, None, "0",
                     many_errors == 0 and lost == 0))
    if label == "SQLite":
        hashed = all(re.search(r"\.[0-9a-f]{12}\.(css|js)$", address) and
                     f"max-age={YEAR}" in control for address, control in caching)
        rows.append(_row("section page + assets, gzip", weight / 1024, "KB",
                         PAGE_WEIGHT_LIMIT / 1024, weight / PAGE_WEIGHT_LIMIT,
                         "< 40 KB, no third-party", weight < PAGE_WEIGHT_LIMIT and not foreign))
        rows.append(_row("static files hashed, cached a year", float(len(caching)),
                         "files", None, None, "all", hashed and bool(caching)))
    shutil.rmtree(folder, ignore_errors=True)
    return rows


def run() -> list[dict[str, Any]]:
    """Measure on SQLite, and on PostgreSQL when DATABASE_URL names one."""
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is missing: make system-test-tools installs it")
    with tempfile.TemporaryDirectory() as folder:
        rows = _run_database(f"sqlite:///{folder}/bench.sqlite3", "SQLite")
    postgresql = os.environ.get("DATABASE_URL", "")
    if postgresql.startswith("postgres"):
        rows += _run_database(postgresql, "PostgreSQL")
    return rows


if __name__ == "__main__":
    sys.path.insert(0, str(PROJECT_ROOT))
    for row in run():
        print(row)
