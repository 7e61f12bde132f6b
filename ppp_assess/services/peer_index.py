"""The peer index: each subject's current peer result, kept ready for peer statistics.

A subject (a project, or an organisation for organisation questionnaires) has at most one
result among its peers for each questionnaire and major version: its latest approved,
certified or revoked assessment by approval date (then id), when that one is not
revoked. Working that out means ranking every decided assessment, which at 100 000
assessments cost more than the statistics themselves. So the current results are kept in
``peer_scores``, one row per score (the overall score under ``"*"`` and each section with
a score), with the attributes peer groups are filtered on, and the statistics read
ordered ranges of its indexes (:mod:`ppp_assess.services.benchmarks.peers`). Each row
names its questionnaire, major version, subject type and section by one integer, the id
of a ``peer_keys`` row, so that those indexes lead with a single integer; keys are added
as rows first need them, and kept.

The rows are replaced in the transaction that changes what they come from:

- a status change (:func:`ppp_assess.services.lifecycle.change_status`: approval,
  certification, revocation, reopening) refreshes the assessment's subject;
- a project's changed facts refresh the project, an organisation's changed country or
  region refreshes its organisation questionnaires;
- anything that writes rows another way (a restored backup, the demo, bulk loads)
  calls :func:`rebuild_peer_scores`, also ``flask peers rebuild`` for operators.

Each refresh deletes a subject's rows and inserts them again (and any key they lack) with
the same statements the rebuild runs over every subject, so a refreshed index equals a
rebuilt one.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    delete,
    func,
    insert,
    literal,
    select,
    union_all,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ppp_assess.domain.reference import SubjectType
from ppp_assess.domain.workflow import Status
from ppp_assess.models import (
    Assessment,
    Organisation,
    PeerKey,
    PeerScore,
    Project,
    QuestionnaireVersion,
    SectionScore,
)

#: Statuses that take part in choosing each subject's latest result.
RANKED = (Status.approved, Status.certified, Status.revoked)
#: The key of the overall score among the section keys (section ids are slugs, never "*").
OVERALL = "*"

#: The project and organisation attributes kept with each peer score (peer filters).
PEER_ATTRIBUTES = frozenset({"sector", "stage", "contract_type", "region", "country"})

#: What a peer key stands for.
_KEY_COLUMNS = (PeerKey.questionnaire_id, PeerKey.major, PeerKey.subject_type,
                PeerKey.section_key)
#: The columns of a peer score besides its assessment and key.
_ROW_COLUMNS = ("score", "organisation_id", "project_id", "sector", "stage", "contract_type",
                "region", "country")


def current_results(*conditions: ColumnElement[bool]) -> Select[Any]:
    """Return each subject's current result among those matching ``conditions``.

    Columns: ``assessment_id``, ``organisation_id``, ``project_id``, ``subject_type``,
    ``score``, ``questionnaire_id``, ``major``. ``conditions`` must keep or drop whole
    subjects (a project, an organisation), never some of a subject's assessments.
    """
    subject_key = func.coalesce(Assessment.project_id, Assessment.organisation_id)
    position = func.row_number().over(
        partition_by=(QuestionnaireVersion.questionnaire_id, QuestionnaireVersion.major,
                      Assessment.subject_type, subject_key),
        order_by=(Assessment.approved_at.desc().nulls_last(), Assessment.id.desc()),
    )
    ranked = (
        select(
            Assessment.id.label("assessment_id"),
            Assessment.organisation_id.label("organisation_id"),
            Assessment.project_id.label("project_id"),
            Assessment.subject_type.label("subject_type"),
            Assessment.status.label("status"),
            Assessment.score.label("score"),
            QuestionnaireVersion.questionnaire_id.label("questionnaire_id"),
            QuestionnaireVersion.major.label("major"),
            position.label("position"),
        )
        .join(QuestionnaireVersion, QuestionnaireVersion.id == Assessment.questionnaire_version_id)
        .where(Assessment.status.in_(RANKED), *conditions)
        .subquery("ranked")
    )
    return select(ranked.c.assessment_id, ranked.c.organisation_id, ranked.c.project_id,
                  ranked.c.subject_type, ranked.c.score, ranked.c.questionnaire_id,
                  ranked.c.major).where(ranked.c.position == 1,
                                        ranked.c.status != Status.revoked)


def _rows(*conditions: ColumnElement[bool]) -> Select[Any]:
    """Return the peer scores of the current results matching ``conditions``, each with
    the columns of its key rather than the key's id."""
    current = current_results(*conditions).subquery("current")
    is_project = current.c.subject_type == SubjectType.project
    attributes = (
        current.c.questionnaire_id, current.c.major, current.c.subject_type,
        current.c.organisation_id, current.c.project_id, Project.sector, Project.stage,
        Project.contract_type,
        case((is_project, Project.region), else_=Organisation.region).label("region"),
        case((is_project, Project.country), else_=Organisation.country).label("country"),
    )

    def joined(query: Select[Any]) -> Select[Any]:
        return (query.join(Organisation, Organisation.id == current.c.organisation_id)
                .outerjoin(Project, Project.id == current.c.project_id))

    overall = joined(select(current.c.assessment_id, literal(OVERALL).label("section_key"),
                            current.c.score.label("score"), *attributes)
                     ).where(current.c.score.is_not(None))
    sections = joined(
        select(current.c.assessment_id, SectionScore.section_id, SectionScore.score,
               *attributes)
        .select_from(current)
        .join(SectionScore, SectionScore.assessment_id == current.c.assessment_id)
    ).where(SectionScore.score.is_not(None))
    return select(union_all(overall, sections).subquery("peer_rows"))


