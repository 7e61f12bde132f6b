"""Progress over time: reassessments of one project and the history of its scores.

A project is assessed again as it moves through its stages. A reassessment starts from
the project's approved assessment: its answers are carried over, each marked as carried
until the respondent confirms or changes it, and its evidence documents are carried by
reference (the stored files are shared, the reviewers' verdicts are not). Comments are
not carried.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from ppp_assess.domain.answers import AnswerError, validate_answer
from ppp_assess.domain.reference import ASSESSMENT_STAGES
from ppp_assess.domain.schema import Questionnaire
from ppp_assess.domain.workflow import Status
from ppp_assess.models import (
    Answer,
    Assessment,
    EvidenceDocument,
    Project,
    QuestionnaireVersion,
    SectionScore,
)
from ppp_assess.services.assessments import (
    load_answers,
    questionnaire_for,
    rescore,
    start_assessment_for,
)
from ppp_assess.services.audit import record_event
from ppp_assess.services.errors import Invalid, NotFound
from ppp_assess.services.permissions import Person, is_member

log = logging.getLogger(__name__)

#: Statuses of an assessment that was approved (and perhaps certified since).
APPROVED = (Status.approved, Status.certified)
#: Longest period label.
MAX_PERIOD_LENGTH = 40


# --------------------------------------------------------------------------- carrying answers


@dataclass(frozen=True)
class CarriedAnswers:
    """What carries from one questionnaire version to another."""

    #: New question id -> value, each valid in the new version.
    carried: Mapping[str, Any]
    #: Old question ids whose answer does not carry.
    dropped: tuple[str, ...]
    #: Questions of the new version that no carried answer fills (what is new to answer).
    new_questions: tuple[str, ...] = field(default=())


def mapping_path(directory: str | Path, old: Questionnaire, new: Questionnaire) -> Path:
    """Return where the mapping from ``old``'s version to ``new``'s is kept."""
    return Path(directory) / "mappings" / f"{new.id}-{old.version}-{new.version}.yaml"


def _mapped(directory: str | Path | None, old: Questionnaire, new: Questionnaire,
            values: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]] | None:
    """Carry through the mapping file between the two versions, if there is one."""
    if directory is None:
        return None
    path = mapping_path(directory, old, new)
    if not path.is_file():
        return None
    module: Any = importlib.import_module("ppp_assess.domain.version_mapping")
    mapping = module.load_mapping(path, old, new)
    carried, dropped = module.carry_answers(mapping, old, new, dict(values))
    return dict(carried), list(dropped)


def carry_values(old: Questionnaire, new: Questionnaire, values: Mapping[str, Any], *,
                 mapping_dir: str | Path | None = None) -> CarriedAnswers:
    """Decide which answers given to ``old`` carry over to ``new``.

    Between two versions with a mapping file (``<mapping_dir>/mappings/<id>-<from>-<to>.yaml``)
    the mapping decides. Otherwise an answer carries when its question id exists in the
    new version and its value is one the new question accepts.

    :param values: question id -> stored value (cleared answers left out).
    :return: the carried values by new question id, the old ids dropped, and the new
        version's questions that nothing fills.
    """
    carried: dict[str, Any] = {}
    dropped: list[str] = []
    mapped = None if (old.id, old.version) == (new.id, new.version) else _mapped(
        mapping_dir, old, new, values)
    if mapped is not None:
        carried, dropped = mapped
    else:
        for question_id, value in values.items():
            if value is None:
                continue
            if not new.has_question(question_id):
                dropped.append(question_id)
                continue
            try:
                carried[question_id] = validate_answer(new.question(question_id), value)
            except AnswerError:
                dropped.append(question_id)
    fresh = tuple(question.id for question in new.all_questions()
                  if question.id not in carried and not old.has_question(question.id))
    return CarriedAnswers(carried, tuple(sorted(dropped)), fresh)


# --------------------------------------------------------------------------- reassessment


def clean_stage(stage: str | None) -> str | None:
    """Return the stage code, or None when none is given.

    :raises Invalid: for a stage that is not one of ``ASSESSMENT_STAGES``.
    """
    if stage is None or stage == "":
        return None
    if stage not in ASSESSMENT_STAGES:
        raise Invalid("Choose one of the project stages.", fields={"stage": "not_a_stage"})
    return stage


def clean_period(period: str | None) -> str | None:
    """Return the period label trimmed, or None when none is given.

    :raises Invalid: when it is longer than :data:`MAX_PERIOD_LENGTH` characters.
    """
    if period is None or not period.strip():
        return None
    period = " ".join(period.split())
    if len(period) > MAX_PERIOD_LENGTH:
        raise Invalid("The period is longer than %(max)s characters.",
                      {"max": MAX_PERIOD_LENGTH}, fields={"period": "too_long"})
    return period


def previous_for(session: Session, actor: Person, previous_id: int) -> Assessment:
    """Return the approved assessment a reassessment starts from.

    :raises NotFound: when it does not exist or is not one of ``actor``'s organisations'.
    :raises Invalid: when it is not approved.
    """
    previous = session.get(Assessment, previous_id)
    if previous is None or not is_member(session, actor, previous.organisation_id):
        raise NotFound("This assessment does not exist.")
    if previous.status not in APPROVED:
        raise Invalid("A new assessment can only start from an approved one.",
                      fields={"from": "not_approved"})
    return previous


def start_reassessment(
    session: Session,
    *,
    actor: Person,
    questionnaire_id: str,
    previous_id: int,
    project_id: int | None = None,
    organisation_id: int | None = None,
    stage: str | None = None,
    period: str | None = None,
    mapping_dir: str | Path | None = None,
) -> tuple[Assessment, CarriedAnswers]:
    """Start a new assessment of a subject from its approved one, carrying its answers.

    The new assessment answers the newest version of the questionnaire. Every carried
    answer is marked carried (unconfirmed) and counts as unanswered until it is saved;
    evidence links and documents are carried, comments are not.

    :param previous_id: the approved assessment to start from; it must assess the same
        subject with the same questionnaire.
    :param mapping_dir: the questionnaire folder, whose ``mappings/`` say how answers
        carry between versions.
    :return: the new draft (flushed) and what was carried.
    :raises NotFound: for an assessment or subject ``actor`` may not see.
    :raises Invalid: when the previous assessment is not approved or is about another
        subject or questionnaire, or for a bad stage or period.
    :raises Conflict: code ``already_open`` (see :func:`start_assessment_for`).
    """
    previous = previous_for(session, actor, previous_id)
    if previous.questionnaire_version.questionnaire_id != questionnaire_id:
        raise Invalid("The previous assessment answers another questionnaire.",
                      fields={"from": "other_questionnaire"})
    if project_id is None and organisation_id is None:
        project_id, organisation_id = previous.project_id, previous.organisation_id
    if previous.project_id != project_id or (
            project_id is None and previous.organisation_id != organisation_id):
        raise Invalid("The previous assessment is about another subject.",
                      fields={"from": "other_subject"})
    assessment = start_assessment_for(
        session, actor=actor, questionnaire_id=questionnaire_id,
        organisation_id=organisation_id if project_id is None else None,
        project_id=project_id, stage=stage, period=period)
    assessment.previous_assessment_id = previous.id
    old, new = questionnaire_for(previous), questionnaire_for(assessment)
    rows = load_answers(session, previous)
    values = {qid: row.value for qid, row in rows.items() if row.value is not None}
    result = carry_values(old, new, values, mapping_dir=mapping_dir)
    # Each carried answer keeps the evidence links of the old answer it came from; a
    # mapped (renamed or split) question takes those of the same id when there is one.
    for question_id, value in result.carried.items():
        source = rows.get(question_id)
        session.add(Answer(
            assessment_id=assessment.id, question_id=question_id, value=value, comment="",
            evidence=list(source.evidence or []) if source is not None else [],
            version=assessment.version, updated_by_id=actor.id, carried=True))
    carried_ids = set(result.carried)
    for document in session.scalars(select(EvidenceDocument)
                                    .where(EvidenceDocument.assessment_id == previous.id)):
        if document.question_id not in carried_ids:
            continue
        session.add(EvidenceDocument(
            assessment_id=assessment.id, question_id=document.question_id,
            name=document.name, description=document.description, size=document.size,
            media_type=document.media_type, sha256=document.sha256,
            uploaded_by_id=document.uploaded_by_id))
    session.flush()
    rescore(session, assessment)
    record_event(
        session, actor_id=actor.id, action="assessment.carried_over",
        object_type="assessment", object_id=assessment.id,
        organisation_id=assessment.organisation_id,
        after={"from": previous.id, "carried": sorted(result.carried),
               "dropped": list(result.dropped)})
    session.flush()
    return assessment, result


# --------------------------------------------------------------------------- history


@dataclass(frozen=True)
class HistoryPoint:
    """One approved assessment in a project's history."""

    assessment_id: int
    questionnaire_version: str
    stage: str | None
    period: str | None
    approved_at: Any
    status: Status
    overall: float | None
    level: str | None
    #: Section id -> score (0-100, None when nothing in it applied).
    sections: Mapping[str, float | None]
    #: The questionnaire version differs from the point before.
    version_changed: bool


