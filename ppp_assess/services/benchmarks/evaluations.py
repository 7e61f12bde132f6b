"""The evaluators' dashboard: the decided assessments, their distributions and the
questions where the group loses most points.

It lists individual results and so is for evaluators and administrators only
(:func:`ppp_assess.services.permissions.can_evaluate`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, case, func, select
from sqlalchemy.orm import Session

from ppp_assess.domain.schema import Questionnaire
from ppp_assess.domain.workflow import Status
from ppp_assess.models import (
    Assessment,
    Certificate,
    Organisation,
    Project,
    QuestionnaireVersion,
    QuestionScore,
    Submission,
)
from ppp_assess.models.totals import HISTOGRAM_BINS, POINTS_SCALE
from ppp_assess.services.benchmarks.peers import DECIDED
from ppp_assess.services.benchmarks.totals import (
    BINS,
    QUESTION_TOTALS,
    TOTALS,
    points_lost_units,
)
from ppp_assess.services.questionnaires import questionnaire_of


@dataclass(frozen=True)
class DashboardFilters:
    """What the evaluators' dashboard is narrowed to; ``None`` leaves a filter open."""

    questionnaire_id: str | None = None
    country: str | None = None
    region: str | None = None
    sector: str | None = None
    stage: str | None = None
    level: str | None = None
    approved_from: dt.date | None = None
    approved_to: dt.date | None = None


@dataclass(frozen=True)
class EvaluatedRow:
    """One approved or certified assessment in the evaluators' list."""

    assessment_id: int
    questionnaire_id: str
    questionnaire_version: str
    #: The project name, or the organisation's for organisation questionnaires.
    subject_name: str
    organisation_name: str
    country: str
    sector: str | None
    stage: str | None
    score: float | None
    level: str | None
    status: Status
    approved_at: dt.datetime | None
    certificate_serial: str | None


@dataclass(frozen=True)
class WeakQuestion:
    """A question where the group loses many points."""

    questionnaire_id: str
    question_id: str
    #: The question text (a msgid).
    text: str
    section_title: str
    #: Overall points lost on this question, averaged over the group's assessments.
    mean_points_lost: float
    #: Share (0-1) of the group's assessments that scored below full marks here.
    share_below_full: float
    #: The number pages show for the question ("2.3"); the id is for exports.
    number: str = ""


@dataclass(frozen=True)
class LevelCount:
    """How many assessments of one questionnaire reached one level."""

    questionnaire_id: str
    level: str | None
    #: The level label (a msgid), or ``None`` without a level.
    label: str | None
    count: int


@dataclass(frozen=True)
class Dashboard:
    """Everything the evaluators' dashboard shows for one set of filters."""

    total: int
    rows: tuple[EvaluatedRow, ...]
    #: Counts of scores in [0, 10), [10, 20), ..., [90, 100].
    histogram: tuple[int, ...]
    levels: tuple[LevelCount, ...]
    weakest: tuple[WeakQuestion, ...]
    #: Assessments the weakest questions were computed from.
    analysed: int


def evaluated_conditions(filters: DashboardFilters) -> list[ColumnElement[bool]]:
    """Return the conditions that pick the filtered approved and certified assessments.

    The query they go into must join :class:`QuestionnaireVersion` and
    :class:`Organisation`, and outer-join :class:`Project`.
    """
    country = func.coalesce(Project.country, Organisation.country)
    region = func.coalesce(Project.region, Organisation.region)
    conditions: list[ColumnElement[bool]] = [Assessment.status.in_(DECIDED)]
    if filters.questionnaire_id:
        conditions.append(QuestionnaireVersion.questionnaire_id == filters.questionnaire_id)
    if filters.country:
        conditions.append(country == filters.country.upper())
    if filters.region:
        conditions.append(region == filters.region)
    if filters.sector:
        conditions.append(Project.sector == filters.sector)
    if filters.stage:
        conditions.append(Project.stage == filters.stage)
    if filters.level:
        conditions.append(Assessment.level == filters.level)
    if filters.approved_from:
        start = dt.datetime.combine(filters.approved_from, dt.time(), tzinfo=dt.UTC)
        conditions.append(Assessment.approved_at >= start)
    if filters.approved_to:
        end = dt.datetime.combine(filters.approved_to + dt.timedelta(days=1), dt.time(),
                                  tzinfo=dt.UTC)
        conditions.append(Assessment.approved_at < end)
    return conditions


