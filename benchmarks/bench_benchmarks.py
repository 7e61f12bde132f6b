"""Peer statistics in SQL over 100 000 assessments, and exports of 10 000 assessments.

Peer statistics
    A scratch SQLite file (and, when ``BENCH_DATABASE_URL`` or ``TEST_DATABASE_URL`` names
    a PostgreSQL server, a scratch PostgreSQL database beside it) receives 100 000
    synthetic decided assessments of the people-first questionnaire (80 000 projects, a
    fifth of them assessed twice, 2 % of the latest results revoked) with their six
    section scores, bulk-inserted with ``executemany`` or ``COPY``, then the peer index
    rebuilt from them (as after restoring a backup; not timed). The value is the time
    of :func:`ppp_assess.services.benchmarks.group_statistics` (median of a few runs); the
    baseline, measured in the same run, loads the same candidate results and section
    scores into Python, picks the latest per project there and computes the same
    statistics with :mod:`ppp_assess.domain.benchmarking`. Both answers are compared, and
    the benchmark fails if they differ by more than 1e-9.

Evaluators' dashboard
    Over the same 100 000 assessments (and their six million frozen question scores), the
    time of :func:`ppp_assess.services.benchmarks.evaluations.dashboard` unfiltered and for
    one sector (median of a few runs), read from the totals kept as assessments are
    decided; they are filled by ``rebuild_totals`` after the bulk insert, outside the
    timing. Its answer must equal the dashboard counted from the assessments themselves
    (timed once, as the second baseline), and the first baseline is one raw ``SUM`` over
    every frozen question score.

Exports
    A second scratch SQLite file holds 10 000 approved assessments with an answer to each
    of the questionnaire's questions. The value is the time (best of two runs) and, in a
    separate run under ``tracemalloc``, the peak of Python memory of the streamed CSV
    export; the baseline is the same CSV built the simple way: every assessment and answer
    loaded at once and the whole file assembled in memory. The XLSX export (openpyxl's
    write-only mode) is measured on the first 2 000 of the assessments, as assessments
    per second and peak memory: openpyxl writes its XML in pure Python and takes several
    times longer.
    ``tracemalloc`` sees Python's allocations only, not SQLite's own page cache.

Run it as ``.venv/bin/python benchmarks/bench_benchmarks.py``; :func:`run` returns rows
with the keys name, value, unit, baseline and ratio (baseline / value: above 1 means
faster or smaller than the baseline).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import json
import math
import os
import random
import sqlite3
import statistics
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from ppp_assess.config import PROJECT_ROOT, normalise_database_url
from ppp_assess.domain import benchmarking
from ppp_assess.domain.loader import load_questionnaire
from ppp_assess.domain.reference import CONTRACT_TYPES, REGIONS, SECTORS, STAGES, SubjectType
from ppp_assess.domain.schema import Questionnaire
from ppp_assess.domain.workflow import Status
from ppp_assess.models import (
    Assessment,
    Project,
    QuestionnaireVersion,
    SectionScore,
    migrate,
)
from ppp_assess.models.database import Database
from ppp_assess.services import exports
from ppp_assess.services.benchmarks import OVERALL, PeerFilters, PeerGroup, group_statistics
from ppp_assess.services.benchmarks.evaluations import (
    DashboardFilters,
    dashboard,
    dashboard_from_assessments,
)
from ppp_assess.services.benchmarks.totals import rebuild_totals
from ppp_assess.services.demo import _choose_answer
from ppp_assess.services.peer_index import rebuild_peer_scores
from ppp_assess.services.questionnaires import publish_questionnaire, questionnaire_of

#: The audit key of the benchmark databases (they are thrown away after the run).
AUDIT_KEY = b"benchmark-audit-key-0123456789abcdef"

ASSESSMENTS = 100_000
PROJECTS = 80_000
ORGANISATIONS = 2_000
EXPORT_ASSESSMENTS = 10_000
#: openpyxl writes XML in pure Python: the XLSX figures use a sample of the export.
XLSX_ASSESSMENTS = 2_000
QUERY_RUNS = 3
SEED = 8
QUESTIONNAIRE_FILE = PROJECT_ROOT / "questionnaires" / "people-first.yaml"
COUNTRIES = {"KZ": "central_asia", "UZ": "central_asia", "MN": "asia_pacific",
             "CL": "latin_america", "PE": "latin_america", "ZM": "africa", "GH": "africa",
             "RS": "europe", "FR": "europe", "JO": "western_asia", "CA": "north_america"}
BASE_TIME = dt.datetime(2025, 1, 1, 12, 0)
COMMENTS = ("See the attached policy.", "=HYPERLINK(\"https://example.org\")", "",
            "Partly in place; a revised procedure is in preparation.")

assert set(COUNTRIES.values()) <= set(REGIONS)


# --------------------------------------------------------------------------- data


def _level(score: float, questionnaire: Questionnaire) -> str:
    for level in questionnaire.levels:
        if score >= level.min:
            return level.id
    return questionnaire.levels[-1].id


def _tables(questionnaire: Questionnaire, version_id: int, count: int, projects: int,
            organisations: int, rng: random.Random) -> dict[str, list[tuple[Any, ...]]]:
    """Return the rows to insert, by table, with explicit ids."""
    countries = list(COUNTRIES)
    organisation_rows = []
    for number in range(1, organisations + 1):
        country = countries[number % len(countries)]
        organisation_rows.append((number, f"Benchmark organisation {number}", country,
                                  COUNTRIES[country], True, BASE_TIME))
    sectors, stages, contracts = list(SECTORS), list(STAGES), list(CONTRACT_TYPES)
    project_rows = []
    project_organisation = {}
    for number in range(1, projects + 1):
        organisation = rng.randint(1, organisations)
        project_organisation[number] = organisation
        row = organisation_rows[organisation - 1]
        project_rows.append((number, organisation, f"Project {number}", rng.choice(sectors),
                             row[2], row[3], rng.choice(stages), rng.choice(contracts), "",
                             BASE_TIME))
    # Every project once; the rest assess a project a second time, later.
    subjects = list(range(1, projects + 1))
    subjects += rng.sample(range(1, projects + 1), count - projects)
    section_ids = [section.id for section in questionnaire.sections]
    assessment_rows, section_rows = [], []
    for number, project in enumerate(subjects, start=1):
        later = number > projects
        roll = rng.random()
        status = (Status.revoked if roll < 0.02 else
                  Status.certified if roll < 0.30 else Status.approved)
        score = round(rng.uniform(5, 98), 1)
        approved = BASE_TIME + dt.timedelta(days=rng.randint(0, 300) + (400 if later else 0),
                                            seconds=number)
        assessment_rows.append((
            number, version_id, "project", project_organisation[project], project,
            status.value, 3, score, _level(score, questionnaire), 1.0, approved, approved,
            approved - dt.timedelta(days=10), approved))
        for section_id in section_ids:
            value = None if rng.random() < 0.05 else round(
                max(0.0, min(100.0, score + rng.uniform(-20, 20))), 1)
            section_rows.append((number, section_id, value))
    submission_rows = [(number, number, 1, row[12], "{}", "{}")
                       for number, row in enumerate(assessment_rows, start=1)]
    return {"organisations": organisation_rows, "projects": project_rows,
            "assessments": assessment_rows, "section_scores": section_rows,
            "submissions": submission_rows,
            "question_scores": QuestionScoreRows(questionnaire, assessment_rows,
                                                 rng.randrange(1 << 30))}


class QuestionScoreRows:
    """The questions each assessment lost points on, frozen at its submission: about a
    quarter of the questions, more for lower scores (re-iterable, built when read)."""

    def __init__(self, questionnaire: Questionnaire, assessments: list[tuple[Any, ...]],
                 seed: int) -> None:
        self.questions = [question.id for question in questionnaire.all_questions()]
        self.scores = [(row[0], row[7]) for row in assessments]
        self.seed = seed

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        rng = random.Random(self.seed)
        for assessment_id, score in self.scores:
            share = 0.5 * (1 - score / 100)
            for question_id in self.questions:
                if rng.random() < share:
                    yield (assessment_id, assessment_id, question_id,
                           round(rng.uniform(0.1, 3.0), 3))


COLUMNS = {
    "organisations": ("id", "name", "country", "region", "active", "created_at"),
    "projects": ("id", "organisation_id", "name", "sector", "country", "region", "stage",
                 "contract_type", "description", "created_at"),
    "assessments": ("id", "questionnaire_version_id", "subject_type", "organisation_id",
                    "project_id", "status", "version", "score", "level", "completion",
                    "created_at", "updated_at", "submitted_at", "approved_at"),
    "section_scores": ("assessment_id", "section_id", "score"),
    "submissions": ("id", "assessment_id", "number", "submitted_at", "answers", "score"),
    "question_scores": ("assessment_id", "submission_id", "question_id", "points_lost"),
    "answers": ("assessment_id", "question_id", "value", "comment", "evidence", "version",
                "updated_at"),
}


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        # The format SQLAlchemy's DateTime uses on SQLite.
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    return value


def _insert_sqlite(path: Path, tables: dict[str, list[tuple[Any, ...]]]) -> None:
    connection = sqlite3.connect(path)
    try:
        for table, rows in tables.items():
            columns = COLUMNS[table]
            placeholders = ", ".join("?" for _ in columns)
            connection.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})",
                ([_sqlite_value(value) for value in row] for row in rows))
        connection.commit()
        connection.execute("ANALYZE")
    finally:
        connection.close()


def _insert_postgresql(url: str, tables: dict[str, list[tuple[Any, ...]]]) -> None:
    import psycopg

    plain = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(plain) as connection:
        with connection.cursor() as cursor:
            for table, rows in tables.items():
                columns = ", ".join(COLUMNS[table])
                with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
        connection.commit()
        connection.execute("ANALYZE")


def _publish(database: Database) -> tuple[int, Questionnaire]:
    questionnaire = load_questionnaire(QUESTIONNAIRE_FILE)
    with database.transaction() as session:
        version = publish_questionnaire(session, questionnaire).version
        return version.id, questionnaire


# --------------------------------------------------------------------------- peer statistics


def _python_statistics(session: Session, group: PeerGroup,
                       subject: dict[str, float | None]) -> dict[str, tuple[Any, ...]]:
    """Load every candidate result into Python and compute the statistics there."""
    query = (
        select(Assessment.id, Assessment.project_id, Assessment.organisation_id,
               Assessment.status, Assessment.approved_at, Assessment.score)
        .join(QuestionnaireVersion, QuestionnaireVersion.id == Assessment.questionnaire_version_id)
        .where(QuestionnaireVersion.questionnaire_id == group.questionnaire_id,
               QuestionnaireVersion.major == group.major,
               Assessment.status.in_((Status.approved, Status.certified, Status.revoked)))
    )
    if group.filters.sector:
        query = query.join(Project, Project.id == Assessment.project_id).where(
            Project.sector == group.filters.sector)
    latest: dict[int, Any] = {}
    for row in session.execute(query):
        current = latest.get(row.project_id)
        if current is None or (row.approved_at, row.id) > (current.approved_at, current.id):
            latest[row.project_id] = row
    peers = {row.id: row for row in latest.values() if row.status != Status.revoked}
    values: dict[str, list[float]] = {OVERALL: []}
    organisations: dict[str, set[int]] = {OVERALL: set()}
    for row in peers.values():
        if row.score is not None:
            values[OVERALL].append(row.score)
            organisations[OVERALL].add(row.organisation_id)
    for assessment_id, section_id, score in session.execute(
        select(SectionScore.assessment_id, SectionScore.section_id, SectionScore.score)
        .join(Assessment, Assessment.id == SectionScore.assessment_id)
        .join(QuestionnaireVersion, QuestionnaireVersion.id == Assessment.questionnaire_version_id)
        .where(QuestionnaireVersion.questionnaire_id == group.questionnaire_id,
               QuestionnaireVersion.major == group.major)
    ):
        peer = peers.get(assessment_id)
        if peer is not None and score is not None:
            values.setdefault(section_id, []).append(score)
            organisations.setdefault(section_id, set()).add(peer.organisation_id)
    result = {}
    for key, scores in values.items():
        quartiles = benchmarking.quartiles(scores)
        value = subject.get(key)
        rank = None if value is None else benchmarking.percentile_rank(value, scores)
        result[key] = (len(scores), len(organisations[key]), quartiles.p10, quartiles.p90,
                       quartiles.q1, quartiles.median, quartiles.q3, rank)
    return result


def _as_tuples(statistics_by_key: dict[str, Any]) -> dict[str, tuple[Any, ...]]:
    return {key: (row.n, row.organisations, row.p10, row.p90, row.q1, row.median,
                  row.q3, row.percentile_rank) for key, row in statistics_by_key.items()}


def _check_same(sql: dict[str, tuple[Any, ...]], python: dict[str, tuple[Any, ...]]) -> None:
    if set(sql) != set(python):
        raise AssertionError(f"different keys: {sorted(sql)} != {sorted(python)}")
    for key, expected in python.items():
        for actual_value, expected_value in zip(sql[key], expected, strict=True):
            if expected_value is None or actual_value is None:
                same = actual_value is expected_value
            else:
                same = math.isclose(actual_value, expected_value, rel_tol=0, abs_tol=1e-9)
            if not same:
                raise AssertionError(f"{key}: SQL {sql[key]} != Python {expected}")


def _timed_ms(action: Callable[[], object]) -> tuple[Any, float]:
    started = time.perf_counter()
    result = action()
    return result, (time.perf_counter() - started) * 1000


def _median_ms(action: Callable[[], object], runs: int) -> float:
    return statistics.median(_timed_ms(action)[1] for _ in range(runs))


def _row(name: str, value: float, unit: str, baseline: float | None,
         digits: int = 1) -> dict[str, Any]:
    return {"name": name, "value": round(value, digits), "unit": unit,
            "baseline": None if baseline is None else round(baseline, digits),
            "ratio": None if baseline is None or value == 0 else round(baseline / value, 1)}


def _peer_rows(database: Database, label: str, version_id: int) -> list[dict[str, Any]]:
    rows = []
    subject: dict[str, float | None] = {OVERALL: 55.0, "access-equity": 62.5}
    with database.transaction() as session:
        major = session.get(QuestionnaireVersion, version_id).major  # type: ignore[union-attr]
        for description, filters in (("all peers", PeerFilters()),
                                     ("one sector", PeerFilters(sector="mining"))):
            group = PeerGroup(questionnaire_id="people-first", major=major,
                              subject=SubjectType.project, filters=filters)

            def in_sql(group: PeerGroup = group) -> dict[str, Any]:
                return group_statistics(session, group, subject)

            def in_python(group: PeerGroup = group) -> dict[str, tuple[Any, ...]]:
                return _python_statistics(session, group, subject)

            # The first run of each also warms the caches and checks the answers agree.
            sql, _first = _timed_ms(in_sql)
            python, first_baseline = _timed_ms(in_python)
            _check_same(_as_tuples(sql), python)
            ours = _median_ms(in_sql, QUERY_RUNS)
            baseline = statistics.mean([first_baseline, _timed_ms(in_python)[1]])
            peers = sql[OVERALL].n
            rows.append(_row(
                f"peer statistics, {ASSESSMENTS:,} assessments, {description} "
                f"({peers:,} peers), {label}: SQL vs loading into Python",
                ours, "ms", baseline))
            raw = _median_ms(lambda group=group: _raw_percent_rank(session, version_id,
                                                                   group), QUERY_RUNS)
            rows.append({**_row(
                f"raw percent_rank, {description}, {label}: peer statistics vs one raw "
                f"percent_rank query over the same rows", ours, "ms", raw),
                "ratio": round(ours / raw, 2), "goal": "<= 2", "passed": ours <= 2 * raw})
        rows.extend(_dashboard_rows(session, label))
    return rows


def _raw_percent_rank(session: Session, version_id: int, group: PeerGroup) -> int:
    """One window-function query over the group's decided assessments, nothing else."""
    sector = ("JOIN projects p ON p.id = a.project_id AND p.sector = :sector "
              if group.filters.sector else "")
    statement = text(
        "SELECT a.score, percent_rank() OVER (ORDER BY a.score) FROM assessments a "
        f"{sector}WHERE a.questionnaire_version_id = :version "
        "AND a.status IN ('approved', 'certified') AND a.score IS NOT NULL")
    return len(session.execute(statement, {"version": version_id,
                                           "sector": group.filters.sector}).all())


