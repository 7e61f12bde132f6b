"""The programme portfolio: every assessed project with its latest result.

One row per project and questionnaire: the latest approved assessment's level, stage and
score, the change since the approved assessment before it, and whether it is certified.
A programme of hundreds of projects is followed on it, so everything is aggregated in
SQL: the number of statements does not grow with the number of projects.

It lists individual results and so is for evaluators and administrators only
(:func:`ppp_assess.services.permissions.can_evaluate`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, select
from sqlalchemy.orm import Session, aliased

from ppp_assess.domain.reference import SubjectType
from ppp_assess.domain.schema import Questionnaire
from ppp_assess.domain.workflow import Status
from ppp_assess.models import (
    Assessment,
    Organisation,
    Project,
    QuestionnaireVersion,
    SectionScore,
)
from ppp_assess.services.errors import Invalid
from ppp_assess.services.questionnaires import latest_versions, questionnaire_of

#: Statuses that take part in choosing each project's latest result; a revoked
#: certificate leaves the assessment in the portfolio, shown as revoked.
RANKED = (Status.approved, Status.certified, Status.revoked)
#: Rows per page.
PAGE_SIZE = 100
#: Highest page number accepted.
MAX_PAGE = 100_000


@dataclass(frozen=True)
class PortfolioFilters:
    """What the portfolio is narrowed to; ``None`` leaves a filter open."""

    questionnaire_id: str | None = None
    country: str | None = None
    sector: str | None = None
    #: The stage the latest assessment describes (``ASSESSMENT_STAGES``).
    stage: str | None = None
    level: str | None = None
    #: Only projects whose latest result improved on the one before by more than this
    #: many points: overall, or in :attr:`section`.
    improved_by: float | None = None
    #: The section whose change :attr:`improved_by` applies to (None: overall).
    section: str | None = None


@dataclass(frozen=True)
class PortfolioRow:
    """One project's latest approved result against one questionnaire."""

    project_id: int
    project_name: str
    organisation_name: str
    country: str
    sector: str
    questionnaire_id: str
    questionnaire_version: str
    assessment_id: int
    stage: str | None
    period: str | None
    score: float | None
    level: str | None
    status: Status
    approved_at: dt.datetime | None
    #: Points gained since the approved assessment before (None without one).
    change: float | None
    #: Approved assessments of the project against this questionnaire.
    assessments: int

    @property
    def certificate(self) -> str:
        """Return the certificate status: ``certified``, ``revoked`` or ``none``."""
        if self.status == Status.certified:
            return "certified"
        if self.status == Status.revoked:
            return "revoked"
        return "none"


@dataclass(frozen=True)
class SummaryCell:
    """How many projects of one country reached one level (of one questionnaire)."""

    country: str
    questionnaire_id: str
    level: str | None
    count: int


@dataclass(frozen=True)
class Portfolio:
    """One page of the portfolio, and the summary of every row the filters keep."""

    rows: tuple[PortfolioRow, ...]
    total: int
    page: int
    pages: int
    summary: tuple[SummaryCell, ...]
    #: Questionnaire id -> its newest version, for titles and level labels.
    questionnaires: dict[str, Questionnaire]


def _ranked() -> Any:
    """Return each project result with its position among the project's results for the
    same questionnaire (1 = latest)."""
    position = func.row_number().over(
        partition_by=(Assessment.project_id, QuestionnaireVersion.questionnaire_id),
        order_by=(Assessment.approved_at.desc().nulls_last(), Assessment.id.desc()))
    count = func.count(Assessment.id).over(
        partition_by=(Assessment.project_id, QuestionnaireVersion.questionnaire_id))
    return (
        select(
            Assessment.id.label("assessment_id"),
            Assessment.project_id.label("project_id"),
            QuestionnaireVersion.questionnaire_id.label("questionnaire_id"),
            QuestionnaireVersion.version.label("questionnaire_version"),
            Assessment.stage.label("stage"),
            Assessment.period.label("period"),
            Assessment.score.label("score"),
            Assessment.level.label("level"),
            Assessment.status.label("status"),
            Assessment.approved_at.label("approved_at"),
            position.label("position"),
            count.label("assessments"),
        )
        .join(QuestionnaireVersion, QuestionnaireVersion.id == Assessment.questionnaire_version_id)
        .where(Assessment.subject_type == SubjectType.project, Assessment.status.in_(RANKED))
        .subquery("ranked"))


