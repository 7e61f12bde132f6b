"""Starting, answering, scoring and submitting assessments."""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeGuard, cast
from urllib.parse import urlsplit

from sqlalchemy import (
    Table,
    Update,
    bindparam,
    case,
    delete,
    func,
    insert,
    literal_column,
    select,
    union_all,
    update,
)
from sqlalchemy.orm import Session, joinedload, object_session
from sqlalchemy.orm.attributes import set_committed_value

from ppp_assess.domain.answers import AnswerError, clean_answers, validate_answer
from ppp_assess.domain.evidence import Verdict
from ppp_assess.domain.messages import N_
from ppp_assess.domain.reference import SubjectType
from ppp_assess.domain.schema import Questionnaire
from ppp_assess.domain.scoring import ScoreReport, score
from ppp_assess.domain.workflow import Action, Status, is_editable
from ppp_assess.models import (
    Answer,
    Assessment,
    EvidenceDocument,
    Membership,
    Organisation,
    Project,
    QuestionnaireVersion,
    QuestionScore,
    SectionScore,
    Submission,
)
from ppp_assess.models.base import typed_nulls, utcnow
from ppp_assess.models.database import DriverStatement, writing_connection
from ppp_assess.services import audit, outbox
from ppp_assess.services.audit import record_event
from ppp_assess.services.errors import Conflict, Invalid, MissingAnswers, NotFound
from ppp_assess.services.lifecycle import apply_action, change_status
from ppp_assess.services.permissions import (
    LockedAssessment,
    Person,
    eligible_reviewers,
    holds_row_lock,
    lock_assessment_row,
)
from ppp_assess.services.questionnaires import (
    cached_questionnaire,
    latest_versions,
    questionnaire_of,
)

log = logging.getLogger(__name__)

MAX_COMMENT_LENGTH = 5000
MAX_EVIDENCE_LINKS = 10
MAX_LINK_LENGTH = 500


@dataclass(frozen=True)
class AnswerInput:
    """One answer as a user sends it: ``value`` None clears the answer."""

    value: Any = None
    comment: str | None = None
    evidence: Sequence[str] | None = None


class AnswersRejected(Invalid):
    """Saving refused: some values are not answers their questions accept.

    ``fields`` maps each question id to the error code; ``problems`` keeps the domain
    error, whose message (a msgid with ``params``) adapters translate.
    """

    def __init__(self, problems: Mapping[str, AnswerError]) -> None:
        super().__init__("Some answers could not be accepted.",
                         fields={qid: error.code for qid, error in problems.items()})
        self.problems = dict(problems)


class UnconfirmedAnswers(MissingAnswers):
    """Submission refused: answers carried over from the previous assessment are not
    confirmed; ``missing`` lists their question ids."""

    code = "unconfirmed_answers"

    def __init__(self, question_ids: Sequence[str]) -> None:
        Invalid.__init__(self, N_("Confirm or change each answer carried over from the "
                                  "previous assessment before submitting: %(questions)s."),
                         {"questions": ", ".join(question_ids), "count": len(question_ids)})
        self.missing = list(question_ids)


@dataclass(slots=True)
class StoredAnswer:
    """An answer as a save reads and writes it: a table row, not a mapped object.

    A save reads every answer of its assessment to compare and to score them, and writes
    the few it changes; the ORM's objects cost it more than the rest of the reading.
    Pages read :class:`~ppp_assess.models.Answer` objects (:func:`load_answers`).
    """

    question_id: str
    value: Any
    comment: str
    evidence: list[str]
    version: int
    carried: bool
    #: The row's id (``None`` for an answer this save inserts).
    id: int | None = None
    #: When it was written, for the answers this save writes (others are not read).
    updated_at: dt.datetime | None = None


#: An assessment's answers by question id: objects a page read, or rows a save read.
AnswersByQuestion = Mapping[str, Answer] | Mapping[str, StoredAnswer]
#: An assessment whose answers a save changes: the stored object, or its row read locked
#: (the autosave, :func:`~ppp_assess.services.permissions.lock_own_assessment`).
ChangedAssessment = Assessment | LockedAssessment


@dataclass(frozen=True)
class SaveResult:
    """The outcome of saving answers."""

    version: int
    report: ScoreReport
    changed: tuple[str, ...]
    #: The assessment's answers after the save, by question id (what was scored); the
    #: answers it wrote carry their time of change.
    answers: Mapping[str, StoredAnswer] = field(default_factory=dict)
    #: The questions with a document no reviewer has marked insufficient, read with the
    #: answers (what the verified score needs).
    evidenced: frozenset[str] = frozenset()


def questionnaire_for(assessment: ChangedAssessment) -> Questionnaire:
    """Return the questionnaire version the assessment was started with.

    Without loading the version's row when the query that read the assessment noted the
    version's content hash (:func:`~ppp_assess.services.questionnaires.note_content_hash`)
    and the questionnaire is parsed already.
    """
    if isinstance(assessment, LockedAssessment):
        return assessment.questionnaire
    if "questionnaire_version" not in assessment.__dict__:
        session = object_session(assessment)
        if session is not None:
            cached = cached_questionnaire(session, assessment.questionnaire_version_id)
            if cached is not None:
                return cached
    return questionnaire_of(assessment.questionnaire_version)