def _dashboard_rows(session: Session, label: str) -> list[dict[str, Any]]:
    """The evaluators' dashboard over every decided assessment, read from the totals kept
    as assessments are decided, beside one raw aggregate and beside counting the
    assessments themselves (what it did before the totals, and still does with dates)."""
    rows = []
    for description, filters in (("all", DashboardFilters()),
                                 ("one sector", DashboardFilters(sector="mining"))):
        result = dashboard(session, filters)  # warm up, and check there is something
        if not result.weakest:
            raise AssertionError("the dashboard found no weak question")
        counted, counted_ms = _timed_ms(lambda filters=filters: dashboard_from_assessments(
            session, filters))
        if counted != result:
            raise AssertionError(f"the dashboard's totals disagree with its assessments "
                                 f"({description}, {label})")
        ours = _median_ms(lambda filters=filters: dashboard(session, filters), QUERY_RUNS)
        raw = _median_ms(lambda: session.execute(text(
            "SELECT question_id, SUM(points_lost), COUNT(*) FROM question_scores "
            "GROUP BY question_id")).all(), QUERY_RUNS)
        rows.append({**_row(
            f"evaluators' dashboard, {ASSESSMENTS:,} assessments, {description} "
            f"({result.analysed:,} analysed), {label}: dashboard vs one raw SUM over "
            "the frozen question scores", ours, "ms", raw),
            "goal": "< 1000 ms", "passed": ours < 1000})
        rows.append(_row(
            f"evaluators' dashboard, {description}, {label}: from the kept totals vs "
            "counting the assessments (one run)", ours, "ms", counted_ms))
    return rows


