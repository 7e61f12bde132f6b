"""The evaluators' dashboard totals, kept as assessments are decided.

The dashboard (:mod:`.evaluations`) sums :class:`~ppp_assess.models.DashboardTotal` and
:class:`~ppp_assess.models.DashboardQuestionTotal` rows rather than scanning every
approved and certified assessment and its frozen question scores. The totals stay exact
because every change to what they count goes through :func:`remove_decided` and
:func:`add_decided` in the transaction that makes it:

- a status change in or out of approved/certified
  (:func:`ppp_assess.services.lifecycle.change_status`: approval adds, revocation takes away);
- a change of a project's country, region, sector or stage
  (:func:`ppp_assess.services.projects.update_project`);
- a change of an organisation's country or region
  (:func:`ppp_assess.services.accounts.organisations.update_organisation`).

The score, level, submissions and frozen question scores of an assessment change only
before it is decided (a reassessment is a new assessment), so they need no hook. Both
hooks and :func:`rebuild_totals` compute the same SQL aggregates over the assessments
concerned, and the totals hold integers only (points lost in billionths of a point), so
adding and taking away in any order gives exactly the rebuilt totals. Rows of data
loaded around the services (bulk inserts, hand repairs) need :func:`rebuild_totals`:
``flask dashboard rebuild-totals``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Select,
    and_,
    bindparam,
    case,
    cast,
    delete,
    func,
    insert,
    select,
    true,
    update,
)
from sqlalchemy.orm import Session

from ppp_assess.models import (
    Assessment,
    DashboardQuestionTotal,
    DashboardTotal,
    Organisation,
    Project,
    QuestionnaireVersion,
    QuestionScore,
    Submission,
)
from ppp_assess.models.base import Base
from ppp_assess.models.totals import HISTOGRAM_BINS, POINTS_SCALE
from ppp_assess.services.benchmarks.peers import DECIDED

TOTALS = Base.metadata.tables[DashboardTotal.__tablename__]
QUESTION_TOTALS = Base.metadata.tables[DashboardQuestionTotal.__tablename__]
#: The columns of a totals row that the dashboard filters on, in this order.
KEY = ("questionnaire_id", "country", "region", "sector", "stage", "level")
BINS = tuple(f"score_bin_{index}" for index in range(HISTOGRAM_BINS))
_CHUNK = 500


def _key_columns() -> list[ColumnElement[Any]]:
    return [QuestionnaireVersion.questionnaire_id.label("questionnaire_id"),
            func.coalesce(Project.country, Organisation.country).label("country"),
            func.coalesce(Project.region, Organisation.region).label("region"),
            Project.sector.label("sector"), Project.stage.label("stage"),
            Assessment.level.label("level")]


def _bin_counts() -> list[ColumnElement[Any]]:
    """Count the scores of each bin, as the dashboard's histogram bins them."""
    score = Assessment.score
    counts: list[ColumnElement[Any]] = []
    for index in range(HISTOGRAM_BINS):
        conditions: list[ColumnElement[bool]] = []
        if index > 0:
            conditions.append(score >= index * 10)
        if index < HISTOGRAM_BINS - 1:
            conditions.append(score < (index + 1) * 10)
        counts.append(func.sum(case((and_(*conditions), 1), else_=0)).label(BINS[index]))
    return counts


def points_lost_units() -> ColumnElement[int]:
    """Return a question score's points lost in whole :data:`POINTS_SCALE` units.

    The totals and the dashboard counted from the assessments both sum these, so the
    two agree to the last digit whatever order the rows are summed in.
    """
    return cast(func.round(QuestionScore.points_lost * POINTS_SCALE), BigInteger)


def _decided(columns: Sequence[Any],
             condition: ColumnElement[bool]) -> Select[Any]:
    return (
        select(*columns)
        .select_from(Assessment)
        .join(QuestionnaireVersion, QuestionnaireVersion.id == Assessment.questionnaire_version_id)
        .join(Organisation, Organisation.id == Assessment.organisation_id)
        .outerjoin(Project, Project.id == Assessment.project_id)
        .where(Assessment.status.in_(DECIDED), condition)
    )


def _group_totals(session: Session, condition: ColumnElement[bool]) -> list[Any]:
    key = _key_columns()
    submitted = select(Submission.id).where(Submission.assessment_id == Assessment.id).exists()
    return list(session.execute(
        _decided([*key, func.count().label("assessments"),
                  func.sum(case((submitted, 1), else_=0)).label("submitted"), *_bin_counts()],
                 condition)
        .group_by(*key)).all())