def start_assessment(
    session: Session,
    *,
    actor: Person,
    version: QuestionnaireVersion,
    organisation_id: int,
    project: Project | None = None,
    stage: str | None = None,
    period: str | None = None,
) -> Assessment:
    """Start a draft assessment of an organisation or one of its projects.

    :param stage: the project stage it describes (a code of ``ASSESSMENT_STAGES``).
    :param period: the period it covers, as the respondent names it.
    :raises Invalid: when the questionnaire is not about that kind of subject, or for a
        stage or period that is not acceptable.
    """
    from ppp_assess.services.history import clean_period, clean_stage

    stage, period = clean_stage(stage), clean_period(period)
    subject = SubjectType(version.subject)
    if subject == SubjectType.project and project is None:
        raise Invalid("This questionnaire assesses a project: choose one.",
                      fields={"project": "Choose a project."})
    if subject == SubjectType.organisation and project is not None:
        raise Invalid("This questionnaire assesses an organisation, not a project.")
    if project is not None and project.organisation_id != organisation_id:
        raise NotFound("This project does not exist.")
    assessment = Assessment(
        questionnaire_version=version,
        subject_type=subject,
        organisation_id=organisation_id,
        project=project,
        status=Status.draft,
        version=1,
        created_by_id=actor.id,
        completion=0.0,
        stage=stage,
        period=period,
    )
    session.add(assessment)
    session.flush()
    _rescore(session, assessment, {})
    record_event(
        session, actor_id=actor.id, action="assessment.started", object_type="assessment",
        object_id=assessment.id, organisation_id=organisation_id,
        after={"questionnaire": version.questionnaire_id, "version": version.version,
               "project": project.id if project else None, "stage": stage, "period": period},
    )
    return assessment


#: An assessment's answers, built once (every page and every save reads them).
_ANSWERS = select(Answer).where(Answer.assessment_id == bindparam("assessment_id"))
#: The same, overwriting what the session holds.
_FRESH_ANSWERS = _ANSWERS.execution_options(populate_existing=True)


def load_answers(session: Session, assessment: Assessment, *,
                 fresh: bool = False) -> dict[str, Answer]:
    """Return the stored answers of ``assessment`` by question id (one query).

    :param fresh: overwrite answers already loaded in the session with what the database
        holds now (after taking the assessment's lock, so no concurrent change is missed).
    """
    rows = session.scalars(_FRESH_ANSWERS if fresh else _ANSWERS,
                           {"assessment_id": assessment.id})
    return {row.question_id: row for row in rows}


def answer_values(answers: AnswersByQuestion) -> dict[str, Any]:
    """Return the answered values by question id.

    Cleared answers are left out, and so are answers carried over from a previous
    assessment until they are confirmed: they count as unanswered.
    """
    return {qid: row.value for qid, row in answers.items()
            if row.value is not None and not row.carried}


def unconfirmed_answers(questionnaire: Questionnaire,
                        answers: Mapping[str, Answer]) -> list[str]:
    """Return the ids of the carried-over answers still to confirm, in document order."""
    carried = {qid for qid, row in answers.items() if row.carried and row.value is not None}
    return [question.id for question in questionnaire.all_questions() if question.id in carried]


def score_of(assessment: ChangedAssessment, answers: AnswersByQuestion) -> ScoreReport:
    """Score the stored answers against the assessment's questionnaire version."""
    return score(questionnaire_for(assessment), answer_values(answers))


def report_summary(report: ScoreReport) -> dict[str, Any]:
    """Return the JSON form of a score report kept with submissions."""
    return {
        "overall": report.overall,
        "level": report.level.id if report.level else None,
        "uncapped_level": report.uncapped_level.id if report.uncapped_level else None,
        "capped": report.capped,
        "cap_reasons": list(report.cap_reasons),
        "completion": report.completion,
        "sections": {section.id: section.score for section in report.sections},
        "missing_required": list(report.missing_required),
    }


def _rescore(session: Session, assessment: Assessment,
             answers: AnswersByQuestion) -> ScoreReport:
    report = score_of(assessment, answers)
    assessment.score = report.overall
    assessment.level = report.level.id if report.level else None
    assessment.completion = report.completion
    existing = {row.section_id: row for row in assessment.section_scores}
    for section in report.sections:
        row = existing.get(section.id)
        if row is None:
            assessment.section_scores.append(SectionScore(section_id=section.id,
                                                          score=section.score))
        elif row.score != section.score:
            row.score = section.score
    return report


@functools.lru_cache(maxsize=256)
def _section_scores_update(section_ids: tuple[str, ...]) -> Update:
    """Return the UPDATE that writes the scores of these sections, in one statement.

    Built once per questionnaire's sections: building it cost as much as running it. The
    scores are the parameters ``score_0``, ``score_1``, ... in the order of the ids. It
    names the assessment's rows by the assessment alone (a row of another section keeps
    its score): a list of the sections (``IN``) is rendered afresh at each execution,
    which doubled the statement's cost.
    """
    table = cast(Table, SectionScore.__table__)
    return (update(table)
            .where(table.c.assessment_id == bindparam("of_assessment"))
            .values(score=case({section_id: bindparam(f"score_{index}", type_=table.c.score.type)
                                for index, section_id in enumerate(section_ids)},
                               value=table.c.section_id, else_=table.c.score)))


@functools.lru_cache(maxsize=256)
def _section_scores_writer(section_ids: tuple[str, ...]) -> DriverStatement:
    """Return :func:`_section_scores_update`, run on the driver."""
    return DriverStatement(_section_scores_update(section_ids))


