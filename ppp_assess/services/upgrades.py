"""Moving an open draft to a newer version of its questionnaire.

A mapping file (``<questionnaire folder>/mappings/<id>-<from>-<to>.yaml``, see
:mod:`ppp_assess.domain.version_mapping`) says which answers carry over. The respondent
first sees the plan (:func:`upgrade_plan`: what carries over, what is dropped, what is
new), then confirms (:func:`upgrade_assessment`). Only drafts move: a submitted, in
review or approved assessment stays on the version it was answered against, and so do
its score and its benchmark peers.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, delete, select
from sqlalchemy.orm import Session

from ppp_assess.domain.schema import Questionnaire
from ppp_assess.domain.version_mapping import (
    MappingError,
    carry_answers,
    find_mapping_file,
    load_mapping,
    may_have_mapping_from,
)
from ppp_assess.domain.workflow import Status
from ppp_assess.models import Answer, Assessment, QuestionnaireVersion, SectionScore
from ppp_assess.models.base import utcnow
from ppp_assess.models.database import as_connection
from ppp_assess.services.assessments import _rescore, load_answers, questionnaire_for
from ppp_assess.services.audit import record_event
from ppp_assess.services.errors import Conflict, NotFound
from ppp_assess.services.permissions import Person, lock_assessment_row
from ppp_assess.services.questionnaires import questionnaire_of


@dataclass(frozen=True)
class UpgradePlan:
    """What moving a draft to a newer version would do."""

    assessment: Assessment
    source: QuestionnaireVersion
    target: QuestionnaireVersion
    old: Questionnaire
    new: Questionnaire
    #: New question id -> the answer it receives, in the new version's order.
    carried: dict[str, Any]
    #: Old question ids whose answers do not carry over, in the old version's order.
    dropped: list[str]
    #: Questions of the new version that receive no answer, in its order.
    new_questions: list[str]


def _newer_version(session: Session, source: QuestionnaireVersion,
                   directory: Path) -> QuestionnaireVersion | None:
    """Return the newest published version that a mapping file leads to from ``source``."""
    version_id = newer_version_id(session, source.questionnaire_id, source.id, source.version,
                                  directory=directory)
    return None if version_id is None else session.get(QuestionnaireVersion, version_id)


def newer_version_id(source: Session | Connection, questionnaire_id: str, version_id: int,
                     version: str, *, directory: str | Path) -> int | None:
    """Return the id of the newest published version of the questionnaire that a mapping
    file leads to from ``version`` (stored as ``version_id``), or ``None``.

    Only ids and version numbers are read to choose it (every section page asks): the
    definitions, large JSON documents, stay unread.
    """
    directory = Path(directory)
    if not may_have_mapping_from(directory, questionnaire_id, version):
        return None
    rows = as_connection(source).execute(
        select(QuestionnaireVersion.id, QuestionnaireVersion.version)
        .where(QuestionnaireVersion.questionnaire_id == questionnaire_id,
               QuestionnaireVersion.id != version_id)
        .order_by(QuestionnaireVersion.id.desc())
    ).all()
    for candidate_id, candidate in rows:
        if _later(candidate, version) and find_mapping_file(
                directory, questionnaire_id, version, candidate):
            return int(candidate_id)
    return None


def _later(version: str, than: str) -> bool:
    def parts(text: str) -> tuple[int, ...]:
        return tuple(int(part) for part in text.split("."))
    return parts(version) > parts(than)


def upgrade_target(session: Session, assessment: Assessment, *,
                   directory: str | Path) -> QuestionnaireVersion | None:
    """Return the version a draft could move to, or ``None`` (cheap: no answers read)."""
    if assessment.status != Status.draft:
        return None
    return _newer_version(session, assessment.questionnaire_version, Path(directory))


def upgrade_plan(session: Session, assessment: Assessment, *,
                 directory: str | Path) -> UpgradePlan:
    """Return what moving ``assessment`` to the newest mapped version would do.

    :param directory: the questionnaire folder, whose ``mappings`` subfolder is read.
    :raises Conflict: code ``not_editable`` when the assessment is not a draft.
    :raises NotFound: code ``no_upgrade`` when there is no newer version to move to.
    """
    if assessment.status != Status.draft:
        raise Conflict("Only a draft can move to a new questionnaire version; a submitted "
                       "or approved assessment keeps the version it was answered against.",
                       code="not_editable")
    source = assessment.questionnaire_version
    target = _newer_version(session, source, Path(directory))
    if target is None:
        raise NotFound("There is no newer version of this questionnaire to move to.",
                       code="no_upgrade")
    mapping_file = find_mapping_file(Path(directory), source.questionnaire_id,
                                     source.version, target.version)
    assert mapping_file is not None
    old = questionnaire_for(assessment)
    new = questionnaire_of(target)
    values = {question_id: row.value
              for question_id, row in load_answers(session, assessment).items()
              if row.value is not None}
    try:
        carried, dropped = carry_answers(load_mapping(mapping_file), old, new, values)
    except MappingError as error:
        raise NotFound("This questionnaire version cannot be moved to the new one yet.",
                       code="no_upgrade") from error
    new_questions = [question.id for question in new.all_questions()
                     if question.id not in carried]
    return UpgradePlan(assessment, source, target, old, new, carried, dropped, new_questions)


def upgrade_assessment(session: Session, assessment: Assessment, *, actor: Person,
                       directory: str | Path, base_version: int) -> UpgradePlan:
    """Move a draft to the newest mapped version, carrying the answers the mapping lists.

    Comments and evidence links go with each carried answer; answers that do not carry
    over are removed. The assessment is rescored against the new version.

    :param base_version: the assessment version the respondent confirmed the plan at.
    :raises Conflict: code ``not_editable`` for anything but a draft, ``stale`` when the
        answers changed since the plan was shown.
    :raises NotFound: code ``no_upgrade`` when there is nothing to move to.
    """
    lock_assessment_row(session, assessment)
    plan = upgrade_plan(session, assessment, directory=directory)
    if assessment.version != base_version:
        raise Conflict("The answers changed since this page was shown. Look at what carries "
                       "over again before you confirm.", code="stale")
    old_rows = load_answers(session, assessment, fresh=True)
    notes: dict[str, tuple[str, list[str]]] = {}
    mapping = load_mapping(find_mapping_file(Path(directory), plan.source.questionnaire_id,
                                             plan.source.version, plan.target.version)
                           or Path())
    for old_id, rule in mapping.rules.items():
        row = old_rows.get(old_id)
        for target in rule.targets:
            if row is not None and target in plan.carried and target not in notes:
                notes[target] = (row.comment or "", list(row.evidence or []))
    session.execute(delete(Answer).where(Answer.assessment_id == assessment.id))
    session.execute(delete(SectionScore).where(SectionScore.assessment_id == assessment.id))
    session.expire(assessment, ["answers", "section_scores"])
    assessment.questionnaire_version_id = plan.target.id
    assessment.questionnaire_version = plan.target
    assessment.version += 1
    now = utcnow()
    rows: dict[str, Answer] = {}
    for question_id, value in plan.carried.items():
        comment, evidence = notes.get(question_id, ("", []))
        row = Answer(assessment_id=assessment.id, question_id=question_id, value=value,
                     comment=comment, evidence=evidence, version=assessment.version,
                     updated_by_id=actor.id, updated_at=now)
        session.add(row)
        rows[question_id] = row
    session.flush()
    _rescore(session, assessment, rows)
    assessment.updated_at = now
    record_event(
        session, actor_id=actor.id, action="assessment.upgraded", object_type="assessment",
        object_id=assessment.id, organisation_id=assessment.organisation_id,
        before={"questionnaire": plan.source.questionnaire_id, "version": plan.source.version},
        after={"questionnaire": plan.target.questionnaire_id, "version": plan.target.version,
               "carried": list(plan.carried), "dropped": plan.dropped},
    )
    session.flush()
    return plan