def _insert_missing_keys(session: Session, rows: Any) -> None:
    """Add the keys of ``rows`` that ``peer_keys`` lacks.

    A concurrent refresh may add the same key first: the insert then waits for that
    transaction and skips the key (``ON CONFLICT DO NOTHING``), and the rows' own insert,
    a later statement, sees the key committed (PostgreSQL reads committed rows; SQLite
    writes one transaction at a time).
    """
    key = (rows.c.questionnaire_id, rows.c.major, rows.c.subject_type, rows.c.section_key)
    known = select(PeerKey.id).where(*(column == value for column, value
                                       in zip(_KEY_COLUMNS, key, strict=True)))
    # The WHERE also keeps SQLite from reading ON CONFLICT as a join's ON.
    missing = select(*key).distinct().where(~known.exists())
    names = [column.key for column in _KEY_COLUMNS]
    if session.get_bind().dialect.name == "postgresql":
        statement: Any = postgresql.insert(PeerKey).from_select(names, missing)
    else:
        statement = sqlite.insert(PeerKey).from_select(names, missing)
    session.execute(statement.on_conflict_do_nothing())


def _replace(session: Session, stale: ColumnElement[bool] | None,
             *conditions: ColumnElement[bool]) -> None:
    session.flush()
    removal = delete(PeerScore)
    if stale is not None:
        removal = removal.where(stale)
    session.execute(removal.execution_options(synchronize_session=False))
    _insert_missing_keys(session, _rows(*conditions).subquery("peer_rows"))
    rows = _rows(*conditions).subquery("peer_rows")
    keyed = (select(rows.c.assessment_id, PeerKey.id, *(rows.c[name] for name in _ROW_COLUMNS))
             .join(PeerKey, and_(*(column == rows.c[column.key] for column in _KEY_COLUMNS))))
    session.execute(insert(PeerScore).from_select(("assessment_id", "key_id", *_ROW_COLUMNS),
                                                  keyed))


def refresh_project(session: Session, project_id: int) -> None:
    """Replace the peer rows of one project (after its assessments or facts changed)."""
    _replace(session, PeerScore.project_id == project_id, Assessment.project_id == project_id)


def refresh_organisation(session: Session, organisation_id: int) -> None:
    """Replace the peer rows of one organisation's organisation questionnaires."""
    _replace(
        session,
        # Only organisation questionnaires' rows have no project.
        and_(PeerScore.project_id.is_(None), PeerScore.organisation_id == organisation_id),
        Assessment.subject_type == SubjectType.organisation,
        Assessment.organisation_id == organisation_id,
    )


def refresh_subject(session: Session, assessment: Assessment) -> None:
    """Replace the peer rows of the assessment's subject."""
    if assessment.subject_type == SubjectType.project and assessment.project_id is not None:
        refresh_project(session, assessment.project_id)
    else:
        refresh_organisation(session, assessment.organisation_id)


def rebuild_peer_scores(session: Session) -> int:
    """Replace every peer row from the assessments; return how many rows there are."""
    _replace(session, None)
    return session.scalar(select(func.count()).select_from(PeerScore)) or 0