def _rebuild_totals(database: Database) -> None:
    """Count the bulk-inserted assessments in the dashboard totals (not timed)."""
    with database.transaction() as session:
        rebuild_totals(session)


Tables = dict[str, list[tuple[Any, ...]]]


def _peer_tables(version_id: int, questionnaire: Questionnaire, cache: dict[int, Tables],
                 seed: int) -> Tables:
    """Return the synthetic rows (the same for every database of the run)."""
    if version_id not in cache:
        cache[version_id] = _tables(questionnaire, version_id, ASSESSMENTS, PROJECTS,
                                    ORGANISATIONS, random.Random(seed))
    return cache[version_id]


def _sqlite_peer_rows(directory: Path, cache: dict[int, Tables]) -> list[dict[str, Any]]:
    path = directory / "peers.sqlite3"
    url = f"sqlite:///{path}"
    migrate.upgrade(url)
    database = Database(url, audit_key=AUDIT_KEY)
    try:
        version_id, questionnaire = _publish(database)
        _insert_sqlite(path, _peer_tables(version_id, questionnaire, cache, SEED))
        _rebuild_totals(database)
        _rebuild_peer_index(database)
        return _peer_rows(database, "SQLite", version_id)
    finally:
        database.dispose()


def _rebuild_peer_index(database: Database) -> None:
    """Fill the peer index from the bulk-inserted rows (as after restoring a backup),
    outside the timed part, and refresh the planner's statistics."""
    with database.transaction() as session:
        rebuild_peer_scores(session)
    with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        # VACUUM sets PostgreSQL's visibility map, so that index-only scans skip the
        # table, as autovacuum does on a live server.
        postgresql = connection.dialect.name == "postgresql"
        connection.execute(text("VACUUM ANALYZE peer_scores" if postgresql else "ANALYZE"))


