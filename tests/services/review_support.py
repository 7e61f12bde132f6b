"""Helpers for review tests: valid answers and assessments submitted through the services."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ppp_assess.domain.answers import AnswerError, validate_answer
from ppp_assess.domain.reference import OrgRole, PlatformRole
from ppp_assess.domain.schema import Question, Questionnaire, QuestionType
from ppp_assess.models import Assessment, AuditEvent, Organisation, Project, User
from ppp_assess.services import assessments
from ppp_assess.services.assessments import AnswerInput
from ppp_assess.services.questionnaires import questionnaire_of
from tests.factories import Factory

ORGANISATION_QUESTIONNAIRE = "zero-tolerance-corruption"
PROJECT_QUESTIONNAIRE = "people-first"


def _value(question: Question, best: bool) -> Any:
    if question.type in (QuestionType.choice, QuestionType.multi_choice):
        scored = [option for option in question.options if option.score is not None]
        if scored:
            pick = (max if best else min)(scored, key=lambda option: option.score or 0.0)
        else:
            pick = question.options[0]
        return pick.value if question.type == QuestionType.choice else [pick.value]
    if question.type == QuestionType.scale and question.scale is not None:
        return question.scale.max if best else question.scale.min
    if question.type == QuestionType.number:
        if best:
            return question.maximum if question.maximum is not None else 100
        return question.minimum if question.minimum is not None else 0
    if question.type == QuestionType.date:
        return "2024-05-01"
    return "Set out in the procurement manual." if best else "Not documented yet."


def answer_inputs(questionnaire: Questionnaire, *, best: bool = True) -> dict[str, AnswerInput]:
    """Return a valid answer to every question: all the best, or all the worst options."""
    inputs: dict[str, AnswerInput] = {}
    for question in questionnaire.all_questions():
        try:
            value = validate_answer(question, _value(question, best))
        except AnswerError:
            continue
        inputs[question.id] = AnswerInput(value)
    return inputs


def audit_count(session: Session) -> int:
    """Return how many audit events are stored."""
    return session.scalar(select(func.count()).select_from(AuditEvent)) or 0


def audit_actions_since(session: Session, count: int) -> list[str]:
    """Return the actions of the audit events recorded after the first ``count``, in order."""
    return list(session.scalars(select(AuditEvent.action).where(AuditEvent.sequence > count)
                                .order_by(AuditEvent.sequence)))


@dataclass
class Case:
    """An assessment with the people around it."""

    assessment: Assessment
    organisation: Organisation
    respondent: User
    reviewer: User
    project: Project | None = None

    @property
    def questionnaire(self) -> Questionnaire:
        return questionnaire_of(self.assessment.questionnaire_version)


def reviewer(factory: Factory, **overrides: Any) -> User:
    """Return a new member of the review board who belongs to no organisation."""
    return factory.user(role=None, platform_roles=(PlatformRole.reviewer,), **overrides)


def draft(factory: Factory, *, questionnaire_id: str = ORGANISATION_QUESTIONNAIRE,
          organisation: Organisation | None = None, respondent: User | None = None,
          board_member: User | None = None, answered: bool = True,
          **project_overrides: Any) -> Case:
    """Start an assessment (answered completely unless told otherwise) as a draft."""
    versions = factory.questionnaires()
    version = versions[questionnaire_id]
    organisation = organisation or factory.organisation()
    respondent = respondent or factory.user(organisation=organisation, role=OrgRole.respondent)
    project = None
    if version.subject == "project":
        project = factory.project(organisation, **project_overrides)
    session = factory.session
    assessment = assessments.start_assessment(session, actor=respondent, version=version,
                                              organisation_id=organisation.id,
                                              project=project)
    if answered:
        assessments.save_answers(session, assessment,
                                 answer_inputs(questionnaire_of(version)),
                                 base_version=assessment.version, actor=respondent)
    return Case(assessment, organisation, respondent, board_member or reviewer(factory),
                project)


def submitted(factory: Factory, **options: Any) -> Case:
    """Return a case whose assessment is submitted and waits for review."""
    case = draft(factory, **options)
    assessments.submit_assessment(factory.session, case.assessment, actor=case.respondent)
    return case