@dataclass(frozen=True)
class SectionChange:
    """The change of one section's score since the previous approved assessment."""

    section_id: str
    before: float | None
    after: float | None

    @property
    def change(self) -> float | None:
        """Return the points gained (negative: lost), or None when either is missing."""
        if self.before is None or self.after is None:
            return None
        return self.after - self.before


@dataclass(frozen=True)
class InstrumentHistory:
    """The approved assessments of one project against one questionnaire, oldest first."""

    questionnaire_id: str
    #: The questionnaire of the newest point (its titles name the sections).
    questionnaire: Questionnaire
    points: tuple[HistoryPoint, ...]

    @property
    def overall_change(self) -> float | None:
        """Return the overall points gained since the previous approved assessment."""
        if len(self.points) < 2:
            return None
        before, after = self.points[-2].overall, self.points[-1].overall
        return None if before is None or after is None else after - before

    @property
    def section_changes(self) -> tuple[SectionChange, ...]:
        """Return each section's change since the previous approved assessment, largest
        (in either direction) first; sections without both scores go last."""
        if len(self.points) < 2:
            return ()
        before, after = self.points[-2].sections, self.points[-1].sections
        changes = [SectionChange(section.id, before.get(section.id), after.get(section.id))
                   for section in self.questionnaire.sections
                   if section.id in before or section.id in after]
        return tuple(sorted(changes, key=lambda item: (
            item.change is None, -abs(item.change or 0.0), item.section_id)))

    @property
    def section_ids(self) -> tuple[str, ...]:
        """Return the sections of the newest version that any point scores."""
        scored = {section_id for point in self.points for section_id in point.sections}
        return tuple(section.id for section in self.questionnaire.sections
                     if section.id in scored)