def _evaluated(filters: DashboardFilters) -> Select[int, str]:
    """Return the ids of the filtered approved and certified assessments, and the
    questionnaire of each."""
    return (
        select(Assessment.id, QuestionnaireVersion.questionnaire_id)
        .join(QuestionnaireVersion, QuestionnaireVersion.id == Assessment.questionnaire_version_id)
        .join(Organisation, Organisation.id == Assessment.organisation_id)
        .outerjoin(Project, Project.id == Assessment.project_id)
        .where(*evaluated_conditions(filters))
    )


def _histogram_bin(column: ColumnElement[Any] | Any) -> ColumnElement[Any]:
    # Comparisons rather than a cast: PostgreSQL rounds where SQLite truncates.
    whens = [(column < (index + 1) * 10, index) for index in range(HISTOGRAM_BINS - 1)]
    return case(*whens, else_=HISTOGRAM_BINS - 1)


def dashboard(session: Session, filters: DashboardFilters, *, limit: int = 100) -> Dashboard:
    """Return the evaluators' dashboard: the list, score and level distributions, and
    the weakest questions across the filtered assessments.

    Without dates, the counts come from the totals kept as assessments are decided
    (:mod:`.totals`): a row per combination of the filters' values, not per assessment.
    The totals are not kept per day, so with ``approved_from`` or ``approved_to`` the
    assessments themselves are counted (:func:`dashboard_from_assessments`).
    """
    if filters.approved_from or filters.approved_to:
        return dashboard_from_assessments(session, filters, limit=limit)
    rows = _listing(session, filters, limit)
    conditions = _total_conditions(filters)
    bins = [func.sum(TOTALS.c[name]) for name in BINS]
    histogram = [0] * HISTOGRAM_BINS
    level_rows: list[tuple[str, str | None, int]] = []
    counted: dict[str, int] = {}
    for row in session.execute(
        select(TOTALS.c.questionnaire_id, TOTALS.c.level, func.sum(TOTALS.c.assessments),
               func.sum(TOTALS.c.submitted), *bins)
        .where(*conditions)
        .group_by(TOTALS.c.questionnaire_id, TOTALS.c.level)
    ):
        assessments = int(row[2] or 0)
        if assessments <= 0:
            continue
        level_rows.append((str(row[0]), row[1], assessments))
        if row[3]:
            counted[str(row[0])] = counted.get(str(row[0]), 0) + int(row[3])
        for index in range(HISTOGRAM_BINS):
            histogram[index] += int(row[4 + index] or 0)
    lost: dict[tuple[str, str], tuple[float, int]] = {}
    for questionnaire_id, question_id, points, count in session.execute(
        select(TOTALS.c.questionnaire_id, QUESTION_TOTALS.c.question_id,
               func.sum(QUESTION_TOTALS.c.points_lost), func.sum(QUESTION_TOTALS.c.below_full))
        .join(TOTALS, TOTALS.c.id == QUESTION_TOTALS.c.total_id)
        .where(*conditions)
        .group_by(TOTALS.c.questionnaire_id, QUESTION_TOTALS.c.question_id)
    ):
        if count:
            lost[(str(questionnaire_id), str(question_id))] = (
                int(points) / POINTS_SCALE, int(count))
    weakest, analysed, questionnaires = _weakest(session, counted, lost)
    levels = _level_counts(session, level_rows, questionnaires)
    return Dashboard(total=sum(row[2] for row in level_rows), rows=rows,
                     histogram=tuple(histogram), levels=levels, weakest=weakest,
                     analysed=analysed)


def _total_conditions(filters: DashboardFilters) -> list[ColumnElement[bool]]:
    """Return the conditions on the totals rows for the filters other than dates."""
    conditions: list[ColumnElement[bool]] = []
    for name, value in (("questionnaire_id", filters.questionnaire_id),
                        ("country", filters.country.upper() if filters.country else None),
                        ("region", filters.region), ("sector", filters.sector),
                        ("stage", filters.stage), ("level", filters.level)):
        if value:
            conditions.append(TOTALS.c[name] == value)
    return conditions


