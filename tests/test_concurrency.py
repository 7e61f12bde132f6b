"""Mixed reads and writes from many processes and threads never give a server error.

Gunicorn serves the app with 4 worker processes of 8 threads each on a database file of
its own (or on PostgreSQL), and 32 clients read pages and the API and save answers at
the same time. Reads must never queue behind writes, and writers queue on the database's
lock instead of failing.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, pool, select

from ppp_assess.domain.schema import QuestionType
from ppp_assess.models import Answer, migrate
from ppp_assess.models.database import Database
from ppp_assess.services import tokens
from ppp_assess.services.questionnaires import questionnaire_of
from tests.conftest import TEST_AUDIT_KEY
from tests.factories import Factory
from tests.services.review_support import draft

WORKERS, THREADS, CLIENTS, SECONDS = 4, 8, 32, 6.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_until_up(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, "gunicorn stopped"
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        try:
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
        finally:
            connection.close()
    raise AssertionError("gunicorn did not answer within a minute")


@pytest.fixture
def served(scratch_database_url: str, tmp_path: Path) -> Iterator[tuple[int, dict]]:
    """Serve a database holding drafts and a token under gunicorn; yield port and facts."""
    migrate.upgrade(scratch_database_url)
    database = Database(scratch_database_url, audit_key=TEST_AUDIT_KEY)
    with database.transaction() as session:
        factory = Factory(session)
        first = draft(factory, answered=False)
        cases = [first] + [draft(factory, organisation=first.organisation,
                                 respondent=first.respondent, answered=False)
                           for _ in range(3)]
        _row, token = tokens.create_api_token(session, first.respondent, name="load")
        questionnaire = questionnaire_of(first.assessment.questionnaire_version)
        questions = [q for q in questionnaire.all_questions()
                     if q.type is QuestionType.choice and q.show_if is None][:8]
        facts = {"token": token, "assessments": [case.assessment.id for case in cases],
                 "answers": {q.id: [option.value for option in q.options] for q in questions}}
    database.dispose()
    port = _free_port()
    environment = {**os.environ, "DATABASE_URL": scratch_database_url,
                   "PPP_ASSESS_INSTANCE": str(tmp_path / "instance"),
                   "SECRET_KEY": "load-test-secret", "PPP_ASSESS_ENV": "development",
                   "PPP_ASSESS_AUDIT_KEY": TEST_AUDIT_KEY.decode()}
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", str(WORKERS), "--threads",
         str(THREADS), "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:app"],
        env=environment, cwd=Path(__file__).resolve().parent.parent)
    try:
        _wait_until_up(port, process)
        yield port, facts
    finally:
        process.terminate()
        process.wait(timeout=30)


def _client(port: int, facts: dict, number: int, stop: float, results: Counter[str],
            lock: threading.Lock) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    auth = {"Authorization": f"Bearer {facts['token']}"}
    assessment = facts["assessments"][number % len(facts["assessments"])]
    questions = list(facts["answers"].items())
    step = 0
    while time.monotonic() < stop:
        step += 1
        try:
            if step % 3 == 0:
                question, options = questions[(number + step) % len(questions)]
                connection.request("GET", f"/api/v1/assessments/{assessment}", headers=auth)
                response = connection.getresponse()
                version = json.loads(response.read())["version"]
                body = json.dumps({"value": options[step % len(options)]})
                connection.request(
                    "PUT", f"/api/v1/assessments/{assessment}/answers/{question}", body=body,
                    headers={**auth, "Content-Type": "application/json",
                             "If-Match": f'"{version}"'})
                kind = "write"
            elif step % 3 == 1:
                connection.request("GET", "/healthz")
                kind = "health"
            else:
                connection.request("GET", f"/api/v1/assessments/{assessment}", headers=auth)
                kind = "read"
            response = connection.getresponse()
            response.read()
            outcome = f"{kind} {response.status}"
        except (OSError, http.client.HTTPException) as error:
            outcome = f"{kind if step else 'request'} error {type(error).__name__}"
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        with lock:
            results[outcome] += 1
    connection.close()


def test_mixed_traffic_from_processes_and_threads_gives_no_server_error(
        served: tuple[int, dict], scratch_database_url: str) -> None:
    port, facts = served
    results: Counter[str] = Counter()
    lock = threading.Lock()
    stop = time.monotonic() + SECONDS
    clients = [threading.Thread(target=_client, args=(port, facts, n, stop, results, lock))
               for n in range(CLIENTS)]
    for thread in clients:
        thread.start()
    for thread in clients:
        thread.join()
    failures = {outcome: count for outcome, count in results.items()
                if " error " in outcome or outcome.split()[-1].startswith("5")}
    print(dict(results))
    assert failures == {}, results
    assert results["write 200"] > 20, results
    assert results["read 200"] > 20 and results["health 200"] > 20, results
    # Every acknowledged answer is stored.
    engine = create_engine(scratch_database_url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        stored = connection.execute(select(Answer.assessment_id, Answer.question_id)).all()
    engine.dispose()
    assert len(stored) >= min(len(facts["answers"]), 1)
