"""Exports of a round prepared in the background: ask, follow the progress, download."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from flask import Response, current_app, jsonify, url_for
from flask_babel import get_locale
from pydantic import BaseModel, Field

from ppp_assess.extensions import limiter
from ppp_assess.services import export_jobs, exports, permissions
from ppp_assess.services.benchmarks import DashboardFilters
from ppp_assess.services.errors import Invalid, NotFound
from ppp_assess.unit_of_work import get_session
from ppp_assess.web.api import bp
from ppp_assess.web.api.openapi import (
    CSRF,
    INVALID,
    NOT_FOUND,
    READ,
    UNAUTHORIZED,
    WRITE,
    Error,
    Responses,
    StrictModel,
    spec,
)
from ppp_assess.web.benchmarks.jobs import export_download
from ppp_assess.web.benchmarks.views import EXPORT_LIMIT, exporter_key
from ppp_assess.web.locale import available_locales
from ppp_assess.web.security import current_person, permission_required

_NOT_EVALUATOR = (Error, "No such export of the caller's, or the caller is not an evaluator "
                         "or administrator.")


class ExportFilters(StrictModel):
    """The dashboard's filters; each left out leaves it open."""

    country: str | None = Field(None, pattern=r"^[A-Za-z]{2}$", examples=["KZ"])
    region: str | None = Field(None, max_length=100)
    sector: str | None = Field(None, max_length=100)
    stage: str | None = Field(None, max_length=100)
    level: str | None = Field(None, max_length=100)
    approved_from: dt.date | None = None
    approved_to: dt.date | None = None


class ExportInput(StrictModel):
    """What to export."""

    kind: Literal["evaluations", "certificates"] = Field(description=(
        "`evaluations`: one row per approved or certified assessment with its answers; "
        "`certificates`: the PDF of every valid certificate, in one ZIP archive."))
    format: Literal["csv", "xlsx", "zip"] = Field(description=(
        "`csv` or `xlsx` for evaluations, `zip` for certificates."))
    questionnaire: str = Field(min_length=1, max_length=100, examples=["people-first"])
    version: str | None = Field(None, max_length=20, description="Default: the latest.")
    language: str | None = Field(None, max_length=16, examples=["fr"],
                                 description="Default: the caller's language.")
    filters: ExportFilters | None = Field(None, description="The dashboard's filters.")


class ExportStatus(BaseModel):
    """An export and how far it is."""

    id: int
    kind: str
    format: str
    language: str
    status: Literal["queued", "running", "done", "failed"]
    rows_done: int = Field(description="Rows (or certificates) written so far.")
    rows_total: int | None = Field(description="How many there will be, once counted.")
    file_name: str
    size: int | None = Field(description="Bytes, once done.")
    stalled: bool = Field(description="No progress for a long time (its server restarted): "
                                      "ask for it again.")
    created_at: dt.datetime
    finished_at: dt.datetime | None
    download_url: str | None = Field(description="Where to download the file, once done.")


def export_json(job: Any) -> dict[str, Any]:
    """Return the API's view of ``job``."""
    facts = export_jobs.job_facts(job)
    facts["download_url"] = (url_for("api.download_export", job_id=job.id)
                             if job.state == export_jobs.DONE else None)
    return facts


def filters_from(questionnaire: str, chosen: ExportFilters | None) -> DashboardFilters:
    """Return the service's filters from the API's."""
    if chosen is None:
        return DashboardFilters(questionnaire_id=questionnaire)
    if chosen.approved_from and chosen.approved_to and chosen.approved_to < chosen.approved_from:
        raise Invalid("The end date is before the start date.",
                      fields={"approved_to": "before_start"})
    return DashboardFilters(
        questionnaire_id=questionnaire, country=(chosen.country or "").upper() or None,
        region=chosen.region, sector=chosen.sector, stage=chosen.stage, level=chosen.level,
        approved_from=chosen.approved_from, approved_to=chosen.approved_to)


@bp.post("/exports")
@permission_required(permissions.can_export_evaluations)
@limiter.limit(lambda: str(current_app.config.get("EXPORT_LIMIT", EXPORT_LIMIT)),
               key_func=exporter_key)
@spec.validate(resp=Responses(
    HTTP_202=(ExportStatus, "Accepted: the export is being prepared."),
    HTTP_400=CSRF, HTTP_401=UNAUTHORIZED, HTTP_404=_NOT_EVALUATOR, HTTP_422=INVALID,
    HTTP_429=(Error, "Too many exports asked for in a short time."),
    headers={"HTTP_202": {"Location": "The export's status address."}}),
    security=WRITE, operation_id="requestExport", tags=["exports"])
def request_export(json: ExportInput) -> tuple[Response, int]:
    """Ask for an export of a round (evaluators and administrators)

    The file is written in the background: follow `GET /api/v1/exports/{job_id}` until its
    `status` is `done`, then download it from `download_url`.
    """
    session = get_session()
    language = json.language or str(get_locale() or "en")
    if language not in available_locales():
        raise Invalid("Choose one of the languages offered.", fields={"language": "unsupported"})
    try:
        version = exports.find_version(session, json.questionnaire, json.version)
    except NotFound as error:
        raise Invalid(error.message, error.params,
                      fields={"questionnaire": "unknown"}) from None
    job = export_jobs.request_export(
        session, actor=current_person(), kind=json.kind, file_format=json.format,
        version=version, filters=filters_from(json.questionnaire, json.filters),
        language=language)
    response = jsonify(export_json(job))
    response.headers["Location"] = url_for("api.export_status", job_id=job.id)
    return response, 202


@bp.get("/exports/<int:job_id>")
@permission_required(permissions.can_export_evaluations)
@spec.validate(resp=Responses(HTTP_200=(ExportStatus, "The export."),
                              HTTP_401=UNAUTHORIZED, HTTP_404=_NOT_EVALUATOR),
               path_parameter_descriptions={"job_id": "The export."},
               security=READ, operation_id="getExport", tags=["exports"])
def export_status(job_id: int) -> Response:
    """How far an export is, and where to download it once done"""
    job = export_jobs.job_for(get_session(), current_person(), job_id)
    response = jsonify(export_json(job))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/exports/<int:job_id>/file")
@permission_required(permissions.can_export_evaluations)
@spec.validate(resp=Responses(
    HTTP_200=(None, "The file: CSV, XLSX or ZIP, as asked for."), HTTP_401=UNAUTHORIZED,
    HTTP_404=NOT_FOUND, HTTP_409=(Error, "The export is not ready (`not_ready`)."),
    media_types={"HTTP_200": "*/*"},
    headers={"HTTP_200": {"Content-Disposition": "Always `attachment`."}}),
    path_parameter_descriptions={"job_id": "The export."},
    security=READ, operation_id="downloadExport", tags=["exports"])
def download_export(job_id: int) -> Response:
    """Download the file of a finished export"""
    return export_download(job_id)
