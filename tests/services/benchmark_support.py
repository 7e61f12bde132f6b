"""Peer results for the benchmark, dashboard, export and showcase tests.

The ``make_*`` helpers insert rows directly (test data only, no audit);
:func:`approved_through_services` goes through every step of the lifecycle.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from collections.abc import Mapping

from sqlalchemy.orm import Session

from ppp_assess.domain.reference import PlatformRole, SubjectType
from ppp_assess.domain.workflow import Status
from ppp_assess.models import Assessment, Organisation, Project, QuestionnaireVersion, SectionScore
from ppp_assess.services import assessments, reviews
from ppp_assess.services.demo import _answers, _complete_required
from ppp_assess.services.peer_index import refresh_subject
from ppp_assess.services.questionnaires import questionnaire_of

_names = itertools.count(1)
BASE_TIME = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)


def make_organisation(db: Session, *, country: str = "KZ",
                      region: str = "central_asia") -> Organisation:
    """Insert an organisation directly (no audit: test data only)."""
    organisation = Organisation(name=f"Peer organisation {next(_names)}", country=country,
                                region=region, active=True)
    db.add(organisation)
    db.flush()
    return organisation


def make_project(db: Session, organisation: Organisation, **overrides: object) -> Project:
    """Insert a project directly."""
    values: dict[str, object] = {
        "organisation_id": organisation.id, "name": f"Peer project {next(_names)}",
        "sector": "mining", "country": organisation.country, "region": organisation.region,
        "stage": "construction", "contract_type": "concession", "description": "",
    }
    values.update(overrides)
    project = Project(**values)
    db.add(project)
    db.flush()
    return project


def make_result(db: Session, version: QuestionnaireVersion, *, organisation: Organisation,
                project: Project | None = None, score: float | None,
                sections: Mapping[str, float | None] | None = None,
                status: Status = Status.approved, approved_at: dt.datetime | None = None,
                level: str | None = None) -> Assessment:
    """Insert a decided assessment with cached scores directly, and refresh its subject's
    peer results."""
    subject = SubjectType(version.subject)
    decided = status in (Status.approved, Status.certified, Status.revoked)
    assessment = Assessment(
        questionnaire_version_id=version.id, subject_type=subject,
        organisation_id=organisation.id, project_id=project.id if project else None,
        status=status, version=1, score=score, level=level, completion=1.0,
        submitted_at=BASE_TIME if status != Status.draft else None,
        approved_at=(approved_at or BASE_TIME) if decided else None,
    )
    assessment.section_scores = [SectionScore(section_id=key, score=value)
                                 for key, value in (sections or {}).items()]
    db.add(assessment)
    db.flush()
    # Services refresh the peer index when a status changes; rows inserted here must too.
    refresh_subject(db, assessment)
    return assessment


def peers_with_scores(db: Session, version: QuestionnaireVersion, scores: list[float],
                      **project_values: object) -> list[Assessment]:
    """Create one approved project result per score, each from its own organisation."""
    section_ids = [section.id for section in questionnaire_of(version).sections]
    results = []
    for index, value in enumerate(scores):
        organisation = make_organisation(db)
        project = make_project(db, organisation, **project_values)
        sections = {section_ids[0]: value, section_ids[1]: 100.0 - value}
        results.append(make_result(db, version, organisation=organisation, project=project,
                                   score=value, sections=sections,
                                   approved_at=BASE_TIME + dt.timedelta(days=index)))
    return results


def approved_through_services(db: Session, factory, version: QuestionnaireVersion, *,
                              organisation: Organisation | None = None,
                              project: Project | None = None, maturity: float = 0.6,
                              seed: int = 1,
                              overrides: Mapping[str, assessments.AnswerInput] | None = None
                              ) -> Assessment:
    """Answer, submit, review and approve an assessment with the real services."""
    organisation = organisation or factory.organisation()
    respondent = factory.user(organisation=organisation)
    reviewer = factory.user(role=None, platform_roles=(PlatformRole.reviewer,))
    if project is None and version.subject == SubjectType.project:
        project = factory.project(organisation)
    questionnaire = questionnaire_of(version)
    rng = random.Random(seed)
    assessment = assessments.start_assessment(db, actor=respondent, version=version,
                                              organisation_id=organisation.id, project=project)
    inputs = _answers(questionnaire, maturity, 1.0, rng)
    inputs.update(overrides or {})
    assessments.save_answers(db, assessment, inputs, base_version=assessment.version,
                             actor=respondent)
    _complete_required(db, assessment, questionnaire, respondent, rng)
    assessments.submit_assessment(db, assessment, actor=respondent)
    reviews.start_review(db, assessment, reviewer=reviewer, declared_no_conflict=True)
    reviews.decide(db, assessment, reviewer=reviewer, decision="approve")
    return assessment
