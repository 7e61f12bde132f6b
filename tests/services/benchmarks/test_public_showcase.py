"""The public showcase: what organisations publish, and the audit of it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from ppp_assess.domain.reference import OrgRole
from ppp_assess.models import AuditEvent, QuestionnaireVersion
from ppp_assess.services.benchmarks.public_showcase import set_showcased, showcase
from tests.services.benchmark_support import approved_through_services


@pytest.fixture
def versions(factory) -> dict[str, QuestionnaireVersion]:
    return factory.questionnaires()


@pytest.fixture
def people_first(versions) -> QuestionnaireVersion:
    return versions["people-first"]


def test_showcase_changes_are_audited(db, factory, people_first) -> None:
    assessment = approved_through_services(db, factory, people_first)
    admin = factory.user(organisation=assessment.organisation, role=OrgRole.org_admin)
    assert showcase(db) == []
    set_showcased(db, assessment.id, actor=admin, publish=True)
    assert [entry.assessment_id for entry in showcase(db)] == [assessment.id]
    set_showcased(db, assessment.id, actor=admin, publish=False)
    assert showcase(db) == []
    actions = list(db.scalars(select(AuditEvent.action).where(
        AuditEvent.object_id == str(assessment.id),
        AuditEvent.action.like("assessment.showcase%")).order_by(AuditEvent.sequence)))
    assert actions == ["assessment.showcased", "assessment.showcase_withdrawn"]
