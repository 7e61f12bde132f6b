"""The programme portfolio over the API, for evaluators and administrators."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from flask import Response, abort, jsonify
from pydantic import BaseModel, Field

from ppp_assess.presentation import data_text, level_label
from ppp_assess.services import permissions
from ppp_assess.services import portfolio as service
from ppp_assess.services.errors import Invalid
from ppp_assess.unit_of_work import get_session
from ppp_assess.web.api import bp
from ppp_assess.web.api.openapi import (
    INVALID,
    NOT_FOUND,
    READ,
    UNAUTHORIZED,
    QueryModel,
    Responses,
    spec,
)
from ppp_assess.web.security import current_person, login_required


class PortfolioQuery(QueryModel):
    """The portfolio's filters and page."""

    questionnaire: str | None = Field(None, max_length=100, description="Questionnaire id.")
    country: str | None = Field(None, max_length=2,
                                description="ISO 3166-1 alpha-2 country code of the project.")
    sector: str | None = Field(None, max_length=32, description="Sector code.")
    stage: str | None = Field(None, max_length=32,
                              description="The stage the latest assessment describes.")
    level: str | None = Field(None, max_length=40, description="Level id of the latest result.")
    improved_by: float | None = Field(None, ge=-100, le=100,
                                      description="Only results that gained more than this "
                                                  "many points since the previous approved "
                                                  "assessment.")
    section: str | None = Field(None, max_length=100,
                                description="A section id: `improved_by` then compares "
                                            "that section's score.")
    page: int = Field(1, ge=1, le=service.MAX_PAGE, description="Page, from 1.")


class PortfolioEntry(BaseModel):
    """One project's latest approved result against one questionnaire."""

    project: int
    project_name: str
    organisation: str
    country: str
    sector: str
    questionnaire: str
    questionnaire_version: str
    assessment: int
    stage: str | None
    period: str | None
    score: float | None = Field(description="0-100, exact.")
    level: str | None
    level_label: str | None
    change: float | None = Field(description="Points gained since the previous approved "
                                             "assessment; null without one.")
    approved_assessments: int
    certificate: str = Field(description="`certified`, `revoked` or `none`.")
    approved_at: dt.datetime | None


class PortfolioCount(BaseModel):
    """How many projects of one country reached one level of one questionnaire."""

    country: str
    questionnaire: str
    level: str | None
    count: int


class Portfolio(BaseModel):
    """One page of the portfolio and the summary of every matching row."""

    total: int
    page: int
    pages: int
    projects: list[PortfolioEntry]
    summary: list[PortfolioCount] = Field(description="By country, questionnaire and level.")
    titles: dict[str, str] = Field(description="Questionnaire id -> title.")


def portfolio_json(result: service.Portfolio) -> dict[str, Any]:
    """Return the API's representation of one portfolio page."""
    questionnaires = result.questionnaires

    def label(questionnaire_id: str, level: str | None) -> str | None:
        questionnaire = questionnaires.get(questionnaire_id)
        return level_label(questionnaire, level) if questionnaire is not None else level

    return {
        "total": result.total, "page": result.page, "pages": result.pages,
        "projects": [{
            "project": row.project_id, "project_name": row.project_name,
            "organisation": row.organisation_name, "country": row.country,
            "sector": row.sector, "questionnaire": row.questionnaire_id,
            "questionnaire_version": row.questionnaire_version,
            "assessment": row.assessment_id, "stage": row.stage, "period": row.period,
            "score": row.score, "level": row.level,
            "level_label": label(row.questionnaire_id, row.level), "change": row.change,
            "approved_assessments": row.assessments, "certificate": row.certificate,
            "approved_at": row.approved_at.isoformat() if row.approved_at else None,
        } for row in result.rows],
        "summary": [{"country": cell.country, "questionnaire": cell.questionnaire_id,
                     "level": cell.level, "count": cell.count} for cell in result.summary],
        "titles": {qid: data_text(questionnaire.title)
                   for qid, questionnaire in questionnaires.items()},
    }


@bp.get("/portfolio")
@login_required
@spec.validate(resp=Responses(HTTP_200=(Portfolio, "The portfolio."), HTTP_401=UNAUTHORIZED,
                              HTTP_404=NOT_FOUND, HTTP_422=INVALID),
               security=READ, operation_id="getPortfolio", tags=["benchmarks"])
def get_portfolio(query: PortfolioQuery) -> Response:
    """Every assessed project's latest approved result (evaluators and administrators)

    One row per project and questionnaire, with its stage, level, change since the
    previous approved assessment and certificate status; the summary counts the matching
    rows by country and level. 100 rows a page.
    """
    if not permissions.can_evaluate(current_person()):
        abort(404)
    if query.improved_by is not None and not math.isfinite(query.improved_by):
        raise Invalid("The improvement must be between -100 and 100 points.",
                      fields={"improved_by": "out_of_range"})
    filters = service.PortfolioFilters(
        questionnaire_id=query.questionnaire or None,
        country=(query.country or "").upper() or None, sector=query.sector or None,
        stage=query.stage or None, level=query.level or None, improved_by=query.improved_by,
        section=query.section or None)
    return jsonify(portfolio_json(service.portfolio(get_session(), filters, page=query.page)))