def _question_totals(session: Session, condition: ColumnElement[bool]) -> list[Any]:
    key = _key_columns()
    return list(session.execute(
        _decided([*key, QuestionScore.question_id, func.sum(points_lost_units()), func.count()],
                 condition)
        .join(QuestionScore, QuestionScore.assessment_id == Assessment.id)
        .group_by(*key, QuestionScore.question_id)).all())


def _existing_total(session: Session, key: tuple[Any, ...]) -> int | None:
    conditions = [TOTALS.c[name].is_(None) if value is None else TOTALS.c[name] == value
                  for name, value in zip(KEY, key, strict=True)]
    return session.scalar(select(TOTALS.c.id).where(*conditions)
                          .order_by(TOTALS.c.id).limit(1))


def _apply(session: Session, condition: ColumnElement[bool], sign: int, *,
           empty: bool = False) -> None:
    """Add (``sign`` 1) or take away (-1) the decided assessments matching ``condition``.

    :param empty: the totals are known to be empty (a rebuild): nothing is looked up.
    """
    session.flush()
    groups = _group_totals(session, condition)
    if not groups:
        return
    counters = ("assessments", "submitted", *BINS)
    total_ids: dict[tuple[Any, ...], int] = {}
    for row in groups:
        key = tuple(row[:len(KEY)])
        values = {name: sign * int(getattr(row, name) or 0) for name in counters}
        total_id = None if empty else _existing_total(session, key)
        if total_id is None:
            total_id = session.execute(
                insert(TOTALS).values(**dict(zip(KEY, key, strict=True)), **values)
                .returning(TOTALS.c.id)).scalar_one()
        else:
            session.execute(update(TOTALS).where(TOTALS.c.id == total_id).values(
                {name: TOTALS.c[name] + value for name, value in values.items()}))
        total_ids[key] = total_id

    questions = _question_totals(session, condition)
    existing: dict[tuple[int, str], int] = {}
    if not empty:
        ids = sorted(set(total_ids.values()))
        for start in range(0, len(ids), _CHUNK):
            for row_id, total_id, question_id in session.execute(
                    select(QUESTION_TOTALS.c.id, QUESTION_TOTALS.c.total_id,
                           QUESTION_TOTALS.c.question_id)
                    .where(QUESTION_TOTALS.c.total_id.in_(ids[start:start + _CHUNK]))
                    .order_by(QUESTION_TOTALS.c.id)):
                existing.setdefault((total_id, question_id), row_id)
    updates, inserts = [], []
    for row in questions:
        total_id = total_ids[tuple(row[:len(KEY)])]
        question_id = row[len(KEY)]
        points, count = sign * int(row[len(KEY) + 1]), sign * int(row[len(KEY) + 2])
        row_id = existing.get((total_id, question_id))
        if row_id is None:
            inserts.append({"total_id": total_id, "question_id": question_id,
                            "points_lost": points, "below_full": count})
        else:
            updates.append({"row_id": row_id, "points": points, "count": count})
    if updates:
        session.execute(
            update(QUESTION_TOTALS).where(QUESTION_TOTALS.c.id == bindparam("row_id"))
            .values(points_lost=QUESTION_TOTALS.c.points_lost + bindparam("points"),
                    below_full=QUESTION_TOTALS.c.below_full + bindparam("count")),
            updates)
    if inserts:
        session.execute(insert(QUESTION_TOTALS), inserts)


def add_decided(session: Session, condition: ColumnElement[bool]) -> None:
    """Count the approved and certified assessments matching ``condition`` in the totals.

    Call it once they are decided, or once what they are counted under changed; pending
    changes of the session are flushed first.
    """
    _apply(session, condition, 1)


def remove_decided(session: Session, condition: ColumnElement[bool]) -> None:
    """Take the approved and certified assessments matching ``condition`` out of the totals.

    Call it before they stop being decided, or before what they are counted under
    changes: the totals must be left as they were counted.
    """
    _apply(session, condition, -1)


@contextmanager
def recounted(session: Session, condition: ColumnElement[bool]) -> Iterator[None]:
    """Take the matching decided assessments out of the totals, let the caller change
    them (or their project or organisation), and count them again."""
    remove_decided(session, condition)
    yield
    add_decided(session, condition)


def rebuild_totals(session: Session) -> None:
    """Compute the totals again from every approved and certified assessment.

    For operators (``flask dashboard rebuild-totals``) and after rows were loaded around
    the services; the result equals the totals kept as assessments were decided.
    """
    session.flush()
    session.execute(delete(QUESTION_TOTALS))
    session.execute(delete(TOTALS))
    _apply(session, true(), 1, empty=True)