def _postgresql_base() -> str | None:
    url = (os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL")
           or os.environ.get("TEST_DATABASE_URL"))
    if not url or not url.startswith(("postgres://", "postgresql")):
        return None
    return normalise_database_url(url)


def _postgresql_peer_rows(base: str, cache: dict[int, Tables]) -> list[dict[str, Any]]:
    name = f"ppp_bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(base).set(database=name).render_as_string(hide_password=False)
    try:
        migrate.upgrade(url)
        database = Database(url, audit_key=AUDIT_KEY)
        try:
            version_id, questionnaire = _publish(database)
            _insert_postgresql(url, _peer_tables(version_id, questionnaire, cache, SEED))
            _rebuild_totals(database)
            _rebuild_peer_index(database)
            return _peer_rows(database, "PostgreSQL", version_id)
        finally:
            database.dispose()
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# --------------------------------------------------------------------------- exports


def _answer_sets(questionnaire: Questionnaire, rng: random.Random, count: int = 40
                 ) -> list[list[tuple[str, str]]]:
    """Return ``count`` complete sets of (question id, JSON value) to cycle through."""
    sets = []
    for _ in range(count):
        maturity = rng.uniform(0.2, 0.95)
        answers = []
        for question in questionnaire.all_questions():
            value = _choose_answer(question, maturity, rng)
            if value is not None:
                answers.append((question.id, json.dumps(value)))
        sets.append(answers)
    return sets


