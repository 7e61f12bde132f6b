"""The audit trail of the review cycle, its tamper evidence and its protection on PostgreSQL."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text, update
from sqlalchemy.exc import ProgrammingError
from sqlalchemy.orm import Session

from ppp_assess.config import PROJECT_ROOT
from ppp_assess.models import AuditEvent
from ppp_assess.services import assessments
from ppp_assess.services.assessments import AnswerInput
from ppp_assess.services.audit import AUDIT_KEY, record_event, verify_audit_chain
from ppp_assess.services.questionnaires import questionnaire_of
from tests.conftest import TEST_AUDIT_KEY
from tests.factories import sign_in
from tests.services.review_support import (
    answer_inputs,
    audit_actions_since,
    audit_count,
    reviewer,
)


class Steps:
    """Runs one step at a time and returns the audit actions it recorded, in order."""

    def __init__(self, db) -> None:
        self.db = db

    def __call__(self, step) -> list[str]:
        self.db.commit()
        before = audit_count(self.db)
        self.db.rollback()
        step()
        self.db.commit()
        actions = audit_actions_since(self.db, before)
        self.db.rollback()
        return actions


def _events(db, action: str) -> list[AuditEvent]:
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action == action)
                           .order_by(AuditEvent.sequence)))


def test_each_step_of_the_cycle_leaves_exactly_its_events(client, factory, db) -> None:
    versions = factory.questionnaires()
    version = versions["zero-tolerance-corruption"]
    questionnaire = questionnaire_of(version)
    organisation = factory.organisation()
    respondent = factory.user(organisation=organisation)
    board_member = reviewer(factory)
    db.commit()
    step = Steps(db)
    holder: dict[str, object] = {}

    def start() -> None:
        holder["assessment"] = assessments.start_assessment(
            db, actor=respondent, version=version, organisation_id=organisation.id)

    assert step(start) == ["assessment.started"]
    assessment = holder["assessment"]
    inputs = answer_inputs(questionnaire)
    assert step(lambda: assessments.save_answers(
        db, assessment, inputs, base_version=assessment.version, actor=respondent)) == [
        "answer.changed"] * len(inputs)
    assert step(lambda: assessments.submit_assessment(db, assessment, actor=respondent)) == [
        "assessment.submitted"]

    sign_in(client, board_member.email)
    url = f"/review/{assessment.id}"
    assert step(lambda: client.get("/review/")) == []  # reading leaves no trace
    assert step(lambda: client.post(f"{url}/start", data={})) == []  # refused: no event
    assert step(lambda: client.post(f"{url}/start",
                                    data={"declared_no_conflict": "y"})) == ["review.started"]
    first, second, third = (question.id for question in questionnaire.all_questions()[:3])
    assert step(lambda: client.post(f"{url}/decision", data={
        "decision": "return", "reason": "Add the legal basis.",
        f"comment-{third}": "Is this still current?", f"comment-{first}": "Which law?",
        f"comment-{second}": ""})) == ["review.commented", "review.commented",
                                      "review.returned"]

    other = next(option.value for option in questionnaire.question(first).options
                 if option.value != inputs[first].value)
    assert step(lambda: assessments.save_answers(
        db, assessment, {first: AnswerInput(other, "Decree 12/2024.")},
        base_version=assessment.version, actor=respondent)) == ["answer.changed"]
    assert step(lambda: assessments.submit_assessment(db, assessment, actor=respondent)) == [
        "assessment.submitted"]
    assert step(lambda: client.post(f"{url}/start",
                                    data={"declared_no_conflict": "y"})) == ["review.started"]
    assert step(lambda: client.post(f"{url}/decision", data={
        "decision": "approve", "reason": "Thorough."})) == ["review.approved"]

    # The events say who did what, before and after.
    started = _events(db, "review.started")
    assert [event.actor_id for event in started] == [board_member.id] * 2
    assert started[0].before == {"status": "submitted"}
    assert started[0].after == {"status": "in_review", "reviewer": board_member.id,
                                "submission": 1, "declared_no_conflict": True}
    comments = _events(db, "review.commented")
    assert [(event.after["question"], event.after["body"], event.after["flagged"])
            for event in comments] == [(first, "Which law?", True),
                                       (third, "Is this still current?", True)]
    (returned,) = _events(db, "review.returned")
    assert returned.before == {"status": "in_review"}
    assert returned.after["status"] == "draft"
    assert returned.after["flagged"] == [first, third]
    assert returned.after["reason"] == "Add the legal basis."
    (approved,) = _events(db, "review.approved")
    assert approved.after["status"] == "approved"
    assert approved.after["submission"] == 2
    assert {event.object_id for event in started + comments + [returned, approved]} == {
        str(assessment.id)}
    assert {event.organisation_id for event in [*started, returned, approved]} == {
        organisation.id}
    assert verify_audit_chain(db).ok


def test_editing_an_audit_row_makes_verify_fail_and_name_it(app, client, factory, db) -> None:
    versions = factory.questionnaires()
    version = versions["zero-tolerance-corruption"]
    organisation = factory.organisation()
    respondent = factory.user(organisation=organisation)
    board_member = reviewer(factory)
    assessment = assessments.start_assessment(db, actor=respondent, version=version,
                                              organisation_id=organisation.id)
    assessments.save_answers(db, assessment, answer_inputs(questionnaire_of(version)),
                             base_version=assessment.version, actor=respondent)
    assessments.submit_assessment(db, assessment, actor=respondent)
    db.commit()
    sign_in(client, board_member.email)
    client.post(f"/review/{assessment.id}/start", data={"declared_no_conflict": "y"})
    client.post(f"/review/{assessment.id}/decision",
                data={"decision": "return", "reason": "Add the legal basis."})
    runner = app.test_cli_runner()
    intact = runner.invoke(args=["audit", "verify"])
    assert intact.exit_code == 0, intact.output

    (returned,) = _events(db, "review.returned")
    sequence = returned.sequence
    db.execute(update(AuditEvent).where(AuditEvent.sequence == sequence)
               .values(after={**returned.after, "reason": "Looks fine."}))
    db.commit()
    broken = runner.invoke(args=["audit", "verify"])
    assert broken.exit_code == 1
    assert f"event {sequence}:" in broken.output
    result = verify_audit_chain(db)
    assert not result.ok and result.first_broken_sequence == sequence


# --------------------------------------------------------------------------- PostgreSQL


def _recipe() -> list[str]:
    """Return the SQL statements of the "Audit log on PostgreSQL" recipe in the docs."""
    document = (PROJECT_ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    section = document.split("### Audit log on PostgreSQL", 1)[1]
    block = re.search(r"```sql\n(.*?)```", section, re.DOTALL)
    assert block is not None, "the recipe's SQL block is missing from docs/operations.md"
    return [statement.strip() for statement in block.group(1).split(";") if statement.strip()]


def _refused(connection, statement: str) -> str:
    savepoint = connection.begin_nested()
    try:
        connection.execute(text(statement))
    except ProgrammingError as error:
        savepoint.rollback()
        return str(error.orig)
    savepoint.rollback()
    raise AssertionError(f"allowed: {statement}")


def test_the_documented_role_may_add_audit_events_but_never_change_them(
        database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("Privileges exist only on PostgreSQL; SQLite has no roles or grants. "
                    "Run with TEST_DATABASE_URL=postgresql://... to check the recipe.")
    statements = _recipe()
    assert any(statement.startswith("REVOKE UPDATE, DELETE") for statement in statements)
    role = f"ppp_app_{uuid.uuid4().hex[:10]}"
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            transaction = connection.begin()
            try:
                # Roles and grants are transactional in PostgreSQL: rolling back at the
                # end removes the role again.
                for statement in statements:
                    connection.execute(text(re.sub(r"\bppp_app\b", role, statement)))
                connection.execute(text(f'SET LOCAL ROLE "{role}"'))
                assert connection.execute(text("SELECT current_user")).scalar() == role

                session = Session(bind=connection, join_transaction_mode="create_savepoint",
                                  info={AUDIT_KEY: TEST_AUDIT_KEY})
                event = record_event(session, actor_id=None, action="test.appended",
                                     object_type="test", object_id="1")
                session.flush()
                assert event.sequence >= 1
                count = connection.execute(
                    text("SELECT count(*) FROM audit_events")).scalar()
                assert count is not None and count >= 1

                for statement in (
                        f"UPDATE audit_events SET action = 'forged' WHERE id = {event.id}",
                        f"DELETE FROM audit_events WHERE id = {event.id}",
                        "TRUNCATE audit_events"):
                    assert "permission denied" in _refused(connection, statement)
                # Everything else the application does stays allowed, the schema's
                # functions included (the autosave's lock with its answers read).
                assert connection.execute(text(
                    "SELECT count(*) FROM assessment_locked_answers(0, 0)")).scalar() == 0
                connection.execute(text("UPDATE users SET name = name WHERE false"))
                connection.execute(text("DELETE FROM review_comments WHERE false"))
                session.close()
            finally:
                transaction.rollback()
        with engine.connect() as connection:
            exists = connection.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :role"),
                                        {"role": role}).scalar()
            assert exists is None
    finally:
        engine.dispose()


def test_the_recipe_is_found_in_the_docs() -> None:
    statements = _recipe()
    assert statements[0].startswith("CREATE ROLE ppp_app")
    assert "REVOKE UPDATE, DELETE, TRUNCATE ON audit_events FROM ppp_app" in statements
    assert Path(PROJECT_ROOT / "docs" / "operations.md").exists()