def project_history(session: Session, project: Project) -> list[InstrumentHistory]:
    """Return the history of the project's approved assessments, per questionnaire.

    Two queries, however many assessments there are.

    :param project: a project the caller may see.
    :return: one entry per questionnaire, by title; points oldest first.
    """
    rows = list(session.scalars(
        select(Assessment)
        .options(joinedload(Assessment.questionnaire_version))
        .where(Assessment.project_id == project.id, Assessment.status.in_(APPROVED))
        .order_by(Assessment.approved_at.asc().nulls_first(), Assessment.id)))
    if not rows:
        return []
    scores: dict[int, dict[str, float | None]] = {row.id: {} for row in rows}
    for assessment_id, section_id, value in session.execute(
            select(SectionScore.assessment_id, SectionScore.section_id, SectionScore.score)
            .where(SectionScore.assessment_id.in_(list(scores)))):
        scores[assessment_id][section_id] = value
    grouped: dict[str, list[Assessment]] = {}
    for row in rows:
        grouped.setdefault(row.questionnaire_version.questionnaire_id, []).append(row)
    histories = []
    for questionnaire_id, assessments in grouped.items():
        points = []
        previous_version: QuestionnaireVersion | None = None
        for row in assessments:
            version = row.questionnaire_version
            points.append(HistoryPoint(
                assessment_id=row.id, questionnaire_version=version.version, stage=row.stage,
                period=row.period, approved_at=row.approved_at, status=row.status,
                overall=row.score, level=row.level, sections=scores[row.id],
                version_changed=previous_version is not None
                and previous_version.id != version.id))
            previous_version = version
        histories.append(InstrumentHistory(
            questionnaire_id, questionnaire_for(assessments[-1]), tuple(points)))
    return sorted(histories, key=lambda item: item.questionnaire.title)
