"""Who may see and change what. Anything a user may not see is "not found"."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ppp_assess.domain.reference import OrgRole, PlatformRole
from ppp_assess.domain.workflow import Status
from ppp_assess.models import Assessment, Membership, PlatformRoleGrant, Project, User
from ppp_assess.services.errors import NotFound

#: Statuses the review board works on or has decided.
REVIEWABLE = frozenset({Status.submitted, Status.in_review, Status.approved, Status.certified,
                        Status.revoked})
#: Statuses evaluators see.
EVALUATED = frozenset({Status.approved, Status.certified, Status.revoked})


def organisation_ids(session: Session, user: User, *, role: OrgRole | None = None) -> set[int]:
    """Return the ids of the organisations ``user`` belongs to (with ``role``, if given)."""
    query = select(Membership.organisation_id).where(Membership.user_id == user.id)
    if role is not None:
        query = query.where(Membership.role == role)
    return set(session.scalars(query))


def is_member(session: Session, user: User, organisation_id: int) -> bool:
    """Return whether ``user`` belongs to the organisation."""
    return organisation_id in organisation_ids(session, user)


def can_view_assessment(session: Session, user: User, assessment: Assessment) -> bool:
    """Return whether ``user`` may read ``assessment``."""
    if user.has_platform_role(PlatformRole.admin):
        return True
    if is_member(session, user, assessment.organisation_id):
        return True
    if user.has_platform_role(PlatformRole.reviewer) and assessment.status in REVIEWABLE:
        return True
    return user.has_platform_role(PlatformRole.evaluator) and assessment.status in EVALUATED


def get_assessment(session: Session, user: User, assessment_id: int) -> Assessment:
    """Return the assessment if ``user`` may read it.

    :raises NotFound: when it does not exist or ``user`` may not see it.
    """
    assessment = session.get(Assessment, assessment_id)
    if assessment is None or not can_view_assessment(session, user, assessment):
        raise NotFound("This assessment does not exist.")
    return assessment


def get_own_assessment(session: Session, user: User, assessment_id: int) -> Assessment:
    """Return the assessment if it belongs to one of ``user``'s organisations.

    :raises NotFound: otherwise, whatever platform role ``user`` holds.
    """
    assessment = session.get(Assessment, assessment_id)
    if assessment is None or not is_member(session, user, assessment.organisation_id):
        raise NotFound("This assessment does not exist.")
    return assessment


def get_own_project(session: Session, user: User, project_id: int) -> Project:
    """Return the project if it belongs to one of ``user``'s organisations.

    :raises NotFound: otherwise.
    """
    project = session.get(Project, project_id)
    if project is None or not is_member(session, user, project.organisation_id):
        raise NotFound("This project does not exist.")
    return project


def eligible_reviewers(session: Session, assessment: Assessment) -> list[User]:
    """Return the active reviewers who may review ``assessment`` (not of its organisation)."""
    members = select(Membership.user_id).where(
        Membership.organisation_id == assessment.organisation_id)
    return list(session.scalars(
        select(User).join(PlatformRoleGrant, PlatformRoleGrant.user_id == User.id)
        .where(PlatformRoleGrant.role == PlatformRole.reviewer, User.active.is_(True),
               User.id.not_in(members))
        .order_by(User.id)))


def active_members(session: Session, organisation_id: int) -> list[User]:
    """Return the active members of an organisation."""
    return list(session.scalars(
        select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.organisation_id == organisation_id, User.active.is_(True))
        .order_by(User.id)))
