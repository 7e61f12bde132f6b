"""The public showcase: the project results their organisations chose to publish."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ppp_assess.domain.reference import OrgRole, SubjectType
from ppp_assess.models import Assessment, Certificate, Organisation, Project
from ppp_assess.models.base import utcnow
from ppp_assess.services.audit import record_event
from ppp_assess.services.benchmarks.peers import DECIDED
from ppp_assess.services.errors import Conflict, NotFound
from ppp_assess.services.permissions import (
    Person,
    can_view_organisation,
    ensure_can_publish,
    lock_assessment_row,
    organisation_ids,
)
from ppp_assess.services.questionnaires import questionnaire_of


@dataclass(frozen=True)
class ShowcaseEntry:
    """One published project result on the public showcase."""

    assessment_id: int
    project_name: str
    organisation_name: str
    country: str
    sector: str
    questionnaire_title: str
    score: float | None
    level: str | None
    #: The level label (a msgid).
    level_label: str | None
    certificate_serial: str | None
    showcased_at: dt.datetime


def showcase_candidates(session: Session, user: Person) -> list[Assessment]:
    """Return the decided project assessments ``user`` may publish or withdraw."""
    organisations = organisation_ids(session, user, role=OrgRole.org_admin)
    return list(session.scalars(
        select(Assessment)
        .where(Assessment.organisation_id.in_(organisations),
               Assessment.subject_type == SubjectType.project,
               Assessment.status.in_(DECIDED))
        .options(selectinload(Assessment.project),
                 selectinload(Assessment.organisation),
                 selectinload(Assessment.questionnaire_version))
        .order_by(Assessment.approved_at.desc().nulls_last(), Assessment.id.desc())
    ))


def set_showcased(session: Session, assessment_id: int, *, actor: Person,
                  publish: bool) -> Assessment:
    """Publish a decided project assessment on the public showcase, or withdraw it.

    Only an administrator of the owning organisation may publish; they, or a platform
    administrator, may withdraw. Doing what is already done changes nothing.

    :raises NotFound: when the actor may not see the assessment.
    :raises Forbidden: when the actor is a member but not an administrator of it.
    :raises Conflict: when publishing an assessment that is not an approved or certified
        project assessment.
    """
    assessment = session.get(Assessment, assessment_id)
    if assessment is None or not can_view_organisation(session, actor, assessment.organisation):
        raise NotFound("This assessment does not exist.")
    lock_assessment_row(session, assessment)
    ensure_can_publish(session, actor, assessment, publish=publish)
    if publish:
        if assessment.subject_type != SubjectType.project:
            raise Conflict("Only project assessments can be shown publicly.",
                           code="not_a_project")
        if assessment.status not in DECIDED:
            raise Conflict("Only approved or certified assessments can be shown publicly.",
                           code="not_decided")
    names = _current_names(assessment) if publish else (None, None)
    if (assessment.showcased_at is not None) == publish and (
            not publish or published_names(assessment) == names):
        return assessment
    before = _published_state(assessment)
    assessment.showcased_at = utcnow() if publish else None
    assessment.showcased_project_name, assessment.showcased_organisation_name = names
    session.flush()
    record_event(
        session, actor_id=actor.id,
        action="assessment.showcased" if publish else "assessment.showcase_withdrawn",
        object_type="assessment", object_id=assessment.id,
        organisation_id=assessment.organisation_id,
        before=before, after=_published_state(assessment),
    )
    return assessment


def _current_names(assessment: Assessment) -> tuple[str | None, str | None]:
    project = assessment.project
    return (project.name if project else None), assessment.organisation.name


def published_names(assessment: Assessment) -> tuple[str | None, str | None]:
    """Return the project and organisation names the assessment was published under."""
    return assessment.showcased_project_name, assessment.showcased_organisation_name


def renamed_since_published(assessment: Assessment) -> bool:
    """Return whether the published names differ from today's: publish again to show them."""
    return (assessment.showcased_at is not None
            and published_names(assessment) != _current_names(assessment))


def _published_state(assessment: Assessment) -> dict[str, str | None]:
    return {"showcased_at": assessment.showcased_at.isoformat()
            if assessment.showcased_at else None,
            "project_name": assessment.showcased_project_name,
            "organisation_name": assessment.showcased_organisation_name}


def showcase(session: Session) -> list[ShowcaseEntry]:
    """Return what organisations chose to publish, newest first.

    Only decided project assessments whose organisation published them appear; a result
    revoked later disappears without anyone withdrawing it.
    """
    certificate = (
        select(Certificate.serial)
        .where(Certificate.assessment_id == Assessment.id, Certificate.revoked_at.is_(None))
        .order_by(Certificate.id.desc()).limit(1).correlate(Assessment).scalar_subquery()
    )
    rows = session.execute(
        select(Assessment, Assessment.showcased_project_name, Project.country, Project.sector,
               Assessment.showcased_organisation_name, certificate)
        .join(Project, Project.id == Assessment.project_id)
        .join(Organisation, Organisation.id == Assessment.organisation_id)
        .where(Assessment.showcased_at.is_not(None),
               Assessment.status.in_(DECIDED),
               Assessment.subject_type == SubjectType.project,
               Organisation.active.is_(True))
        .options(selectinload(Assessment.questionnaire_version))
        .order_by(Assessment.showcased_at.desc(), Assessment.id.desc())
    ).all()
    entries: list[ShowcaseEntry] = []
    for assessment, project_name, country, sector, organisation_name, serial in rows:
        questionnaire = questionnaire_of(assessment.questionnaire_version)
        level_label = None
        if assessment.level:
            try:
                level_label = questionnaire.level(assessment.level).label
            except KeyError:
                level_label = None
        assert assessment.showcased_at is not None
        assert project_name is not None and organisation_name is not None
        entries.append(ShowcaseEntry(
            assessment_id=assessment.id, project_name=project_name,
            organisation_name=organisation_name, country=country, sector=sector,
            questionnaire_title=questionnaire.title, score=assessment.score,
            level=assessment.level, level_label=level_label, certificate_serial=serial,
            showcased_at=assessment.showcased_at))
    return entries