def _export_database(directory: Path, rng: random.Random) -> tuple[Database, int]:
    path = directory / "export.sqlite3"
    url = f"sqlite:///{path}"
    migrate.upgrade(url)
    database = Database(url, audit_key=AUDIT_KEY)
    version_id, questionnaire = _publish(database)
    count = EXPORT_ASSESSMENTS
    tables = _tables(questionnaire, version_id, count, count, 500, rng)
    tables["assessments"] = [(*row[:5], Status.approved.value, *row[6:])
                             for row in tables["assessments"]]
    answer_sets = _answer_sets(questionnaire, rng)
    answers = []
    for number in range(1, count + 1):
        for index, (question_id, value) in enumerate(answer_sets[number % len(answer_sets)]):
            comment = COMMENTS[(number + index) % len(COMMENTS)]
            answers.append((number, question_id, value, comment, "[]", 2, BASE_TIME))
    tables["answers"] = answers
    _insert_sqlite(path, tables)
    return database, version_id


def _streamed_csv(session: Session, version: QuestionnaireVersion) -> int:
    header = exports.export_header(questionnaire_of(version))
    size = 0
    for chunk in exports.csv_file_chunks(header, exports.iter_csv_lines(session, version)):
        size += len(chunk.encode("utf-8"))
    return size