def _portfolio_query(filters: PortfolioFilters) -> Select[Any]:
    ranked = _ranked()
    latest = ranked.alias("latest")
    previous = ranked.alias("previous")
    change = (latest.c.score - previous.c.score).label("change")
    query = (
        select(
            latest.c.project_id, Project.name.label("project_name"),
            Organisation.name.label("organisation_name"), Project.country, Project.sector,
            latest.c.questionnaire_id, latest.c.questionnaire_version, latest.c.assessment_id,
            latest.c.stage, latest.c.period, latest.c.score, latest.c.level, latest.c.status,
            latest.c.approved_at, change, latest.c.assessments,
        )
        .join(Project, Project.id == latest.c.project_id)
        .join(Organisation, Organisation.id == Project.organisation_id)
        .outerjoin(previous, and_(previous.c.project_id == latest.c.project_id,
                                  previous.c.questionnaire_id == latest.c.questionnaire_id,
                                  previous.c.position == 2))
        .where(latest.c.position == 1)
    )
    conditions: list[ColumnElement[bool]] = []
    if filters.questionnaire_id:
        conditions.append(latest.c.questionnaire_id == filters.questionnaire_id)
    if filters.country:
        conditions.append(Project.country == filters.country)
    if filters.sector:
        conditions.append(Project.sector == filters.sector)
    if filters.stage:
        conditions.append(latest.c.stage == filters.stage)
    if filters.level:
        conditions.append(latest.c.level == filters.level)
    if filters.improved_by is not None and filters.section:
        after, before = aliased(SectionScore), aliased(SectionScore)
        query = (query
                 .join(after, and_(after.assessment_id == latest.c.assessment_id,
                                   after.section_id == filters.section))
                 .join(before, and_(before.assessment_id == previous.c.assessment_id,
                                    before.section_id == filters.section)))
        conditions.append(after.score - before.score > filters.improved_by)
    elif filters.improved_by is not None:
        conditions.append(latest.c.score - previous.c.score > filters.improved_by)
    return query.where(*conditions)


def _row(values: Any) -> PortfolioRow:
    return PortfolioRow(
        project_id=values.project_id, project_name=values.project_name,
        organisation_name=values.organisation_name, country=values.country,
        sector=values.sector, questionnaire_id=values.questionnaire_id,
        questionnaire_version=values.questionnaire_version,
        assessment_id=values.assessment_id, stage=values.stage, period=values.period,
        score=values.score, level=values.level, status=Status(values.status),
        approved_at=values.approved_at, change=values.change,
        assessments=int(values.assessments))


def check_filters(filters: PortfolioFilters) -> PortfolioFilters:
    """Return the filters if they are acceptable.

    :raises Invalid: for an improvement threshold outside -100 to 100, or a section
        without a threshold.
    """
    if filters.improved_by is not None and not -100 <= filters.improved_by <= 100:
        raise Invalid("The improvement must be between -100 and 100 points.",
                      fields={"improved_by": "out_of_range"})
    if filters.section and filters.improved_by is None:
        raise Invalid("Give the improvement in points to compare a section.",
                      fields={"improved_by": "required"})
    return filters


def portfolio(session: Session, filters: PortfolioFilters, *, page: int = 1,
              page_size: int = PAGE_SIZE) -> Portfolio:
    """Return one page of the portfolio and its summary by country and level.

    Four statements whatever the number of projects: the page, the count, the summary
    and the questionnaire versions.

    :param page: 1 for the first page; past the last page gives the last page's number
        and no rows.
    :raises Invalid: for filters :func:`check_filters` refuses.
    """
    check_filters(filters)
    page = max(1, min(page, MAX_PAGE))
    base = _portfolio_query(filters).subquery("portfolio")
    total = session.scalar(select(func.count()).select_from(base)) or 0
    rows = session.execute(
        select(base).order_by(base.c.country, base.c.project_name, base.c.project_id,
                              base.c.questionnaire_id)
        .limit(page_size).offset((page - 1) * page_size)).all()
    summary = session.execute(
        select(base.c.country, base.c.questionnaire_id, base.c.level,
               func.count().label("count"))
        .group_by(base.c.country, base.c.questionnaire_id, base.c.level)
        .order_by(base.c.country, base.c.questionnaire_id, base.c.level)).all()
    questionnaires = {version.questionnaire_id: questionnaire_of(version)
                      for version in latest_versions(session)}
    return Portfolio(
        rows=tuple(_row(row) for row in rows), total=total, page=page,
        pages=max(1, -(-total // page_size)),
        summary=tuple(SummaryCell(row.country, row.questionnaire_id, row.level, row[3])
                      for row in summary),
        questionnaires=questionnaires)


def all_rows(session: Session, filters: PortfolioFilters) -> Sequence[PortfolioRow]:
    """Return every row the filters keep (for exports), in the portfolio's order."""
    check_filters(filters)
    base = _portfolio_query(filters).subquery("portfolio")
    return tuple(_row(row) for row in session.execute(
        select(base).order_by(base.c.country, base.c.project_name, base.c.project_id,
                              base.c.questionnaire_id)))