def _listing(session: Session, filters: DashboardFilters, limit: int
             ) -> tuple[EvaluatedRow, ...]:
    """Return the most recently approved of the filtered assessments."""
    certificate = (
        select(Certificate.serial)
        .where(Certificate.assessment_id == Assessment.id, Certificate.revoked_at.is_(None))
        .order_by(Certificate.id.desc()).limit(1).correlate(Assessment).scalar_subquery()
    )
    query = (
        select(Assessment.id, QuestionnaireVersion.questionnaire_id, QuestionnaireVersion.version,
               func.coalesce(Project.name, Organisation.name).label("subject_name"),
               Organisation.name.label("organisation_name"),
               func.coalesce(Project.country, Organisation.country).label("country"),
               Project.sector, Project.stage, Assessment.score, Assessment.level,
               Assessment.status, Assessment.approved_at, certificate.label("serial"))
        .join(QuestionnaireVersion, QuestionnaireVersion.id == Assessment.questionnaire_version_id)
        .join(Organisation, Organisation.id == Assessment.organisation_id)
        .outerjoin(Project, Project.id == Assessment.project_id)
        .where(*evaluated_conditions(filters))
        .limit(limit)
    )
    # Newest approval first, those without a date last: in two queries, so that both
    # databases read the newest rows backwards from the index on (approved_at, id)
    # instead of sorting every decided assessment.
    dated = session.execute(
        query.where(Assessment.approved_at.is_not(None))
        .order_by(Assessment.approved_at.desc(), Assessment.id.desc())).all()
    undated = session.execute(
        query.where(Assessment.approved_at.is_(None)).order_by(Assessment.id.desc())).all()
    listing = [*dated, *undated][:limit]
    return tuple(
        EvaluatedRow(assessment_id=row.id, questionnaire_id=row.questionnaire_id,
                     questionnaire_version=row.version, subject_name=row.subject_name,
                     organisation_name=row.organisation_name, country=row.country,
                     sector=row.sector, stage=row.stage, score=row.score, level=row.level,
                     status=Status(row.status), approved_at=row.approved_at,
                     certificate_serial=row.serial)
        for row in listing
    )


def dashboard_from_assessments(session: Session, filters: DashboardFilters, *,
                               limit: int = 100) -> Dashboard:
    """Return the dashboard counted from the assessments and their frozen question scores.

    :func:`dashboard` uses it for date filters; with any filters it gives what the
    totals give (the tests compare both).
    """
    ids = _evaluated(filters).subquery("evaluated")
    total = session.scalar(select(func.count()).select_from(ids)) or 0
    rows = _listing(session, filters, limit)

    # The bin is computed in a subquery: PostgreSQL would not match a GROUP BY
    # expression carrying bound parameters with the same expression in the SELECT list.
    binned = (
        select(_histogram_bin(Assessment.score).label("bin"))
        .join(ids, ids.c.id == Assessment.id)
        .where(Assessment.score.is_not(None))
        .subquery("binned")
    )
    histogram = [0] * HISTOGRAM_BINS
    for bin_index, count in session.execute(
        select(binned.c.bin, func.count()).group_by(binned.c.bin)
    ):
        histogram[int(bin_index)] = int(count)

    level_rows = session.execute(
        select(QuestionnaireVersion.questionnaire_id, Assessment.level, func.count())
        .join(ids, ids.c.id == Assessment.id)
        .join(QuestionnaireVersion, QuestionnaireVersion.id == Assessment.questionnaire_version_id)
        .group_by(QuestionnaireVersion.questionnaire_id, Assessment.level)
    ).all()
    weakest, analysed, questionnaires = _weakest_questions(session, ids)
    levels = _level_counts(session, level_rows, questionnaires)
    return Dashboard(total=int(total), rows=rows, histogram=tuple(histogram),
                     levels=levels, weakest=weakest, analysed=analysed)