def _in_memory_csv(session: Session, version: QuestionnaireVersion) -> int:
    """The simple way, same rows: everything loaded at once and the file built in memory."""
    header = exports.export_header(questionnaire_of(version))
    lines = list(exports.iter_csv_lines(session, version, batch_size=EXPORT_ASSESSMENTS))
    text = "".join(exports.csv_file_chunks(header, lines, lines_per_chunk=len(lines) + 1))
    return len(text.encode("utf-8"))


def _bare_csv(path: Path, questions: list[str]) -> int:
    """The limit: ``csv.writer`` over a bare cursor of the same answers, one row each."""
    connection = sqlite3.connect(path)
    column = {question_id: index for index, question_id in enumerate(questions)}
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    size = 0
    try:
        current, row = None, [""] * (2 * len(questions) + 1)
        for assessment_id, question_id, value, comment in connection.execute(
                "SELECT assessment_id, question_id, value, comment FROM answers "
                "ORDER BY assessment_id"):
            if assessment_id != current:
                if current is not None:
                    writer.writerow(row)
                current, row = assessment_id, [str(assessment_id)] + [""] * (2 * len(questions))
            index = column.get(question_id)
            if index is not None:
                row[1 + 2 * index], row[2 + 2 * index] = value, comment
            if buffer.tell() > 1 << 16:
                size += len(buffer.getvalue().encode("utf-8"))
                buffer.seek(0)
                buffer.truncate()
        writer.writerow(row)
    finally:
        connection.close()
    return size + len(buffer.getvalue().encode("utf-8"))


def _xlsx(session: Session, version: QuestionnaireVersion, target: Path, limit: int) -> int:
    questionnaire = questionnaire_of(version)
    rows = itertools.islice(exports.iter_export_rows(session, version), limit)
    return exports.write_xlsx(target, exports.export_header(questionnaire), rows,
                              exports.column_descriptions(questionnaire))


def _timed(action: Callable[[], object]) -> tuple[Any, float]:
    started = time.perf_counter()
    result = action()
    return result, time.perf_counter() - started


