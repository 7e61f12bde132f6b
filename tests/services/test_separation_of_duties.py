"""Separation of duties: one person never both approves and certifies, nor empowers
themselves, and the people who review or certify an organisation never join it."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from ppp_assess.domain.reference import OrgRole, PlatformRole
from ppp_assess.domain.workflow import Status
from ppp_assess.models import AuditEvent, Certificate
from ppp_assess.services import accounts, permissions
from ppp_assess.services.errors import Conflict, Forbidden
from tests.certificate_support import admin, assessment_in, evaluator, issue


def _events(db) -> int:
    return db.scalar(select(func.count()).select_from(AuditEvent)) or 0


def test_the_approver_cannot_issue_the_certificate(app, db, factory) -> None:
    both = factory.user(role=None, name="Claire Reviewer",
                        platform_roles=(PlatformRole.reviewer, PlatformRole.evaluator))
    scenario = assessment_in(db, factory, "approved", reviewer=both)
    assessment = scenario.assessment
    assert not permissions.can_issue_certificate(db, both, assessment)
    events = _events(db)
    with pytest.raises(Forbidden) as refused:
        issue(db, app, assessment, both)
    assert refused.value.code == "own_approval"
    assert assessment.status == Status.approved
    assert db.scalar(select(func.count()).select_from(Certificate)) == 0
    assert _events(db) == events
    # A second person issues it.
    other = evaluator(factory)
    assert permissions.can_issue_certificate(db, other, assessment)
    certificate = issue(db, app, assessment, other)
    assert certificate.issued_by_id == other.id


def test_nobody_grants_a_role_to_themselves(db, factory) -> None:
    administrator = admin(factory)
    events = _events(db)
    with pytest.raises(Forbidden) as refused:
        accounts.grant_platform_role(db, user=administrator, role=PlatformRole.evaluator,
                                     actor_id=administrator.id)
    assert refused.value.code == "own_role"
    assert not administrator.has_platform_role(PlatformRole.evaluator)
    assert _events(db) == events
    # Another administrator can, and so can the operator's command line (no actor).
    other = admin(factory)
    accounts.grant_platform_role(db, user=administrator, role=PlatformRole.evaluator,
                                 actor_id=other.id)
    accounts.grant_platform_role(db, user=administrator, role=PlatformRole.reviewer)
    assert administrator.has_platform_role(PlatformRole.evaluator)
    assert administrator.has_platform_role(PlatformRole.reviewer)


@pytest.mark.parametrize("role", [PlatformRole.reviewer, PlatformRole.evaluator])
def test_reviewers_and_evaluators_are_never_made_members(db, factory, role) -> None:
    organisation = factory.organisation()
    org_admin = factory.user(organisation=organisation, role=OrgRole.org_admin)
    outsider = factory.user(role=None, platform_roles=(role,))
    with pytest.raises(Conflict) as refused:
        accounts.invite_member(db, org_admin, organisation.id, email=outsider.email,
                               name=outsider.name, role=OrgRole.respondent)
    assert refused.value.code == "independent_role"
    assert not permissions.is_member(db, outsider, organisation.id)