def _rescore_saved(
    session: Session, assessment: ChangedAssessment, answers: Mapping[str, StoredAnswer]
) -> ScoreReport:
    """Like :func:`_rescore`, writing the section scores with one UPDATE and no read,
    and leaving the assessment's own cached score to the caller.

    Every section has its row from the start (:func:`start_assessment`), and none other;
    should the rows updated not be the sections scored, or the rows be loaded in the
    session already, :func:`_rescore` does it.
    """
    if _section_scores_loaded(assessment):
        return _rescore(session, assessment, answers)
    report = score_of(assessment, answers)
    scores = {section.id: section.score for section in report.sections}
    if scores:
        statement = _section_scores_writer(tuple(scores))
        parameters: dict[str, Any] = {f"score_{index}": value
                                      for index, value in enumerate(scores.values())}
        parameters["of_assessment"] = assessment.id
        updated = statement.execute(writing_connection(session), parameters)
        if updated.rowcount != len(scores):
            return _rescore(session, _stored_object(session, assessment), answers)
    # The caller writes the assessment's cached score with its new version.
    return report


def _stored_object(session: Session, assessment: ChangedAssessment) -> Assessment:
    """Return the ORM object of ``assessment`` (loaded for a row, which the caller holds
    locked)."""
    if isinstance(assessment, Assessment):
        return assessment
    stored = session.get(Assessment, assessment.id)
    assert stored is not None  # its row is locked
    return stored


def rescore(session: Session, assessment: Assessment) -> ScoreReport:
    """Score the stored answers again and cache the result on the assessment."""
    return _rescore(session, assessment, load_answers(session, assessment))


def _clean_comment(comment: str | None, current: str) -> str:
    if comment is None:
        return current
    comment = comment.strip()
    if len(comment) > MAX_COMMENT_LENGTH:
        raise Invalid("The comment is longer than %(max)s characters.",
                      {"max": MAX_COMMENT_LENGTH}, fields={"comment": "too_long"})
    return comment


def _clean_evidence(evidence: Sequence[str] | None, current: list[str]) -> list[str]:
    if evidence is None:
        return current
    if isinstance(evidence, str) or not isinstance(evidence, Sequence):
        raise Invalid("Evidence must be a list of links.", fields={"evidence": "wrong_type"})
    links = [str(link).strip() for link in evidence if str(link).strip()]
    if len(links) > MAX_EVIDENCE_LINKS:
        raise Invalid("Give at most %(max)s evidence links.", {"max": MAX_EVIDENCE_LINKS},
                      fields={"evidence": "too_many"})
    for link in links:
        parts = urlsplit(link)
        too_long = len(link) > MAX_LINK_LENGTH
        if parts.scheme not in {"http", "https"} or not parts.netloc or too_long:
            raise Invalid("Evidence links must be web addresses starting with https:// or "
                          "http://.", fields={"evidence": "not_a_link"})
    return list(dict.fromkeys(links))


