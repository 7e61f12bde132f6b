"""The users of a load run: respondents, reviewers and evaluators (Locust).

Started by ``run.py`` as ``locust --headless`` with these variables:

- ``LOAD_PLAN``: the JSON plan written by ``seed.py`` (tokens, drafts, values);
- ``LOAD_OUTPUT``: a folder where the run's record is written when the test stops;
- ``LOAD_RESPONDENTS``, ``LOAD_REVIEWERS``, ``LOAD_EVALUATORS``: how many of each
  (each respondent takes one seeded draft of its own);
- ``LOAD_THINK``: the longest pause, in seconds, between two requests of a respondent or
  reviewer (the pause is drawn from half of it to all of it).

Every answer write is recorded before it is sent, with a comment that names it, and
then marked with what came back: ``ack`` (2xx), ``refused`` (another status, 503
included: the application rolls those back) or ``in_doubt`` (no answer: a connection
cut, a timeout, a status no rule covers). The harness compares the database with this
record afterwards.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import geventhttpclient.client
from locust import FastHttpUser, between, constant_pacing, events, task

# The HTTP client sends a PUT again on a fresh connection when the first one was cut,
# as it may for any idempotent method. The autosave is idempotent (a retried save
# changes nothing), but a retry would hide from the record the saves that a killed
# worker cut half-way; only reads are retried here.
geventhttpclient.client._may_retry_after_send_error = (  # type: ignore[attr-defined]
    lambda method: method.upper() in ("GET", "HEAD"))

PLAN: dict[str, Any] = json.loads(Path(os.environ["LOAD_PLAN"]).read_text(encoding="utf-8"))
OUTPUT = Path(os.environ["LOAD_OUTPUT"])
THINK = float(os.environ.get("LOAD_THINK", "2.0"))
#: Exports are limited to 10 a minute per evaluator: one every 7 s stays under it.
EXPORT_PACE = float(os.environ.get("LOAD_EXPORT_PACE", "7"))

SAVE = "PUT /api/v1/assessments/[id]/answers/[question]"
SECTION = "GET /assessments/[id]/sections/[section]"
ASSESSMENT = "GET /api/v1/assessments/[id]"
QUEUE = "GET /review/"
REVIEW = "GET /review/[id]"
EXPORT = "GET /evaluations/export.csv"

#: Every answer write in the order sent; each respondent writes its own draft only.
WRITES: list[dict[str, Any]] = []
#: (endpoint, status) -> count; status 0 is a request that got no answer.
STATUSES: Counter[tuple[str, int]] = Counter()
#: (seconds since start, endpoint, status) of every request, for the fault report.
TIMELINE: list[tuple[float, str, int]] = []
STARTED = time.time()
_respondent_numbers = itertools.count()
_reviewer_numbers = itertools.count()
_evaluator_numbers = itertools.count()
_lock = threading.Lock()


def _note(endpoint: str, status: int) -> None:
    STATUSES[(endpoint, status)] += 1
    TIMELINE.append((round(time.time() - STARTED, 3), endpoint, status))


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Accept": "application/json"}


class Respondent(FastHttpUser):
    """Fills in one draft: autosaves answers section by section and reads its pages."""

    fixed_count = int(os.environ.get("LOAD_RESPONDENTS", "64"))
    wait_time = between(THINK / 2, THINK)
    network_timeout = 30.0
    connection_timeout = 10.0

    def on_start(self) -> None:
        self.number = next(_respondent_numbers)
        if self.number >= len(PLAN["respondents"]):
            raise RuntimeError("more respondents than seeded drafts")
        entry = PLAN["respondents"][self.number]
        self.assessment = entry["assessment"]
        self.headers = _bearer(entry["token"])
        self.rng = random.Random(self.number)
        self.section = self.rng.randrange(len(PLAN["sections"]))
        self.position = 0
        self.version: int | None = None
        self.writes = 0

    def _resync(self) -> bool:
        """Read the assessment's version (at the start and after any unclear save)."""
        with self.client.get(f"/api/v1/assessments/{self.assessment}", headers=self.headers,
                             name=ASSESSMENT, catch_response=True) as response:
            _note(ASSESSMENT, response.status_code)
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")
                return False
            self.version = int(response.json()["version"])
            return True

    @task(8)
    def save(self) -> None:
        """Autosave the next question of the current section, then move on."""
        if self.version is None and not self._resync():
            return
        section = PLAN["sections"][self.section]
        question = section["questions"][self.position]
        self.position += 1
        if self.position >= len(section["questions"]):
            self.section = (self.section + 1) % len(PLAN["sections"])
            self.position = 0
            self.page()
        self.writes += 1
        value = self.rng.choice(PLAN["values"][question])
        comment = f"load {PLAN['tag']} r{self.number} w{self.writes}"
        write = {"assessment": self.assessment, "question": question, "value": value,
                 "comment": comment, "outcome": "in_doubt", "version": None,
                 "sent": round(time.time() - STARTED, 3)}
        with _lock:
            WRITES.append(write)
        headers = {**self.headers, "If-Match": str(self.version)}
        with self.client.put(f"/api/v1/assessments/{self.assessment}/answers/{question}",
                             json={"value": value, "comment": comment}, headers=headers,
                             name=SAVE, catch_response=True) as response:
            status = response.status_code
            if 200 <= status < 300:
                try:
                    version = int(response.json()["version"])
                except (ValueError, KeyError, TypeError):
                    # The answer was cut off (a killed worker): the save may be stored.
                    status = 0
                else:
                    _note(SAVE, status)
                    write["outcome"] = "ack"
                    write["version"] = self.version = version
                    return
            _note(SAVE, status)
            if 400 <= status < 500 or status == 503:
                write["outcome"] = "refused"
            write["status"] = status
            # Whatever happened, read the version again before the next save.
            self.version = None
            response.failure(f"status {status}")

    @task(2)
    def page(self) -> None:
        """Open the current section's page."""
        section = PLAN["sections"][self.section]["id"]
        with self.client.get(f"/assessments/{self.assessment}/sections/{section}",
                             headers={**self.headers, "Accept": "text/html"}, name=SECTION,
                             catch_response=True) as response:
            _note(SECTION, response.status_code)
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")

    @task(1)
    def read(self) -> None:
        """Read the assessment with its answers and score through the API."""
        self._resync()


