"""Demonstration data."""

from __future__ import annotations

from sqlalchemy import func, select

from ppp_assess.config import PROJECT_ROOT
from ppp_assess.domain.workflow import Status
from ppp_assess.models import (
    Answer,
    Assessment,
    AuditEvent,
    Base,
    Organisation,
    QuestionnaireVersion,
    User,
)
from ppp_assess.services.audit import verify_audit_chain
from ppp_assess.services.demo import seed_demo
from ppp_assess.services.passwords import verify_password

QUESTIONNAIRES = PROJECT_ROOT / "questionnaires"


def _counts(db) -> dict[str, int]:
    return {table.name: db.scalar(select(func.count()).select_from(table))
            for table in Base.metadata.sorted_tables}


def test_seed_creates_meaningful_data(db) -> None:
    report = seed_demo(db, questionnaire_dir=QUESTIONNAIRES, password="demo-password-123")
    db.commit()
    assert report.created
    emails = set(db.scalars(select(User.email)))
    assert {"respondent@demo.test", "orgadmin@demo.test", "reviewer@demo.test",
            "evaluator@demo.test", "admin@demo.test", "respondent2@demo.test"} <= emails
    user = db.scalar(select(User).where(User.email == "respondent@demo.test"))
    assert verify_password(user.password_hash, "demo-password-123")
    assert db.scalar(select(func.count(func.distinct(Organisation.country)))) >= 5
    assert db.scalar(select(func.count()).select_from(Assessment)) >= 40
    statuses = set(db.scalars(select(Assessment.status).distinct()))
    assert {Status.draft, Status.submitted, Status.in_review, Status.approved} <= statuses
    # Each of the three questionnaires is published in its versions 1.0 and 2.0; the demo
    # answers the newest one.
    assert db.scalar(select(func.count()).select_from(QuestionnaireVersion)) == 6
    assert set(db.scalars(select(QuestionnaireVersion.version).join(
        Assessment, Assessment.questionnaire_version_id == QuestionnaireVersion.id))) == {"2.0"}
    # Enough approved assessments of each questionnaire for a peer group of 5.
    approved = db.execute(
        select(Assessment.questionnaire_version_id, func.count())
        .where(Assessment.status == Status.approved)
        .group_by(Assessment.questionnaire_version_id)
    ).all()
    assert len(approved) == 3 and all(count >= 5 for _, count in approved)
    assert db.scalar(select(func.count()).select_from(Answer)) > 1000
    assert verify_audit_chain(db).ok


def test_seed_is_deterministic_and_idempotent(db) -> None:
    seed_demo(db, questionnaire_dir=QUESTIONNAIRES, password="demo-password-123")
    db.commit()
    before = _counts(db)
    scores = db.execute(select(Assessment.id, Assessment.score, Assessment.status)
                        .order_by(Assessment.id)).all()
    last_event = db.scalar(select(func.max(AuditEvent.sequence)))
    again = seed_demo(db, questionnaire_dir=QUESTIONNAIRES, password="other-password-456")
    db.commit()
    assert not again.created
    assert _counts(db) == before
    assert db.execute(select(Assessment.id, Assessment.score, Assessment.status)
                      .order_by(Assessment.id)).all() == scores
    assert db.scalar(select(func.max(AuditEvent.sequence))) == last_event


def test_cli_seed_refuses_production(make_app) -> None:
    app = make_app()
    # Production settings are checked before anything is written.
    from dataclasses import replace

    app.extensions["ppp_settings"] = replace(app.extensions["ppp_settings"], env="production")
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code != 0
    assert "refuses to run in production" in result.output


def test_cli_seed_twice(app, db) -> None:
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"], env={"DEMO_PASSWORD": "demo-password-123"})
    assert first.exit_code == 0, first.output
    assert "Demo data created" in first.output
    # Not a terminal here: progress as plain lines on standard error, up to the whole plan.
    assert "Creating demo assessments: " in first.stderr
    done, total = first.stderr.strip().splitlines()[-1].rsplit(" ", 1)[1].split("/")
    assert done == total and int(total) > 0
    second = runner.invoke(args=["seed-demo"], env={"DEMO_PASSWORD": "demo-password-123"})
    assert second.exit_code == 0, second.output
    assert "already present" in second.output
