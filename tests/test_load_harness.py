"""The load harness of ``benchmarks/load`` runs, finds nothing wrong, and can fail.

A short run (8 users for 8 s on SQLite under gunicorn) must report no server error and
no lost acknowledged write; changing a stored answer behind the run's back must make the
lost-write check fail, so that its passing means something. A writer also waits for
SQLite's write lock longer than the load showed it needs, instead of failing.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from benchmarks.load import check, run, seed
from ppp_assess.models import Answer, migrate
from ppp_assess.models.database import Database
from ppp_assess.services.questionnaires import publish_directory
from tests.conftest import TEST_AUDIT_KEY


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("load")
    report = run.run(seconds=8, respondents=6, reviewers=1, evaluators=1, folder=folder,
                     database_url=None, workers=2, threads=4, think=0.5, organisations=2)
    return report


@pytest.mark.slow
def test_a_short_run_reports_no_server_error_and_no_lost_write(quick_run) -> None:
    total, verdict = quick_run["total"], quick_run["check"]
    assert quick_run["problems"] == []
    assert total["5xx"] == total["503"] == total["no_answer"] == 0
    assert total["requests"] > 50
    assert verdict["acknowledged_writes"] > 20
    assert verdict["lost"] == verdict["phantom"] == verdict["half_written"] == 0
    assert verdict["audit_chain_ok"]
    endpoints = {row["endpoint"] for row in quick_run["endpoints"]}
    assert run.SAVE in endpoints and "GET /evaluations/export.csv" in endpoints


@pytest.mark.slow
def test_the_lost_write_check_fails_when_a_stored_answer_is_changed(quick_run) -> None:
    folder = Path(quick_run["folder"])

    record = json.loads((folder / "locust-record.json").read_text(encoding="utf-8"))
    plan = json.loads((folder / "plan.json").read_text(encoding="utf-8"))
    url = f"sqlite:///{folder / 'load.sqlite3'}"
    database = Database(url, audit_key=TEST_AUDIT_KEY)
    ids = seed.seeded_assessments(plan)
    acknowledged = [w for w in record["writes"] if w["outcome"] == "ack"]
    last = acknowledged[-1]
    assert check.check_writes(database, record["writes"], ids, audit_chain=False).ok
    with database.transaction() as session:
        row = session.scalars(select(Answer).where(
            Answer.assessment_id == last["assessment"],
            Answer.question_id == last["question"])).one()
        row.comment = "changed behind the harness's back"
    verdict = check.check_writes(database, record["writes"], ids, audit_chain=False)
    database.dispose()
    assert not verdict.ok
    assert len(verdict.lost) == 1
    assert last["comment"] in verdict.lost[0]


def test_a_refused_write_that_is_stored_is_reported(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'check.sqlite3'}"
    migrate.upgrade(url)
    database = Database(url, audit_key=TEST_AUDIT_KEY)
    plan = seed.seed(database, seed.SeedCounts(1, 0, 0, organisations=1), tag="t")
    assessment = plan["respondents"][0]["assessment"]
    with database.reading() as session:
        row = session.scalars(select(Answer).where(Answer.assessment_id == assessment)).first()
        assert row is not None
        stored = {"assessment": assessment, "question": row.question_id, "value": row.value,
                  "comment": row.comment, "version": row.version}
    writes = [{**stored, "outcome": "refused"}]
    verdict = check.check_writes(database, writes, [assessment])
    assert verdict.phantom and not verdict.lost
    assert check.check_writes(database, [{**stored, "outcome": "ack"}], [assessment]).ok
    database.dispose()


@pytest.mark.slow
def test_a_writer_waits_for_the_sqlite_write_lock_longer_than_five_seconds(
        tmp_path: Path) -> None:
    path = tmp_path / "busy.sqlite3"
    url = f"sqlite:///{path}"
    migrate.upgrade(url)
    database = Database(url, audit_key=TEST_AUDIT_KEY)
    with database.reading() as session:  # the first connection switches the file to WAL
        session.execute(select(1))
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    release = threading.Timer(6.0, lambda: holder.execute("COMMIT"))
    release.start()
    started = time.monotonic()
    try:
        with database.transaction() as session:
            publish_directory(session, seed.QUESTIONNAIRES)
    finally:
        release.join()
        holder.close()
        database.dispose()
    assert time.monotonic() - started >= 5.5