class Reviewer(FastHttpUser):
    """Reads the review queue and the submissions waiting in it."""

    fixed_count = int(os.environ.get("LOAD_REVIEWERS", "4"))
    wait_time = between(THINK / 2, THINK)
    network_timeout = 30.0
    connection_timeout = 10.0

    def on_start(self) -> None:
        number = next(_reviewer_numbers)
        self.headers = _bearer(PLAN["reviewers"][number % len(PLAN["reviewers"])])
        self.headers["Accept"] = "text/html"
        self.rng = random.Random(1000 + number)

    def _get(self, path: str, name: str) -> None:
        with self.client.get(path, headers=self.headers, name=name,
                             catch_response=True) as response:
            _note(name, response.status_code)
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")

    @task(1)
    def queue(self) -> None:
        """Page through the queue."""
        self._get(f"/review/?page={self.rng.randint(1, 2)}", QUEUE)

    @task(2)
    def submission(self) -> None:
        """Open a submission."""
        if PLAN["submitted"]:
            self._get(f"/review/{self.rng.choice(PLAN['submitted'])}", REVIEW)


class Evaluator(FastHttpUser):
    """Exports the approved assessments as CSV, at the pace the rate limit allows."""

    fixed_count = int(os.environ.get("LOAD_EVALUATORS", "2"))
    wait_time = constant_pacing(EXPORT_PACE)
    network_timeout = 60.0
    connection_timeout = 10.0

    def on_start(self) -> None:
        number = next(_evaluator_numbers)
        self.headers = _bearer(PLAN["evaluators"][number % len(PLAN["evaluators"])])
        self.headers["Accept"] = "text/csv"

    @task
    def export(self) -> None:
        """Download the export; a 429 of the rate limit is expected, not an error."""
        path = f"/evaluations/export.csv?questionnaire={PLAN['export_questionnaire']}"
        with self.client.get(path, headers=self.headers, name=EXPORT,
                             catch_response=True) as response:
            _note(EXPORT, response.status_code)
            if response.status_code == 429:
                response.success()
            elif response.status_code != 200:
                response.failure(f"status {response.status_code}")


@events.test_stop.add_listener
def _write_record(environment: Any, **_kwargs: Any) -> None:
    """Write the writes, the status counts, the timeline and Locust's figures."""
    stats = []
    for entry in environment.stats.entries.values():
        stats.append({
            "endpoint": entry.name, "requests": entry.num_requests,
            "failures": entry.num_failures,
            "p50_ms": entry.get_response_time_percentile(0.5),
            "p99_ms": entry.get_response_time_percentile(0.99),
            "max_ms": entry.max_response_time,
        })
    total = environment.stats.total
    record = {
        "started": STARTED,
        "duration": max(total.last_request_timestamp or time.time(), STARTED) - STARTED,
        "stats": stats,
        "statuses": [[endpoint, status, count]
                     for (endpoint, status), count in sorted(STATUSES.items())],
        "writes": WRITES,
        "timeline": TIMELINE,
    }
    OUTPUT.mkdir(parents=True, exist_ok=True)
    (OUTPUT / "locust-record.json").write_text(json.dumps(record), encoding="utf-8")
