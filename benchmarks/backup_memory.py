"""Peak memory of ``flask data export`` and ``flask data import`` as the database grows.

Builds a SQLite database of N assessments of the zero-tolerance questionnaire (each with
five answers, two section scores and one audit event in a verifying chain), then runs,
each in a process of its own under ``/usr/bin/time``:

1. ``flask data export`` of the SQLite database,
2. ``flask data import`` of that archive into a new PostgreSQL database,
3. ``flask data export`` of the PostgreSQL database,

and prints each one's peak resident memory and time. Both ways stream, so the peaks
stay the same from one size to the next while the time grows with the rows::

    .venv/bin/python -m benchmarks.backup_memory 10000 100000

PostgreSQL: ``BACKUP_BENCH_POSTGRESQL`` (default ``postgresql://postgres@127.0.0.1:5432``);
the databases it creates (``backup_bench_<N>``) are dropped at the end.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, insert, text

from ppp_assess import create_app
from ppp_assess.config import PROJECT_ROOT
from ppp_assess.domain.audit import next_event
from ppp_assess.domain.loader import load_questionnaire
from ppp_assess.models import (
    Answer,
    Assessment,
    AuditEvent,
    Organisation,
    SectionScore,
    User,
    migrate,
)
from ppp_assess.services.audit import chain_head
from ppp_assess.services.questionnaires import publish_questionnaire
from ppp_assess.unit_of_work import get_database

AUDIT_KEY = "backup-benchmark-audit-key-0123456789abcdef"
QUESTIONNAIRE_FILE = PROJECT_ROOT / "questionnaires" / "zero-tolerance-corruption.yaml"
SERVER = os.environ.get("BACKUP_BENCH_POSTGRESQL", "postgresql://postgres@127.0.0.1:5432")
BATCH = 5000


def _settings(url: str, instance: Path) -> dict[str, Any]:
    return {"env": "testing", "database_url": url, "instance_path": str(instance),
            "secret_key": "bench", "audit_key": AUDIT_KEY, "base_url": "http://ppp.test"}


def build(url: str, instance: Path, count: int) -> None:
    """Fill the migrated database at ``url`` with ``count`` assessments."""
    app = create_app(_settings(url, instance))
    questionnaire = load_questionnaire(QUESTIONNAIRE_FILE)
    questions = [question.id for question in questionnaire.all_questions()][:5]
    sections = [section.id for section in questionnaire.sections][:2]
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    with get_database(app).transaction() as session:
        version = publish_questionnaire(session, questionnaire).version
        connection = session.connection()
        organisations = [{"id": number, "name": f"Organisation {number}", "country": "KZ",
                          "region": "central_asia", "active": True, "created_at": now}
                         for number in range(1, 101)]
        connection.execute(insert(Organisation), organisations)
        connection.execute(insert(User), [{"id": 1, "email": "bench@example.org",
                                           "name": "Bench", "active": True,
                                           "session_version": 1, "created_at": now}])
        head = chain_head(session)
        for start in range(1, count + 1, BATCH):
            ids = range(start, min(start + BATCH, count + 1))
            connection.execute(insert(Assessment), [{
                "id": number, "questionnaire_version_id": version.id,
                "subject_type": "organisation", "organisation_id": 1 + number % 100,
                "status": "draft", "version": 2, "created_by_id": 1, "score": number % 97 + 0.5,
                "level": "developing", "completion": 0.25, "created_at": now,
                "updated_at": now} for number in ids])
            connection.execute(insert(Answer), [{
                "assessment_id": number, "question_id": question, "value": "yes",
                "comment": "Stated in the annual report.", "evidence": [], "version": 2,
                "updated_by_id": 1, "updated_at": now}
                for number in ids for question in questions])
            connection.execute(insert(SectionScore), [{
                "assessment_id": number, "section_id": section, "score": 50.0}
                for number in ids for section in sections])
            events = []
            for number in ids:
                event, digest = next_event(
                    head, key=AUDIT_KEY.encode(), occurred_at=now, actor_id=1,
                    action="assessment.started", object_type="assessment",
                    object_id=str(number), organisation_id=1 + number % 100,
                    after={"status": "draft"})
                head = (event.sequence, digest)
                events.append({"sequence": event.sequence, "occurred_at": event.occurred_at,
                               "actor_id": 1, "action": event.action,
                               "object_type": event.object_type,
                               "object_id": event.object_id,
                               "organisation_id": event.organisation_id,
                               "before": None, "after": event.after,
                               "prev_hash": event.prev_hash, "hash": digest})
            connection.execute(insert(AuditEvent), events)
    get_database(app).dispose()


def _measure(args: list[str], url: str, instance: Path) -> tuple[int, float]:
    """Run ``flask ARGS`` on ``url``; return its peak resident memory (KiB) and seconds."""
    environment = dict(os.environ, DATABASE_URL=url, PPP_ASSESS_INSTANCE=str(instance),
                       PPP_ASSESS_AUDIT_KEY=AUDIT_KEY, SECRET_KEY="bench")
    report = instance / "time.txt"
    started = time.perf_counter()
    subprocess.run(["/usr/bin/time", "-f", "%M", "-o", str(report), sys.executable, "-m",
                    "flask", "--app", "wsgi", *args], env=environment, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return int(report.read_text().split()[-1]), time.perf_counter() - started


def run_size(count: int, folder: Path) -> list[tuple[str, int, float]]:
    """Build ``count`` assessments and measure the three commands."""
    instance = folder / f"instance-{count}"
    sqlite = f"sqlite:///{folder / f'source-{count}.sqlite3'}"
    migrate.upgrade(sqlite)
    build(sqlite, instance, count)
    archive = folder / f"backup-{count}.zip"
    name = f"backup_bench_{count}"
    admin = create_engine(f"{SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    postgresql = f"{SERVER}/{name}"
    try:
        migrate.upgrade(postgresql)
        results = [("export SQLite", *_measure(["data", "export", "-o", str(archive)],
                                                sqlite, instance))]
        results.append(("import PostgreSQL", *_measure(["data", "import", str(archive)],
                                                       postgresql, instance)))
        results.append(("export PostgreSQL", *_measure(
            ["data", "export", "-o", str(folder / f"again-{count}.zip")], postgresql,
            instance)))
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return results


def main(argv: list[str]) -> int:
    """Measure at every size given (default: 10 000 and 100 000 assessments)."""
    sizes = [int(value) for value in argv] or [10_000, 100_000]
    print(f"{'assessments':>12}  {'command':18} {'peak RSS MiB':>12} {'seconds':>8}")
    with tempfile.TemporaryDirectory(prefix="backup-bench-") as folder:
        for count in sizes:
            for command, peak, seconds in run_size(count, Path(folder)):
                print(f"{count:>12}  {command:18} {peak / 1024:>12.1f} {seconds:>8.1f}",
                      flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
