"""The review board's bookkeeping over many reviews: review times and reminders.

A scratch SQLite file receives 20 000 decided submissions (review times of 1 to 60
days, spread over three questionnaires) and 5 000 open reviews of three reviewers each,
due within the next or past week, bulk-inserted with ``executemany``.

- ``review times``: :func:`ppp_assess.services.board.review_time_report` (median of three
  runs). The baseline computes the same figures with the standard library's
  ``statistics.quantiles(method="inclusive")`` on the same rows; both answers are
  compared and the benchmark fails if they differ by more than 1e-9.
- ``reminders, first run`` and ``reminders, second run``: :func:`queue_reminders` over
  the open reviews; the second run must queue nothing (each reminder is queued once).

Run it as ``.venv/bin/python benchmarks/bench_board.py``.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from ppp_assess.models import migrate
from ppp_assess.services import board

DECIDED = 20_000
OPEN = 5_000
PANEL = 3
QUESTIONNAIRES = ("zero-tolerance-corruption", "people-first", "mining-supplement")
NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)


def _naive(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC).replace(tzinfo=None)


def _fill(url: str) -> dict[str, list[float]]:
    random.seed(7)
    engine = create_engine(url)
    durations: dict[str, list[float]] = {key: [] for key in QUESTIONNAIRES}
    created = _naive(NOW - dt.timedelta(days=400))
    with engine.begin() as connection:
        for index, questionnaire_id in enumerate(QUESTIONNAIRES, start=1):
            connection.execute(text(
                "INSERT INTO questionnaire_versions (id, questionnaire_id, version, major, "
                "subject, title, content_hash, definition, published_at) VALUES "
                "(:id, :q, '1.0', 1, 'organisation', :q, :hash, '{}', :at)"),
                {"id": index, "q": questionnaire_id, "hash": f"{index:064d}", "at": created})
            connection.execute(text(
                "INSERT INTO review_settings (questionnaire_id, panel_size, chair_decides, "
                "deadline_days, remind_days_before, same_country_conflict, "
                "show_reviewer_names, updated_at) VALUES (:q, 3, 1, 14, 2, 0, 0, :at)"),
                {"q": questionnaire_id, "at": created})
        connection.execute(text(
            "INSERT INTO organisations (id, name, country, region, active, created_at) "
            "VALUES (1, 'Ministry', 'KZ', 'central_asia', 1, :at)"), {"at": created})
        connection.execute(text(
            "INSERT INTO users (email, name, active, session_version, created_at) VALUES "
            "(:email, :name, 1, 1, :at)"),
            [{"email": f"r{number}@example.org", "name": f"Reviewer {number}", "at": created}
             for number in range(1, 51)])
        assessments, submissions, decisions, assignments = [], [], [], []
        for number in range(1, DECIDED + OPEN + 1):
            version = 1 + number % len(QUESTIONNAIRES)
            decided = number <= DECIDED
            submitted = NOW - dt.timedelta(days=random.uniform(0, 300) if decided
                                           else random.uniform(7, 21))
            assessments.append({"id": number, "v": version,
                                "status": "approved" if decided else "in_review",
                                "reviewer": 1 + number % 50, "at": _naive(submitted)})
            submissions.append({"id": number, "a": number, "at": _naive(submitted)})
            if decided:
                days = random.uniform(1, 60)
                durations[QUESTIONNAIRES[version - 1]].append(days)
                decisions.append({"a": number, "s": number, "r": 1 + number % 50,
                                  "at": _naive(submitted + dt.timedelta(days=days))})
            else:
                due = _naive(submitted + dt.timedelta(days=14))
                for seat in range(PANEL + 1):
                    assignments.append({"a": number, "s": number,
                                        "r": 1 + (number + seat) % 50,
                                        "role": "lead" if seat == 0 else "member",
                                        "at": _naive(submitted), "due": due})
        connection.execute(text(
            "INSERT INTO assessments (id, questionnaire_version_id, subject_type, "
            "organisation_id, status, version, reviewer_id, completion, created_at, "
            "updated_at, submitted_at) VALUES (:id, :v, 'organisation', 1, :status, 1, "
            ":reviewer, 1.0, :at, :at, :at)"), assessments)
        connection.execute(text(
            "INSERT INTO submissions (id, assessment_id, number, submitted_at, answers, score)"
            " VALUES (:id, :a, 1, :at, '{}', '{}')"), submissions)
        connection.execute(text(
            "INSERT INTO review_decisions (assessment_id, submission_id, reviewer_id, "
            "decision, reason, decided_at) VALUES (:a, :s, :r, 'approve', '', :at)"),
            decisions)
        connection.execute(text(
            "INSERT INTO review_assignments (assessment_id, submission_id, reviewer_id, "
            "declared_no_conflict, started_at, role, state, due_at) VALUES "
            "(:a, :s, :r, 1, :at, :role, 'active', :due)"), assignments)
    engine.dispose()
    return durations


def _timed(function: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


def run() -> list[dict[str, Any]]:
    """Measure review times and reminders; see the module's docstring."""
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'board.sqlite3'}"
        migrate.upgrade(url)
        durations = _fill(url)
        engine = create_engine(url)
        rows = []
        with Session(engine) as session:
            runs = [_timed(lambda: board.review_time_report(session)) for _ in range(3)]
            seconds = statistics.median(elapsed for elapsed, _report in runs)
            report = runs[0][1]
            started = time.perf_counter()
            expected = {}
            for questionnaire_id, values in durations.items():
                cuts = statistics.quantiles(values, n=10, method="inclusive")
                expected[questionnaire_id] = (statistics.median(values), cuts[-1])
            baseline = time.perf_counter() - started
            for questionnaire_id, (median, p90) in expected.items():
                times = report[questionnaire_id]
                if abs(times.median_days - median) > 1e-9 or abs(times.p90_days - p90) > 1e-9:
                    raise AssertionError(f"{questionnaire_id}: {times} != {median}, {p90}")
            rows.append({"name": f"review times, {DECIDED} decisions", "value": seconds,
                         "unit": "s", "baseline": baseline,
                         "ratio": baseline / seconds if seconds else None})
            first, queued = _timed(lambda: board.queue_reminders(session, now=NOW))
            session.commit()
            second, again = _timed(lambda: board.queue_reminders(session, now=NOW))
            if again != 0 or queued == 0:
                raise AssertionError(f"reminders queued {queued}, then {again}")
            rows.append({"name": f"reminders, first run ({queued} queued)", "value": first,
                         "unit": "s", "baseline": None, "ratio": None})
            rows.append({"name": "reminders, second run (0 queued)", "value": second,
                         "unit": "s", "baseline": None, "ratio": None})
        engine.dispose()
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
