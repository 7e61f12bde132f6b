"""SQL statements per page, with 10 and with 10 000 decided assessments stored.

A scratch SQLite file is seeded by the load harness's seeder (2 respondents, an
evaluator; 9 decided assessments beside them, topped up to 10), then the section page
(as kept once rendered, and rendered afresh), the autosave, the respondent's list and
the evaluators' dashboard are each requested once to warm the caches and once counted
(the engine's ``before_cursor_execute`` event). Copies of one approved assessment, made
in SQL, then bring the decided assessments to 10 000, and the pages are counted again.
The goal: at most 20 per page, and the same count at both sizes.
``tests/web/test_statement_budget.py`` asserts the same.
"""

from __future__ import annotations

import secrets
import tempfile
from collections.abc import Callable
from typing import Any

from sqlalchemy import event, text

from benchmarks.load import seed
from benchmarks.load.run import AUDIT_KEY
from ppp_assess import create_app
from ppp_assess.models import Assessment, migrate
from ppp_assess.models.database import Database
from ppp_assess.unit_of_work import get_database
from ppp_assess.web.page_cache import rendered_pages
from tests.factories import sign_in

BUDGET = 20
FEW = 10
MANY = 10_000


def _count(app: Any, request: Callable[[], Any]) -> int:
    assert request().status_code == 200
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])

    engines = get_database(app).engines
    for engine in engines:
        event.listen(engine, "before_cursor_execute", record)
    try:
        assert request().status_code == 200
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", record)
    return len(statements)


def _decided(database: Database) -> int:
    with database.transaction() as session:
        return int(session.execute(text(
            "SELECT COUNT(*) FROM assessments WHERE status IN ('approved', 'certified')"
        )).scalar_one())


def _clone_to(database: Database, total: int) -> None:
    """Copy one approved assessment (row, section scores, submission, question scores)."""
    columns = ", ".join(column.name for column in Assessment.__table__.columns
                        if column.name != "id")
    with database.transaction() as session:
        template = session.execute(text(
            "SELECT MAX(id) FROM assessments WHERE status = 'approved'")).scalar_one()
        copies = total - int(session.execute(text(
            "SELECT COUNT(*) FROM assessments WHERE status IN ('approved', 'certified')"
        )).scalar_one())
        if copies <= 0:
            return
        first = session.execute(text("SELECT MAX(id) FROM assessments")).scalar_one() + 1
        session.execute(text(f"INSERT INTO assessments ({columns}) SELECT {columns} "
                             "FROM assessments WHERE id = :template"),
                        [{"template": template}] * copies)
        new = {"template": template, "first": first}
        session.execute(text(
            "INSERT INTO section_scores (assessment_id, section_id, score) "
            "SELECT a.id, s.section_id, s.score FROM assessments a, section_scores s "
            "WHERE a.id >= :first AND s.assessment_id = :template"), new)
        session.execute(text(
            "INSERT INTO submissions (assessment_id, number, submitted_by_id, submitted_at, "
            "answers, score) SELECT a.id, s.number, s.submitted_by_id, s.submitted_at, "
            "s.answers, s.score FROM assessments a, submissions s "
            "WHERE a.id >= :first AND s.assessment_id = :template"), new)
        session.execute(text(
            "INSERT INTO question_scores (assessment_id, submission_id, question_id, "
            "points_lost) SELECT s.assessment_id, s.id, q.question_id, q.points_lost "
            "FROM submissions s, question_scores q "
            "WHERE s.assessment_id >= :first AND q.assessment_id = :template"), new)


def run() -> list[dict[str, Any]]:
    """Count the statements of each page at both sizes."""
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/statements.sqlite3"
        migrate.upgrade(url)
        database = Database(url, audit_key=AUDIT_KEY.encode())
        tag = secrets.token_hex(4)
        plan = seed.seed(database, seed.SeedCounts(2, 1, 1, 3), tag=tag)
        _clone_to(database, FEW)
        app = create_app({"env": "testing", "database_url": url, "instance_path": folder,
                          "secret_key": "bench", "audit_key": AUDIT_KEY,
                          "base_url": "http://ppp.test"})
        respondent, evaluator = app.test_client(), app.test_client()
        password = f"load-{tag}-password"
        sign_in(respondent, f"respondent0.{tag}@load.test", password)
        sign_in(evaluator, f"evaluator0.{tag}@load.test", password)
        draft = plan["respondents"][0]
        question = next(qid for qid, values in plan["values"].items() if len(values) >= 2)
        values = plan["values"][question][:2]
        api = f"/api/v1/assessments/{draft['assessment']}"
        headers = {"Authorization": f"Bearer {draft['token']}"}
        state = {"version": respondent.get(api, headers=headers).get_json()["version"],
                 "turn": 0}

        def autosave() -> Any:
            state["turn"] += 1
            response = respondent.put(f"{api}/answers/{question}",
                                      json={"value": values[state["turn"] % 2]},
                                      headers={**headers, "If-Match": str(state["version"])})
            state["version"] = response.get_json().get("version", state["version"])
            return response

        section = f"/assessments/{draft['assessment']}/sections/{plan['sections'][0]['id']}"
        kept = rendered_pages(app)

        def rendered_section() -> Any:
            if kept is not None:
                kept.clear()
            return respondent.get(section)

        pages: dict[str, Callable[[], Any]] = {
            "section page": lambda: respondent.get(section),
            "section page, rendered afresh": rendered_section,
            "autosave": autosave,
            "my assessments": lambda: respondent.get("/assessments/"),
            "evaluators' dashboard": lambda: evaluator.get("/evaluations"),
        }
        few = {name: _count(app, page) for name, page in pages.items()}
        stored_few = _decided(database)
        _clone_to(database, MANY)
        stored_many = _decided(database)
        many = {name: _count(app, page) for name, page in pages.items()}
        get_database(app).dispose()
        database.dispose()
    return [{"name": f"SQL statements, {name}, {stored_few:,} vs {stored_many:,} decided",
             "value": float(many[name]), "unit": "statements", "baseline": float(few[name]),
             "ratio": None, "goal": f"<= {BUDGET}, the same at both",
             "passed": many[name] == few[name] <= BUDGET} for name in pages]
