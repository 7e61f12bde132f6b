"""Peer statistics over the API.

``GET /api/v1/benchmarks`` describes any peer group and is for evaluators and
administrators; ``GET /api/v1/assessments/<id>/benchmark`` places one assessment among
its peers for whoever may see that assessment. Both answer with counts and aggregates
only, and with nothing but the group's size when it has fewer than k results.
"""

from __future__ import annotations

from flask import Response, abort, current_app, jsonify, request
from pydantic import BaseModel, Field

from ppp_assess.config import get_settings
from ppp_assess.domain.reference import SubjectType
from ppp_assess.services import benchmarks as service
from ppp_assess.services import permissions
from ppp_assess.services.errors import Invalid
from ppp_assess.unit_of_work import get_session
from ppp_assess.web import MAX_ID
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
from ppp_assess.web.benchmarks.present import benchmark_json
from ppp_assess.web.security import current_person, login_required


def _k() -> int:
    return get_settings(current_app).peer_group_min


class BenchmarkQuery(QueryModel):
    """The questionnaire and the filters of a peer group."""

    questionnaire: str = Field(description="Questionnaire id.")
    major: int | None = Field(None, ge=0, le=MAX_ID,
                              description="Major version (default: the newest).")
    sector: str | None = Field(None, description="Sector code (project questionnaires).")
    region: str | None = Field(None, description="Region code.")
    country: str | None = Field(None, description="ISO 3166-1 alpha-2 country code.")
    stage: str | None = Field(None, description="Project stage code (project questionnaires).")
    contract_type: str | None = Field(None, description="Contract type code (project "
                                                        "questionnaires).")


class MatchQuery(QueryModel):
    """What the peers must share with the subject."""

    match: str | None = Field(None, description="Comma-separated attributes the peers must "
                                                "share with the subject: sector, region, "
                                                "country, stage, contract_type.")


class PeerSummary(BaseModel):
    """A group's statistics on the 0-100 scale.

    When `shown` is false only `n`, `k` and `reason` are present.
    """

    shown: bool
    n: int = Field(description="Results in the group.")
    k: int | None = Field(None, description="Smallest group that shows statistics.")
    reason: str | None = Field(None, description="Why nothing is shown.")
    q1: float | None = None
    median: float | None = None
    q3: float | None = None
    p10: float | None = Field(None, description="10th percentile. The lowest and highest "
                                                "scores are never shown: each is one "
                                                "organisation's own result.")
    p90: float | None = Field(None, description="90th percentile.")
    value: float | None = Field(None, description="The subject's own score.")
    percentile_rank: float | None = Field(None, description="Share of peers below the "
                                                            "subject, ties counted half, "
                                                            "times 100.")


class SectionPeerSummary(PeerSummary):
    """A section's statistics."""

    id: str
    title: str


class Benchmark(BaseModel):
    """The statistics of a peer group, overall and per section."""

    questionnaire: str
    title: str
    major_version: int
    subject: SubjectType
    filters: dict[str, str] = Field(description="The filters in force.")
    k: int
    overall: PeerSummary
    sections: list[SectionPeerSummary]
    assessment: int | None = Field(None, description="The assessment placed among its peers.")
    available_filters: list[str] | None = Field(None, description="Attributes `match` may "
                                                                  "name.")


@bp.get("/benchmarks")
@login_required
@spec.validate(resp=Responses(HTTP_200=(Benchmark, "The group's statistics."),
                              HTTP_401=UNAUTHORIZED, HTTP_404=NOT_FOUND, HTTP_422=INVALID),
               security=READ, operation_id="getBenchmark", tags=["benchmarks"])
def benchmarks(query: BenchmarkQuery) -> Response:
    """Peer statistics of a questionnaire, optionally narrowed
    (evaluators and administrators)"""
    user = current_person()
    if not permissions.can_evaluate(user):
        abort(404)
    questionnaire_id = query.questionnaire.strip()
    if not questionnaire_id:
        raise Invalid("Name a questionnaire.", fields={"questionnaire": "required"})
    db = get_session()
    version = service.latest_version(db, questionnaire_id, query.major)
    filters = service.clean_filters(request.args, subject=SubjectType(version.subject))
    benchmark = service.peer_benchmark(db, questionnaire_id=questionnaire_id,
                                       major=version.major, filters=filters, k=_k())
    return jsonify(benchmark_json(benchmark))


@bp.get("/assessments/<int:assessment_id>/benchmark")
@login_required
@spec.validate(resp=Responses(HTTP_200=(Benchmark, "The assessment among its peers."),
                              HTTP_401=UNAUTHORIZED, HTTP_404=NOT_FOUND, HTTP_422=INVALID),
               path_parameter_descriptions={"assessment_id": "The assessment."},
               security=READ, operation_id="getAssessmentBenchmark", tags=["benchmarks"])
def assessment_benchmark(assessment_id: int, query: MatchQuery) -> Response:
    """Where an assessment stands among the other organisations' results

    `match=sector,region` narrows the group to peers sharing the subject's own attributes.
    """
    db = get_session()
    assessment = permissions.get_assessment(db, current_person(), assessment_id)
    match = [name.strip() for name in (query.match or "").split(",") if name.strip()]
    benchmark = service.benchmark_for_assessment(db, assessment, k=_k(), match=match)
    return jsonify(benchmark_json(benchmark))
