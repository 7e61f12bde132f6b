"""The one way services change an assessment's status, and the audit event it writes."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select

import ppp_assess
from ppp_assess.domain.workflow import Action, Status
from ppp_assess.models import AuditEvent
from ppp_assess.services.errors import Conflict
from ppp_assess.services.lifecycle import apply_action, change_status
from tests.services.review_support import audit_actions_since, audit_count, draft, submitted

SERVICES = Path(ppp_assess.__file__).parent / "services"


def _last_event(db) -> AuditEvent:
    return db.scalars(select(AuditEvent).order_by(AuditEvent.sequence.desc()).limit(1)).one()


def test_a_change_moves_the_status_bumps_the_version_and_is_audited(db, factory) -> None:
    case = submitted(factory)
    assessment = case.assessment
    version = assessment.version
    when = dt.datetime(2026, 5, 4, 3, 2, 1, tzinfo=dt.UTC)
    new = change_status(db, assessment, Action.start_review, actor=case.reviewer,
                        event="review.started", now=when, details={"reviewer": 7})
    assert new == assessment.status == Status.in_review
    assert assessment.version == version + 1
    assert assessment.updated_at == when
    event = _last_event(db)
    assert (event.action, event.actor_id, event.object_type, event.object_id) == (
        "review.started", case.reviewer.id, "assessment", str(assessment.id))
    assert event.organisation_id == case.organisation.id
    assert event.before == {"status": "submitted"}
    assert event.after == {"status": "in_review", "reviewer": 7}


def test_an_event_about_another_object_names_the_assessment(db, factory) -> None:
    case = submitted(factory)
    assessment = case.assessment
    change_status(db, assessment, Action.start_review, actor=case.reviewer,
                  event="certificate.issued", object_type="certificate", object_id="PPP-X",
                  details={"serial": "PPP-X"})
    event = _last_event(db)
    assert (event.object_type, event.object_id) == ("certificate", "PPP-X")
    assert event.before == {"assessment": assessment.id, "status": "submitted"}
    assert event.after == {"assessment": assessment.id, "status": "in_review",
                           "serial": "PPP-X"}


@pytest.mark.parametrize("action", [Action.start_review, Action.approve, Action.certify])
def test_an_action_the_lifecycle_refuses_changes_nothing(db, factory, action) -> None:
    case = draft(factory)
    assessment = case.assessment
    version, events = assessment.version, audit_count(db)
    with pytest.raises(Conflict) as refused:
        change_status(db, assessment, action, actor=case.respondent, event="nothing")
    assert refused.value.code == "invalid_transition"
    with pytest.raises(Conflict):
        apply_action(assessment, action)
    assert (assessment.status, assessment.version) == (Status.draft, version)
    assert audit_actions_since(db, events) == []


def _status_assignments(path: Path) -> list[int]:
    """Return the lines of ``path`` that assign to an attribute named ``status``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    lines = []
    for node in ast.walk(tree):
        targets = (node.targets if isinstance(node, ast.Assign)
                   else [node.target] if isinstance(node, ast.AugAssign | ast.AnnAssign)
                   else [])
        lines.extend(node.lineno for target in targets
                     if isinstance(target, ast.Attribute) and target.attr == "status")
    return lines


def test_services_change_a_status_only_through_the_lifecycle() -> None:
    offenders = {str(path.relative_to(SERVICES)): lines
                 for path in sorted(SERVICES.rglob("*.py"))
                 if path.name != "lifecycle.py" and (lines := _status_assignments(path))}
    assert offenders == {}


def test_the_check_sees_a_status_assignment(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("def f(a):\n    a.status = 'x'\n    b = a.status\n", encoding="utf-8")
    assert _status_assignments(sample) == [2]