def _peak_mb(action: Callable[[], object]) -> float:
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        action()
        return tracemalloc.get_traced_memory()[1] / 1_000_000
    finally:
        tracemalloc.stop()


def _export_rows(directory: Path, rng: random.Random) -> list[dict[str, Any]]:
    database, version_id = _export_database(directory, rng)
    try:
        with database.transaction() as session:
            version = session.get(QuestionnaireVersion, version_id)
            assert version is not None
            questions = len(questionnaire_of(version).all_questions())
            # Alternating runs, best of two each: a busy machine slows whichever runs first.
            timings: dict[str, list[float]] = {"streamed": [], "memory": []}
            for _ in range(2):
                size, seconds = _timed(lambda: _streamed_csv(session, version))
                timings["streamed"].append(seconds)
                timings["memory"].append(_timed(lambda: _in_memory_csv(session, version))[1])
            streamed_seconds, memory_seconds = min(timings["streamed"]), min(timings["memory"])
            question_ids = [question.id for question in questionnaire_of(version).all_questions()]
            bare_seconds = min(_timed(lambda: _bare_csv(directory / "export.sqlite3",
                                                        question_ids))[1] for _ in range(2))
            streamed_peak = _peak_mb(lambda: _streamed_csv(session, version))
            memory_peak = _peak_mb(lambda: _in_memory_csv(session, version))
            target = directory / "export.xlsx"
            _count, xlsx_seconds = _timed(lambda: _xlsx(session, version, target,
                                                        XLSX_ASSESSMENTS))
            xlsx_peak = _peak_mb(lambda: _xlsx(session, version, target, XLSX_ASSESSMENTS))
        label = f"{EXPORT_ASSESSMENTS:,} assessments x {questions} questions"
        sample = f"{XLSX_ASSESSMENTS:,} of the assessments"
        return [
            _row(f"export CSV, {label} ({size / 1e6:.0f} MB), streamed vs built in memory",
                 streamed_seconds, "s", memory_seconds, 2),
            {**_row(f"export CSV, streamed vs csv.writer over a bare cursor, {label}",
                    streamed_seconds, "s", bare_seconds, 2),
             "goal": ">= 0.5", "passed": bare_seconds / streamed_seconds >= 0.5},
            _row(f"export CSV, {label}, assessments per second", EXPORT_ASSESSMENTS
                 / streamed_seconds, "rows/s", None, 0),
            _row(f"export CSV, {label}, peak Python memory, streamed vs built in memory",
                 streamed_peak, "MB", memory_peak),
            _row(f"export XLSX (write-only), {sample}, assessments per second",
                 XLSX_ASSESSMENTS / xlsx_seconds, "rows/s", None, 0),
            _row(f"export XLSX (write-only), {sample}, peak Python memory", xlsx_peak, "MB",
                 None),
        ]
    finally:
        database.dispose()


# --------------------------------------------------------------------------- entry points


def run() -> list[dict[str, Any]]:
    """Measure peer statistics (SQLite, and PostgreSQL when configured) and exports."""
    rows = []
    with tempfile.TemporaryDirectory(prefix="ppp-bench-") as folder:
        directory = Path(folder)
        cache: dict[int, Tables] = {}
        rows.extend(_sqlite_peer_rows(directory, cache))
        base = _postgresql_base()
        if base is not None:
            rows.extend(_postgresql_peer_rows(base, cache))
        cache.clear()
        rows.extend(_export_rows(directory, random.Random(SEED + 1)))
    return rows


def _lines(rows: Sequence[dict[str, Any]]) -> Iterator[str]:
    yield f"{'benchmark':<100} {'value':>10} {'baseline':>10} {'ratio':>6}  unit"
    for row in rows:
        baseline = "-" if row["baseline"] is None else f"{row['baseline']:,}"
        ratio = "-" if row["ratio"] is None else f"{row['ratio']:.1f}"
        yield f"{row['name']:<100} {row['value']:>10,} {baseline:>10} {ratio:>6}  {row['unit']}"


def main() -> None:
    """Print the measurements as a table."""
    for line in _lines(run()):
        print(line)


if __name__ == "__main__":
    main()