def _stored(row: Answer | StoredAnswer | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {"value": row.value, "comment": row.comment, "evidence": list(row.evidence or [])}


def save_answers(
    session: Session,
    assessment: ChangedAssessment,
    inputs: Mapping[str, AnswerInput],
    *,
    base_version: int,
    actor: Person,
) -> SaveResult:
    """Save several answers at once, all or nothing.

    A save is based on the assessment version the user last saw. If an answer changed
    after that version and the new input differs from it, nothing is saved and
    :class:`Conflict` carries what is stored now, so no acknowledged answer is ever
    silently overwritten. Saving what is already stored changes nothing, so a retried
    request is harmless.

    :raises Conflict: code ``not_editable`` when the assessment is not a draft, code
        ``stale`` when another change came first.
    :raises NotFound: for a question the questionnaire does not have.
    :raises AnswersRejected: for a value the question does not accept (``fields`` by
        question, ``problems`` with each domain error).
    :raises Invalid: for a comment or evidence links that are not acceptable.
    """
    # Lock the assessment row: concurrent saves of one assessment run one after another.
    # (Unless it was read locked already, in this transaction.)
    if not holds_row_lock(session, assessment):
        if isinstance(assessment, LockedAssessment):
            raise RuntimeError("An assessment's row must be saved in the transaction that "
                               "locked it.")
        lock_assessment_row(session, assessment)
    if not is_editable(assessment.status):
        raise Conflict("This assessment is %(status)s and can no longer be changed.",
                       {"status": assessment.status.value}, code="not_editable")
    questionnaire = questionnaire_for(assessment)
    answers, evidenced = _answers_to_save(session, assessment)
    planned: list[tuple[str, Any, str, list[str]]] = []
    errors: dict[str, AnswerError] = {}
    conflicts: dict[str, Any] = {}
    for question_id, given in inputs.items():
        if not questionnaire.has_question(question_id):
            raise NotFound("This question does not exist.")
        row = answers.get(question_id)
        try:
            value = (None if given.value is None
                     else validate_answer(questionnaire.question(question_id), given.value))
        except AnswerError as error:
            errors[question_id] = error
            continue
        comment = _clean_comment(given.comment, row.comment if row else "")
        evidence = _clean_evidence(given.evidence, list(row.evidence) if row else [])
        # Saving a carried-over answer confirms it, even with the same value.
        unchanged = not (row is not None and row.carried) and (
            row.value if row else None) == value and (
            row.comment if row else "") == comment and (
            row.evidence if row else []) == evidence
        if unchanged:
            continue
        if row is not None and row.version > base_version:
            conflicts[question_id] = _stored(row)
            continue
        planned.append((question_id, value, comment, evidence))
    if errors:
        raise AnswersRejected(errors)
    if conflicts:
        raise Conflict("Someone else changed this answer after you loaded the page.",
                       code="stale", current=conflicts)
    if not planned:
        return SaveResult(assessment.version, score_of(assessment, answers), (), answers,
                          evidenced)
    with session.no_autoflush:
        report = _apply(session, assessment, answers, planned, actor)
    session.flush()
    if isinstance(assessment, LockedAssessment):
        _forget_loaded_assessment(session, assessment)
    return SaveResult(assessment.version, report, tuple(item[0] for item in planned), answers,
                      evidenced)


_ANSWER_ROWS = cast(Table, Answer.__table__)
_ASSESSMENT_ROWS = cast(Table, Assessment.__table__)
_DOCUMENT_ROWS = cast(Table, EvidenceDocument.__table__)
_ANSWER_COLUMNS = (_ANSWER_ROWS.c.value, _ANSWER_ROWS.c.comment, _ANSWER_ROWS.c.evidence,
                   _ANSWER_ROWS.c.version, _ANSWER_ROWS.c.carried, _ANSWER_ROWS.c.id)
#: What a save reads of an assessment (its row is locked), in one statement: each answer
#: (kind 0: question, then :data:`_ANSWER_COLUMNS`) and each evidence document's verdict
#: (kind 1: question, then the verdict), each padded with the other's columns as NULLs.
_ANSWERS_TO_SAVE = union_all(
    select(literal_column("0"), _ANSWER_ROWS.c.question_id, *_ANSWER_COLUMNS,
           *typed_nulls([_DOCUMENT_ROWS.c.verdict]))
    .where(_ANSWER_ROWS.c.assessment_id == bindparam("assessment_id")),
    select(literal_column("1"), _DOCUMENT_ROWS.c.question_id, *typed_nulls(_ANSWER_COLUMNS),
           _DOCUMENT_ROWS.c.verdict)
    .where(_DOCUMENT_ROWS.c.assessment_id == bindparam("assessment_id")))
_ANSWERS_TO_SAVE_READER = DriverStatement(_ANSWERS_TO_SAVE)
#: The columns a save writes to an answer.
_ANSWER_WRITTEN = ("value", "comment", "evidence", "version", "carried", "updated_by_id",
                   "updated_at")
#: A stored answer rewritten (several at once as one executemany). The bound names are not
#: the columns' own: SQLAlchemy keeps those for the SET clause.
_REWRITE_ANSWER = (
    update(_ANSWER_ROWS).where(_ANSWER_ROWS.c.id == bindparam("answer_id"))
    .values(**{name: bindparam(f"answer_{name}", type_=_ANSWER_ROWS.c[name].type)
               for name in _ANSWER_WRITTEN}))
_REWRITE_ANSWER_WRITER = DriverStatement(_REWRITE_ANSWER)
#: Answers given for the first time (several at once as one executemany).
_INSERT_ANSWER = insert(_ANSWER_ROWS)


def _answers_to_save(session: Session, assessment: ChangedAssessment
                     ) -> tuple[dict[str, StoredAnswer], frozenset[str]]:
    """Return the stored answers of ``assessment`` by question id, as a save reads them
    (rows of the table, read as they are now: the caller holds the assessment's lock), and
    the questions with a document not marked insufficient."""
    answers: dict[str, StoredAnswer] = {}
    evidenced: set[str] = set()
    rows: Sequence[tuple[Any, ...]] | None = None
    if isinstance(assessment, LockedAssessment) and assessment.answers_read is not None:
        # Read with the lock, in the same round trip; taken once.
        rows, assessment.answers_read = assessment.answers_read, None
    if rows is None:
        rows = _ANSWERS_TO_SAVE_READER.rows(writing_connection(session),
                                            {"assessment_id": assessment.id})
    for row in rows:
        if row[0] == 0:
            answers[row[1]] = StoredAnswer(row[1], row[2], row[3] or "", list(row[4] or []),
                                           row[5], bool(row[6]), row[7])
        elif row[8] != Verdict.insufficient:
            evidenced.add(row[1])
    return answers, frozenset(evidenced)


def _forget_loaded_answers(session: Session, assessment: ChangedAssessment) -> None:
    """Expire the answers of ``assessment`` the session holds as objects, so that what
    it reads next is what the save wrote (the save writes rows, not objects)."""
    for instance in list(session.identity_map.values()):
        if isinstance(instance, Answer) and instance.assessment_id == assessment.id:
            session.expire(instance)
    if isinstance(assessment, Assessment) and "answers" in assessment.__dict__:
        session.expire(assessment, ["answers"])


def _forget_loaded_assessment(session: Session, assessment: LockedAssessment) -> None:
    """Expire the object of an assessment saved through its row, should the session hold
    one, so that what it reads next is what the save wrote."""
    for instance in list(session.identity_map.values()):
        if isinstance(instance, Assessment) and instance.id == assessment.id:
            session.expire(instance)


def _assessment_saved() -> Update:
    """Return the UPDATE of the assessment's new version, cached score and time of change.

    Built afresh for each statement made from it: SQLAlchemy keeps a statement's
    RETURNING columns once asked for, and a statement derived from it would inherit
    them (none) instead of its own.
    """
    return (update(_ASSESSMENT_ROWS).where(_ASSESSMENT_ROWS.c.id == bindparam("of_assessment"))
            .values(**{name: bindparam(f"new_{name}", type_=_ASSESSMENT_ROWS.c[name].type)
                       for name in ("version", "score", "level", "completion",
                                    "updated_at")}))


#: The assessment's new version, cached score and time of change.
_ASSESSMENT_SAVED = _assessment_saved()


_ASSESSMENT_SAVED_WRITER = DriverStatement(_ASSESSMENT_SAVED)


def _write_rows(session: Session, statement: DriverStatement, key: str,
                rows: Sequence[tuple[Any, Mapping[str, Any]]]) -> None:
    """Write new values of loaded rows with one prepared UPDATE (an executemany for
    several), and tell the session that they are what the database now holds (a row read
    as such, :class:`LockedAssessment`, takes them as plain attributes).

    The ORM's unit of work cost more than the rest of a save for these plain UPDATEs.
    ``key`` is the parameter that picks a row by its ``id``; each value ``v`` of column
    ``c`` is the parameter ``new_c``.
    """
    statement.execute(
        writing_connection(session),
        [{key: row.id, **{f"new_{column}": value for column, value in values.items()}}
         for row, values in rows])
    _note_written(rows)


def _note_written(rows: Sequence[tuple[Any, Mapping[str, Any]]]) -> None:
    """Tell the session (or the row read as such) what :func:`_write_rows` wrote."""
    for row, values in rows:
        for column, value in values.items():
            if isinstance(row, LockedAssessment):
                if hasattr(row, column):
                    setattr(row, column, value)
            else:
                set_committed_value(row, column, value)


def _saved_values(report: ScoreReport, version: int, now: dt.datetime) -> dict[str, Any]:
    """Return what a save writes to the assessment's own row."""
    return {"version": version, "score": report.overall,
            "level": report.level.id if report.level else None,
            "completion": report.completion, "updated_at": now}


def _section_scores_loaded(assessment: ChangedAssessment) -> TypeGuard[Assessment]:
    """Return whether the session holds the assessment's section scores as objects (then
    the ORM writes them, see :func:`_rescore_saved`)."""
    return isinstance(assessment, Assessment) and "section_scores" in assessment.__dict__


@functools.lru_cache(maxsize=256)
def _saved_together(section_ids: tuple[str, ...]) -> DriverStatement:
    """Return the statement that writes one answer, the sections' scores, the
    assessment's row and the change's audit event at once (PostgreSQL: data-modifying
    ``WITH``), returning how many section rows it updated.

    The parameters are those of :data:`_REWRITE_ANSWER`, of
    :func:`_section_scores_update`, of :func:`_assessment_saved` and of
    :meth:`audit.NextEvent.parameters`.
    """
    answer = _REWRITE_ANSWER.returning(_ANSWER_ROWS.c.id).cte("answer_saved")
    sections = _section_scores_update(section_ids).returning(
        cast(Table, SectionScore.__table__).c.section_id).cte("sections_scored")
    return DriverStatement(
        _assessment_saved().add_cte(answer, sections, audit.appended_in())
        .returning(select(func.count()).select_from(sections).scalar_subquery()))


def _save_together(session: Session, assessment: ChangedAssessment, rewrite: dict[str, Any],
                   answers: Mapping[str, StoredAnswer], version: int, now: dt.datetime,
                   change: dict[str, Any]) -> ScoreReport:
    """Write one changed answer, the section scores, the assessment's row and the audit
    event ``change`` describes (:func:`audit.next_in_chain`'s arguments) in one round
    trip (PostgreSQL), and return the new score.

    The autosave's three UPDATEs and its event were four round trips, each costing the
    worker and the server more than the statement's own work. The chain's lock is taken
    once the score is computed: it is then held, as for any event, for one statement
    and the commit. Should the assessment lack a section's row, :func:`_rescore` writes
    the scores through the ORM, as :func:`_rescore_saved` would.
    """
    _forget_loaded_answers(session, assessment)
    report = score_of(assessment, answers)
    scores = {section.id: section.score for section in report.sections}
    values = _saved_values(report, version, now)
    event = audit.next_in_chain(session, **change)
    parameters: dict[str, Any] = {
        **rewrite, "of_assessment": assessment.id,
        **{f"score_{index}": score for index, score in enumerate(scores.values())},
        **{f"new_{column}": value for column, value in values.items()},
        **event.parameters()}
    updated = _saved_together(tuple(scores)).execute(
        writing_connection(session), parameters).scalar_one()
    audit.appended(session, event)
    _note_written([(assessment, values)])
    if updated != len(scores):
        return _rescore(session, _stored_object(session, assessment), answers)
    return report


def _apply(session: Session, assessment: ChangedAssessment, answers: dict[str, StoredAnswer],
           planned: Sequence[tuple[str, Any, str, list[str]]], actor: Person) -> ScoreReport:
    """Write the planned answers, rescore the assessment and record each change.

    Answers are written as rows with prepared statements (an UPDATE of those stored, an
    INSERT of those given for the first time, each one executemany), and so is the
    assessment's row.
    """
    version = assessment.version + 1
    now = utcnow()
    befores: list[tuple[str, dict[str, Any] | None]] = []
    rewritten: list[dict[str, Any]] = []
    added: list[dict[str, Any]] = []
    for question_id, value, comment, evidence in planned:
        row = answers.get(question_id)
        befores.append((question_id, _stored(row)))
        values = {"value": value, "comment": comment, "evidence": evidence,
                  "version": version, "carried": False, "updated_by_id": actor.id,
                  "updated_at": now}
        if row is None:
            added.append({"assessment_id": assessment.id, "question_id": question_id,
                          **values})
            answers[question_id] = StoredAnswer(question_id, value, comment, evidence,
                                                version, False, updated_at=now)
        else:
            rewritten.append({"answer_id": row.id,
                              **{f"answer_{name}": item for name, item in values.items()}})
            row.value, row.comment, row.evidence = value, comment, evidence
            row.version, row.carried, row.updated_at = version, False, now
    # Each change's audit event, as ``audit.record_event`` takes it.
    changes: list[dict[str, Any]] = [
        {"actor_id": actor.id, "action": "answer.changed", "object_type": "assessment",
         "object_id": assessment.id, "organisation_id": assessment.organisation_id,
         "before": {"question": question_id, **(before or {})},
         "after": {"question": question_id, **(_stored(answers[question_id]) or {})}}
        for question_id, before in befores]
    connection = writing_connection(session)
    if (len(rewritten) == 1 and not added and connection.dialect.name == "postgresql"
            and not _section_scores_loaded(assessment)):
        return _save_together(session, assessment, rewritten[0], answers, version, now,
                              changes[0])
    if rewritten:
        _REWRITE_ANSWER_WRITER.execute(connection, rewritten)
    if added:
        connection.execute(_INSERT_ANSWER, added)
    _forget_loaded_answers(session, assessment)
    report = _rescore_saved(session, assessment, answers)
    _write_rows(session, _ASSESSMENT_SAVED_WRITER, "of_assessment",
                [(assessment, _saved_values(report, version, now))])
    for change in changes:
        record_event(session, **change)
    return report


def save_answer(
    session: Session,
    assessment: ChangedAssessment,
    question_id: str,
    answer: AnswerInput,
    *,
    base_version: int,
    actor: Person,
) -> SaveResult:
    """Save one answer (the autosave); see :func:`save_answers` for the rules."""
    return save_answers(session, assessment, {question_id: answer}, base_version=base_version,
                        actor=actor)


def submit_assessment(session: Session, assessment: Assessment, *, actor: Person,
                      locale: str | None = None) -> Submission:
    """Submit a draft for review, freezing a snapshot of its answers and score.

    Every reviewer who may review it is told by mail once the submission commits.

    :param locale: the language the submission was made in (for mail to reviewers who
        have no preference).

    :raises Conflict: when the assessment is not a draft.
    :raises UnconfirmedAnswers: listing the answers carried over from the previous
        assessment (to questions that apply) that are not confirmed yet.
    :raises MissingAnswers: listing the applicable required questions left unanswered.
    """
    lock_assessment_row(session, assessment)
    apply_action(assessment, Action.submit)
    answers = load_answers(session, assessment, fresh=True)
    report = _rescore(session, assessment, answers)
    unconfirmed = [qid for qid in unconfirmed_answers(questionnaire_for(assessment), answers)
                   if report.questions[qid].visible]
    if unconfirmed:
        raise UnconfirmedAnswers(unconfirmed)
    if report.missing_required:
        raise MissingAnswers("Answer every required question before submitting.",
                             report.missing_required)
    number = (session.scalar(select(func.max(Submission.number))
                             .where(Submission.assessment_id == assessment.id)) or 0) + 1
    submission = Submission(
        assessment_id=assessment.id,
        number=number,
        submitted_by_id=actor.id,
        answers=_snapshot(session, assessment, answers),
        score=report_summary(report),
    )
    session.add(submission)
    _freeze_question_scores(session, assessment, submission, report)
    now = utcnow()
    assessment.submitted_at = now
    change_status(session, assessment, Action.submit, actor=actor, event="assessment.submitted",
                  now=now, details={"submission": number, "score": report.overall})
    for reviewer in eligible_reviewers(session, assessment):
        outbox.enqueue(session, outbox.REVIEW_REQUESTED, recipient=reviewer, locale=locale,
                       assessment_id=assessment.id)
    return submission


def _snapshot(session: Session, assessment: Assessment,
              answers: Mapping[str, Answer]) -> dict[str, Any]:
    """Return what a submission freezes: each answer with the files attached to it."""
    files: dict[str, list[dict[str, str]]] = {}
    for question_id, sha256, name in session.execute(
            select(EvidenceDocument.question_id, EvidenceDocument.sha256, EvidenceDocument.name)
            .where(EvidenceDocument.assessment_id == assessment.id)
            .order_by(EvidenceDocument.id)):
        files.setdefault(question_id, []).append({"sha256": sha256, "name": name})
    snapshot: dict[str, Any] = {}
    for question_id in sorted(set(answers) | set(files)):
        row = answers.get(question_id)
        # An answer carried over and never confirmed was not given in this submission.
        row = None if row is not None and row.carried else row
        entry = _stored(row) or {"value": None, "comment": "", "evidence": []}
        if question_id in files:
            entry["documents"] = files[question_id]
        if entry["value"] is not None or entry["comment"] or entry["evidence"] \
                or question_id in files:
            snapshot[question_id] = entry
    return snapshot
def _freeze_question_scores(session: Session, assessment: Assessment, submission: Submission,
                            report: ScoreReport) -> None:
    """Replace the assessment's frozen questions below full marks with this submission's."""
    session.execute(delete(QuestionScore).where(QuestionScore.assessment_id == assessment.id))
    session.flush()
    session.add_all(QuestionScore(assessment_id=assessment.id, submission_id=submission.id,
                                  question_id=gap.question_id, points_lost=gap.impact)
                    for gap in report.gaps)


def latest_submission(session: Session, assessment: Assessment) -> Submission | None:
    """Return the newest submission of ``assessment``, if any."""
    return session.scalar(
        select(Submission).where(Submission.assessment_id == assessment.id)
        .order_by(Submission.number.desc()).limit(1)
    )


# --------------------------------------------------------------------------- respondent's view

#: Statuses in which an assessment is still being worked on or decided.
OPEN_STATUSES = frozenset({Status.draft, Status.submitted, Status.in_review})


@dataclass(frozen=True)
class AssessmentState:
    """What the pages of one assessment show: its answers and their score."""

    assessment: Assessment
    questionnaire: Questionnaire
    answers: Mapping[str, Answer]
    report: ScoreReport

    @property
    def values(self) -> dict[str, Any]:
        """Return the answered values by question id."""
        return answer_values(self.answers)

    def is_visible(self, question_id: str) -> bool:
        """Return whether the answers make a question visible (its ``show_if`` holds)."""
        return self.report.questions[question_id].visible


@dataclass(frozen=True)
class StartOption:
    """A questionnaire a user may start, with the subjects it fits."""

    version: QuestionnaireVersion
    #: Organisations of the user (organisation questionnaires) or their projects.
    organisations: tuple[Organisation, ...]
    projects: tuple[Project, ...]


def assessment_state(session: Session, assessment: Assessment) -> AssessmentState:
    """Load the answers of ``assessment`` and score them.

    :param assessment: an assessment the caller may read.
    :return: the answers (one query) and the live score report.
    """
    answers = load_answers(session, assessment)
    return AssessmentState(assessment, questionnaire_for(assessment), answers,
                           score_of(assessment, answers))


def list_assessments(session: Session, user: Person) -> Sequence[Assessment]:
    """Return the assessments of every organisation ``user`` belongs to, newest change first.

    The questionnaire version, organisation and project come in the same few queries,
    however many assessments there are.
    """
    return session.scalars(
        select(Assessment)
        .join(Membership, Membership.organisation_id == Assessment.organisation_id)
        .where(Membership.user_id == user.id)
        .options(joinedload(Assessment.questionnaire_version),
                 joinedload(Assessment.organisation), joinedload(Assessment.project))
        .order_by(Assessment.updated_at.desc(), Assessment.id.desc())).unique().all()


def latest_version(session: Session, questionnaire_id: str) -> QuestionnaireVersion:
    """Return the newest published version of a questionnaire.

    :raises NotFound: when no version of it is published.
    """
    version = session.scalar(
        select(QuestionnaireVersion).where(QuestionnaireVersion.questionnaire_id
                                           == questionnaire_id)
        # The highest major version; within it, the last published.
        .order_by(QuestionnaireVersion.major.desc(), QuestionnaireVersion.id.desc()).limit(1))
    if version is None:
        raise NotFound("This questionnaire does not exist.")
    return version


def start_options(session: Session, user: Person) -> list[StartOption]:
    """Return each published questionnaire with the subjects ``user`` may assess with it."""
    from ppp_assess.services.projects import list_projects, member_organisations

    organisations = tuple(member_organisations(session, user))
    active = {organisation.id for organisation in organisations}
    projects = tuple(project for project in list_projects(session, user)
                     if project.organisation_id in active)
    options = []
    for version in sorted(latest_versions(session), key=lambda row: row.title):
        if SubjectType(version.subject) == SubjectType.organisation:
            options.append(StartOption(version, organisations, ()))
        else:
            options.append(StartOption(version, (), projects))
    return options


def start_assessment_for(
    session: Session,
    *,
    actor: Person,
    questionnaire_id: str,
    organisation_id: int | None = None,
    project_id: int | None = None,
    stage: str | None = None,
    period: str | None = None,
) -> Assessment:
    """Start an assessment with the newest version of a questionnaire.

    An organisation questionnaire needs one of ``actor``'s organisations, a project
    questionnaire one of their projects. An assessment of the same questionnaire and
    subject that is still open (draft, submitted or in review) is not started twice.

    :param actor: the member starting it.
    :param questionnaire_id: the questionnaire's slug.
    :param organisation_id: the organisation assessed (organisation questionnaires).
    :param project_id: the project assessed (project questionnaires).
    :param stage: the project stage it describes (a code of ``ASSESSMENT_STAGES``).
    :param period: the period it covers.
    :return: the new draft (flushed).
    :raises NotFound: for an unknown questionnaire, or a subject ``actor`` may not see.
    :raises Invalid: when the subject does not fit the questionnaire.
    :raises Conflict: code ``already_open`` when such an assessment is open already; its
        id is in ``current``.
    """
    from ppp_assess.services.projects import member_organisations

    version = latest_version(session, questionnaire_id)
    active = {organisation.id for organisation in member_organisations(session, actor)}
    subject = SubjectType(version.subject)
    project: Project | None = None
    if subject == SubjectType.project:
        if project_id is None:
            raise Invalid("This questionnaire assesses a project: choose one.",
                          fields={"project": "required"})
        project = session.get(Project, project_id)
        if project is None or project.organisation_id not in active:
            raise NotFound("This project does not exist.")
        organisation_id = project.organisation_id
    else:
        if project_id is not None:
            raise Invalid("This questionnaire assesses an organisation, not a project.",
                          fields={"project": "not_allowed"})
        if organisation_id is None:
            if len(active) != 1:
                raise Invalid("Choose the organisation to assess.",
                              fields={"organisation": "required"})
            organisation_id = next(iter(active))
        if organisation_id not in active:
            raise NotFound("This organisation does not exist.")
    assert organisation_id is not None
    existing = session.scalar(
        select(Assessment.id).join(Assessment.questionnaire_version)
        .where(QuestionnaireVersion.questionnaire_id == questionnaire_id,
               Assessment.organisation_id == organisation_id,
               Assessment.project_id.is_(None) if project is None
               else Assessment.project_id == project.id,
               Assessment.status.in_(OPEN_STATUSES)).limit(1))
    if existing is not None:
        raise Conflict("An assessment of this questionnaire for this subject is already open.",
                       code="already_open", current=existing)
    return start_assessment(session, actor=actor, version=version,
                            organisation_id=organisation_id, project=project, stage=stage,
                            period=period)


def start_assessment_with_answers(
    session: Session,
    *,
    actor: Person,
    questionnaire_id: str,
    version_label: str,
    organisation_id: int | None,
    values: Mapping[str, Any],
) -> Assessment:
    """Start an organisation assessment pre-filled with answers given elsewhere.

    This keeps the quick self-check's answers: values the version does not accept are
    left out, so an old or damaged set of answers never blocks saving.

    :param version_label: the questionnaire version the answers were given for; it must
        still be the newest, or the answers would be filed against other questions.
    :raises Conflict: code ``version_changed`` when a newer version has been published,
        or ``already_open`` (see :func:`start_assessment_for`).
    """
    version = latest_version(session, questionnaire_id)
    if version.version != version_label:
        raise Conflict("The questionnaire has changed since you answered it. Start again.",
                       code="version_changed")
    assessment = start_assessment_for(session, actor=actor, questionnaire_id=questionnaire_id,
                                      organisation_id=organisation_id)
    accepted = clean_answers(questionnaire_of(version), values)
    if accepted:
        save_answers(session, assessment,
                     {qid: AnswerInput(value) for qid, value in accepted.items()},
                     base_version=assessment.version, actor=actor)
    return assessment


@dataclass(frozen=True)
class CopyPlan:
    """What copying answers given elsewhere into an open draft would do."""

    assessment: Assessment
    #: Questions the draft has not answered and the other answers do: copied as they are.
    added: tuple[str, ...]
    #: Questions both have answered differently, in document order: the person chooses.
    differing: tuple[str, ...]
    #: The given answers the version accepts, by question id.
    given: Mapping[str, Any]
    #: The draft's answers, by question id.
    stored: Mapping[str, Any]


def open_drafts_to_copy_into(session: Session, actor: Person, questionnaire_id: str,
                             version_label: str, values: Mapping[str, Any]) -> list[CopyPlan]:
    """Return the drafts of ``questionnaire_id`` (version ``version_label``) that ``actor``
    may answer, each with what copying ``values`` into it would add or ask about."""
    from ppp_assess.services.permissions import can_edit_assessment
    from ppp_assess.services.projects import member_organisations

    active = [organisation.id for organisation in member_organisations(session, actor)]
    if not active:
        return []
    drafts = session.scalars(
        select(Assessment).join(Assessment.questionnaire_version)
        .where(QuestionnaireVersion.questionnaire_id == questionnaire_id,
               QuestionnaireVersion.version == version_label,
               Assessment.organisation_id.in_(active), Assessment.status == Status.draft)
        .order_by(Assessment.id))
    plans = []
    for draft in drafts:
        if not can_edit_assessment(session, actor, draft):
            continue
        questionnaire = questionnaire_for(draft)
        given = clean_answers(questionnaire, values)
        stored = {question_id: row.value for question_id, row in
                  load_answers(session, draft).items() if row.value is not None}
        order = [question.id for question in questionnaire.all_questions()]
        plans.append(CopyPlan(
            assessment=draft,
            added=tuple(qid for qid in order if qid in given and qid not in stored),
            differing=tuple(qid for qid in order
                            if qid in given and qid in stored and given[qid] != stored[qid]),
            given=given, stored=stored))
    return plans


def copy_answers_into(session: Session, plan: CopyPlan, *, take: Sequence[str],
                      base_version: int, actor: Person) -> SaveResult:
    """Copy the given answers of ``plan`` into its draft: every question the draft has not
    answered, and of those both answered, the ones in ``take``; the rest keep the draft's.

    :raises Conflict: as :func:`save_answers` (``stale`` when the draft changed since the
        person compared it, ``not_editable`` when it is no longer a draft).
    """
    chosen = [question_id for question_id in plan.differing if question_id in set(take)]
    inputs = {question_id: AnswerInput(plan.given[question_id])
              for question_id in (*plan.added, *chosen)}
    return save_answers(session, plan.assessment, inputs, base_version=base_version,
                        actor=actor)
