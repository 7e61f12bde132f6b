"""Peer statistics over the API.

``GET /api/v1/benchmarks`` describes any peer group and is for evaluators and
administrators; ``GET /api/v1/assessments/<id>/benchmark`` places one assessment among
its peers for whoever may see that assessment. Both answer with counts and aggregates
only, and with nothing but the group's size when it has fewer than k results.
"""

from __future__ import annotations

from typing import Any

from flask import Response, abort, current_app, jsonify, request

from ppp_assess import get_settings
from ppp_assess.domain.reference import SubjectType
from ppp_assess.services import benchmarks as service
from ppp_assess.services import permissions
from ppp_assess.services.errors import Invalid
from ppp_assess.unit_of_work import get_session
from ppp_assess.web.api import bp
from ppp_assess.web.api.openapi import (
    INVALID,
    NOT_FOUND,
    UNAUTHORIZED,
    add_paths,
    add_schemas,
    json_response,
    path_parameter,
    ref,
)
from ppp_assess.web.benchmarks.present import benchmark_json
from ppp_assess.web.security import current_actor, login_required


def _k() -> int:
    return get_settings(current_app).peer_group_min


@bp.get("/benchmarks")
@login_required
def benchmarks() -> Response:
    """Return the statistics of a peer group (evaluators and administrators)."""
    user = current_actor()
    if not permissions.can_evaluate(user):
        abort(404)
    questionnaire_id = (request.args.get("questionnaire") or "").strip()
    if not questionnaire_id:
        raise Invalid("Name a questionnaire.", fields={"questionnaire": "required"})
    raw_major = request.args.get("major")
    major: int | None = None
    if raw_major:
        if not raw_major.isdigit():
            raise Invalid("The major version must be a whole number.",
                          fields={"major": "not_a_number"})
        major = int(raw_major)
    db = get_session()
    version = service.latest_version(db, questionnaire_id, major)
    filters = service.clean_filters(request.args, subject=SubjectType(version.subject))
    benchmark = service.peer_benchmark(db, questionnaire_id=questionnaire_id,
                                       major=version.major, filters=filters, k=_k())
    return jsonify(benchmark_json(benchmark))


@bp.get("/assessments/<int:assessment_id>/benchmark")
@login_required
def assessment_benchmark(assessment_id: int) -> Response:
    """Place an assessment among its peers; ``?match=sector,region`` narrows the group to
    peers sharing the subject's own attributes."""
    db = get_session()
    assessment = permissions.get_assessment(db, current_actor(), assessment_id)
    match = [name.strip() for name in (request.args.get("match") or "").split(",")
             if name.strip()]
    benchmark = service.benchmark_for_assessment(db, assessment, k=_k(), match=match)
    return jsonify(benchmark_json(benchmark))


_SUMMARY = {
    "type": "object",
    "required": ["shown", "n"],
    "description": "A group's statistics on the 0-100 scale; when `shown` is false only "
                   "`n`, `k` and `reason` are present.",
    "properties": {
        "shown": {"type": "boolean"},
        "n": {"type": "integer", "description": "Results in the group."},
        "k": {"type": "integer", "description": "Smallest group that shows statistics."},
        "reason": {"type": "string", "description": "Why nothing is shown."},
        "q1": {"type": "number"}, "median": {"type": "number"}, "q3": {"type": "number"},
        "min": {"type": "number"}, "max": {"type": "number"},
        "value": {"type": ["number", "null"], "description": "The subject's own score."},
        "percentile_rank": {"type": ["number", "null"],
                            "description": "Share of peers below the subject, ties "
                                           "counted half, times 100."},
    },
}

add_schemas({
    "PeerSummary": _SUMMARY,
    "Benchmark": {
        "type": "object",
        "required": ["questionnaire", "major_version", "filters", "k", "overall", "sections"],
        "properties": {
            "questionnaire": {"type": "string"},
            "title": {"type": "string"},
            "major_version": {"type": "integer"},
            "subject": {"type": "string", "enum": ["project", "organisation"]},
            "filters": {"type": "object", "additionalProperties": {"type": "string"}},
            "k": {"type": "integer"},
            "overall": ref("PeerSummary"),
            "sections": {"type": "array", "items": {
                "allOf": [ref("PeerSummary"), {"type": "object", "properties": {
                    "id": {"type": "string"}, "title": {"type": "string"}}}]}},
            "assessment": {"type": "integer"},
            "available_filters": {"type": "array", "items": {"type": "string"}},
        },
    },
})


def _query(name: str, description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": {"type": "string"}}


add_paths({
    "/benchmarks": {"get": {
        "operationId": "getBenchmark",
        "summary": "Peer statistics of a questionnaire, optionally narrowed "
                   "(evaluators and administrators)",
        "parameters": [
            {**_query("questionnaire", "Questionnaire id."), "required": True},
            _query("major", "Major version (default: the newest)."),
            _query("sector", "Sector code (project questionnaires)."),
            _query("region", "Region code."),
            _query("country", "ISO 3166-1 alpha-2 country code."),
            _query("stage", "Project stage code (project questionnaires)."),
            _query("contract_type", "Contract type code (project questionnaires)."),
        ],
        "responses": {"200": json_response("The group's statistics.", ref("Benchmark")),
                      "401": UNAUTHORIZED, "404": NOT_FOUND, "422": INVALID},
    }},
    "/assessments/{assessment_id}/benchmark": {"get": {
        "operationId": "getAssessmentBenchmark",
        "summary": "Where an assessment stands among the other organisations' results",
        "parameters": [
            path_parameter("assessment_id", "The assessment."),
            _query("match", "Comma-separated attributes the peers must share with the "
                            "subject: sector, region, country, stage, contract_type."),
        ],
        "responses": {"200": json_response("The assessment among its peers.",
                                           ref("Benchmark")),
                      "401": UNAUTHORIZED, "404": NOT_FOUND, "422": INVALID},
    }},
})