def _latest_questionnaires(session: Session, questionnaire_ids: Iterable[str]
                           ) -> dict[str, Questionnaire]:
    wanted = set(questionnaire_ids)
    if not wanted:
        return {}
    latest: dict[str, Questionnaire] = {}
    for version in session.scalars(
        select(QuestionnaireVersion)
        .where(QuestionnaireVersion.questionnaire_id.in_(wanted))
        .order_by(QuestionnaireVersion.id)
    ):
        latest[version.questionnaire_id] = questionnaire_of(version)
    return latest


def _level_counts(session: Session, rows: Sequence[Any],
                  questionnaires: Mapping[str, Questionnaire]) -> tuple[LevelCount, ...]:
    """Return the count per level, every level of each questionnaire in its order."""
    known = dict(questionnaires)
    known.update(_latest_questionnaires(session, {row[0] for row in rows} - set(known)))
    counts: dict[tuple[str, str | None], int] = {(row[0], row[1]): int(row[2]) for row in rows}
    result: list[LevelCount] = []
    for questionnaire_id in sorted({questionnaire for questionnaire, _level in counts}):
        questionnaire = known.get(questionnaire_id)
        levels = questionnaire.levels if questionnaire is not None else ()
        for level in levels:
            result.append(LevelCount(questionnaire_id, level.id, level.label,
                                     counts.get((questionnaire_id, level.id), 0)))
        ordered = {level.id for level in levels}
        others = sorted((level for questionnaire, level in counts
                         if questionnaire == questionnaire_id and level not in ordered),
                        key=lambda level: level or "")
        result.extend(LevelCount(questionnaire_id, level, None,
                                 counts[(questionnaire_id, level)]) for level in others)
    return tuple(result)


def _weakest_questions(session: Session, ids: Any, *, top: int = 10
                       ) -> tuple[tuple[WeakQuestion, ...], int, dict[str, Questionnaire]]:
    """Average the points lost per question over the group's latest submissions.

    Two aggregates in SQL: the points each question below full marks lost, frozen at
    submission (:class:`QuestionScore`) and summed in billionths of a point as the
    totals sum them, and how many of the group's assessments were submitted, per
    questionnaire. Nothing is re-scored.
    """
    questionnaire_id = ids.c.questionnaire_id
    counted: dict[str, int] = {
        str(row[0]): int(row[1]) for row in session.execute(
            select(questionnaire_id, func.count())
            .select_from(ids)
            .where(select(Submission.id).where(Submission.assessment_id == ids.c.id)
                   .exists())
            .group_by(questionnaire_id))
    }
    lost: dict[tuple[str, str], tuple[float, int]] = {
        (str(row[0]), str(row[1])): (int(row[2]) / POINTS_SCALE, int(row[3]))
        for row in session.execute(
            select(questionnaire_id, QuestionScore.question_id,
                   func.sum(points_lost_units()), func.count())
            .select_from(ids)
            .join(QuestionScore, QuestionScore.assessment_id == ids.c.id)
            .group_by(questionnaire_id, QuestionScore.question_id))
    }
    return _weakest(session, counted, lost, top=top)


def _weakest(session: Session, counted: Mapping[str, int],
             lost: Mapping[tuple[str, str], tuple[float, int]], *, top: int = 10
             ) -> tuple[tuple[WeakQuestion, ...], int, dict[str, Questionnaire]]:
    """Pick the questions losing most points on average, from the number of submitted
    assessments per questionnaire and the points lost and count below full per question."""
    latest = _latest_questionnaires(session, counted)
    weak: list[WeakQuestion] = []
    for questionnaire, count in sorted(counted.items()):
        current = latest[questionnaire]
        candidates = [
            (lost[(questionnaire, question.id)][0] / count, position_index, question)
            for position_index, question in enumerate(current.all_questions())
            if lost.get((questionnaire, question.id), (0.0, 0))[0] > 0
        ]
        candidates.sort(key=lambda item: (-item[0], item[1]))
        for mean_lost, _index, question in candidates[:top]:
            weak.append(WeakQuestion(
                questionnaire_id=questionnaire, question_id=question.id, text=question.text,
                section_title=current.section_of(question.id).title,
                mean_points_lost=mean_lost,
                share_below_full=lost[(questionnaire, question.id)][1] / count,
                number=current.number(question.id)))
    return tuple(weak), sum(counted.values()), latest
