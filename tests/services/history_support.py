"""Helpers for reassessment tests: a small two-version questionnaire and approved results."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ppp_assess.domain.loader import load_questionnaire
from ppp_assess.domain.reference import OrgRole
from ppp_assess.domain.schema import Questionnaire
from ppp_assess.models import Assessment, Organisation, Project, QuestionnaireVersion, User
from ppp_assess.services import assessments, reviews
from ppp_assess.services.assessments import AnswerInput
from ppp_assess.services.questionnaires import publish_questionnaire
from tests.factories import Factory
from tests.services.review_support import reviewer

DATA = Path(__file__).resolve().parent.parent / "data"
QUESTIONNAIRE_ID = "history-test"


def history_questionnaire(version: str = "1.0") -> Questionnaire:
    """Return the small reassessment questionnaire of ``version`` (1.0 or 1.1)."""
    return load_questionnaire(DATA / f"history-{version}.yaml")


def publish(factory: Factory, version: str = "1.0") -> QuestionnaireVersion:
    """Publish the small reassessment questionnaire of ``version``."""
    return publish_questionnaire(factory.session, history_questionnaire(version)).version


def answer(factory: Factory, assessment: Assessment, actor: User,
           values: Mapping[str, Any]) -> None:
    """Save ``values`` (question id -> value) to a draft."""
    assessments.save_answers(factory.session, assessment,
                             {qid: AnswerInput(value) for qid, value in values.items()},
                             base_version=assessment.version, actor=actor)


def approve(factory: Factory, assessment: Assessment, actor: User,
            board_member: User | None = None) -> Assessment:
    """Submit a complete draft and have a reviewer approve it."""
    session = factory.session
    assessments.submit_assessment(session, assessment, actor=actor)
    board_member = board_member or reviewer(factory)
    reviews.start_review(session, assessment, reviewer=board_member, declared_no_conflict=True)
    reviews.decide(session, assessment, reviewer=board_member, decision="approve")
    return assessment


def approved_result(factory: Factory, project: Project, actor: User,
                    values: Mapping[str, Any], *, stage: str | None = None,
                    period: str | None = None,
                    board_member: User | None = None) -> Assessment:
    """Start, answer and approve an assessment of ``project`` with the newest version."""
    assessment = assessments.start_assessment_for(
        factory.session, actor=actor, questionnaire_id=QUESTIONNAIRE_ID,
        project_id=project.id, stage=stage, period=period)
    answer(factory, assessment, actor, values)
    return approve(factory, assessment, actor, board_member)


def member_project(factory: Factory, organisation: Organisation | None = None,
                   **overrides: Any) -> tuple[Project, User]:
    """Return a new project and a respondent of its organisation."""
    organisation = organisation or factory.organisation()
    respondent = factory.user(organisation=organisation, role=OrgRole.respondent)
    return factory.project(organisation, **overrides), respondent
