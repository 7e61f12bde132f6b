"""Project endpoints of the API."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Response, jsonify, url_for
from pydantic import BaseModel, ConfigDict, Field

from ppp_assess.models import Project as ProjectRow
from ppp_assess.presentation import data_text
from ppp_assess.services import history, permissions
from ppp_assess.services import projects as service
from ppp_assess.services.errors import Invalid
from ppp_assess.unit_of_work import get_session
from ppp_assess.web import MAX_ID
from ppp_assess.web.api import bp
from ppp_assess.web.api.openapi import (
    CSRF,
    INVALID,
    NOT_FOUND,
    READ,
    UNAUTHORIZED,
    WRITE,
    Responses,
    StrictModel,
    spec,
)
from ppp_assess.web.errors import json_error, refuse
from ppp_assess.web.projects.forms import field_message
from ppp_assess.web.security import current_person, login_required


class OrganisationRef(BaseModel):
    """The organisation that owns a project."""

    id: int
    name: str


class _ProjectFacts(BaseModel):
    name: str = Field(max_length=service.MAX_NAME_LENGTH)
    sector: str = Field(description="A sector code, e.g. `mining`.")
    subsector: str | None = Field(None, description="A subsector code, e.g. `rail`.")
    country: str = Field(description="ISO 3166-1 alpha-2 code, e.g. `MN`.")
    region: str = Field(description="A region code, e.g. `central_asia`.")
    stage: str = Field(description="A stage code, e.g. `procurement`.")
    contract_type: str = Field(description="A contract-type code, e.g. `bot`.")
    capital_value: int | None = Field(None, ge=0, le=service.MAX_CAPITAL_VALUE,
                                      description="Whole units of `currency`.")
    currency: str | None = Field(None, description="ISO 4217 code, required with a capital "
                                                   "value.")
    description: str | None = Field("", max_length=service.MAX_DESCRIPTION_LENGTH)


class Project(_ProjectFacts):
    """A project of one of the caller's organisations."""

    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    id: int
    organisation: OrganisationRef
    created_at: dt.datetime


class ProjectList(BaseModel):
    """The projects of the caller's organisations."""

    projects: list[Project]


class NewProject(_ProjectFacts, StrictModel):
    """The facts of a new project."""

    organisation: int | None = Field(None, ge=1, le=MAX_ID, description=(
        "The owning organisation; may be left out by members of exactly one organisation."))


class HistoryPoint(BaseModel):
    """One approved assessment in a project's history."""

    assessment: int
    questionnaire_version: str
    version_changed: bool = Field(description="The questionnaire version differs from the "
                                              "previous point's.")
    stage: str | None
    period: str | None
    approved_at: dt.datetime | None
    status: str
    overall: float | None = Field(description="0-100, exact.")
    level: str | None
    sections: dict[str, float | None] = Field(description="Section id -> score, 0-100.")


class SectionChangeFacts(BaseModel):
    """A section's change since the previous approved assessment."""

    id: str
    title: str
    before: float | None
    after: float | None
    change: float | None = Field(description="Points gained (negative: lost).")


class InstrumentHistory(BaseModel):
    """The approved assessments of the project against one questionnaire."""

    questionnaire: str
    title: str
    points: list[HistoryPoint] = Field(description="Oldest first.")
    overall_change: float | None = Field(description="Points gained since the previous "
                                                     "approved assessment.")
    section_changes: list[SectionChangeFacts] = Field(description="Largest change first.")


class ProjectHistory(BaseModel):
    """A project's approved assessments over time."""

    project: int
    instruments: list[InstrumentHistory]


def history_json(project: ProjectRow, histories: list[history.InstrumentHistory]
                 ) -> dict[str, Any]:
    """Return the API's representation of a project's history."""
    instruments = []
    for entry in histories:
        questionnaire = entry.questionnaire
        titles = {section.id: section.title for section in questionnaire.sections}
        instruments.append({
            "questionnaire": entry.questionnaire_id,
            "title": data_text(questionnaire.title),
            "points": [{
                "assessment": point.assessment_id,
                "questionnaire_version": point.questionnaire_version,
                "version_changed": point.version_changed, "stage": point.stage,
                "period": point.period,
                "approved_at": point.approved_at.isoformat() if point.approved_at else None,
                "status": point.status.value, "overall": point.overall, "level": point.level,
                "sections": dict(point.sections),
            } for point in entry.points],
            "overall_change": entry.overall_change,
            "section_changes": [{
                "id": change.section_id, "title": data_text(titles[change.section_id]),
                "before": change.before, "after": change.after, "change": change.change,
            } for change in entry.section_changes],
        })
    return {"project": project.id, "instruments": instruments}


def project_json(project: ProjectRow) -> dict[str, Any]:
    """Return the API's representation of a project."""
    return {
        "id": project.id,
        "organisation": {"id": project.organisation_id, "name": project.organisation.name},
        "name": project.name, "sector": project.sector, "subsector": project.subsector,
        "country": project.country, "region": project.region, "stage": project.stage,
        "contract_type": project.contract_type, "capital_value": project.capital_value,
        "currency": project.currency, "description": project.description,
        "created_at": project.created_at.isoformat(),
    }


def invalid_fields(error: Invalid) -> tuple[Response, int]:
    """Return a 422 whose fields carry translated messages for the refusal codes."""
    return json_error(422, refuse(error), error_code=error.code,
                      fields={name: field_message(code) for name, code in error.fields.items()})


@bp.get("/projects")
@login_required
@spec.validate(resp=Responses(HTTP_200=(ProjectList, "The projects."),
                              HTTP_401=UNAUTHORIZED),
               security=READ, operation_id="listProjects", tags=["projects"])
def list_projects() -> Response:
    """The projects of the caller's organisations"""
    projects = service.list_projects(get_session(), current_person())
    return jsonify({"projects": [project_json(project) for project in projects]})


@bp.get("/projects/<int:project_id>")
@login_required
@spec.validate(resp=Responses(HTTP_200=(Project, "The project."), HTTP_401=UNAUTHORIZED,
                              HTTP_404=NOT_FOUND),
               path_parameter_descriptions={"project_id": "The project's id."},
               security=READ, operation_id="getProject", tags=["projects"])
def get_project(project_id: int) -> Response:
    """One project of the caller's organisations"""
    project = permissions.get_project(get_session(), current_person(), project_id)
    return jsonify(project_json(project))


@bp.get("/projects/<int:project_id>/history")
@login_required
@spec.validate(resp=Responses(HTTP_200=(ProjectHistory, "The history."),
                              HTTP_401=UNAUTHORIZED, HTTP_404=NOT_FOUND),
               path_parameter_descriptions={"project_id": "The project's id."},
               security=READ, operation_id="getProjectHistory", tags=["projects"])
def get_project_history(project_id: int) -> Response:
    """A project's approved assessments over time

    Per questionnaire: the overall and section scores of each approved assessment, oldest
    first, with version changes marked, and each section's change since the previous
    approved assessment, largest first. `?lang=` localises the titles.
    """
    db = get_session()
    project = permissions.get_project(db, current_person(), project_id)
    return jsonify(history_json(project, history.project_history(db, project)))


@bp.post("/projects")
@login_required
@spec.validate(resp=Responses(
    HTTP_201=(Project, "The new project."), HTTP_400=CSRF, HTTP_401=UNAUTHORIZED,
    HTTP_404=NOT_FOUND, HTTP_422=INVALID,
    headers={"HTTP_201": {"Location": "The new project's address."}}),
    security=WRITE, operation_id="createProject", tags=["projects"])
def create_project(json: NewProject) -> tuple[Response, int]:
    """Record a project

    `organisation` may be left out by members of one organisation.
    """
    db = get_session()
    actor = current_person()
    organisation_id = json.organisation
    if organisation_id is None:
        organisations = service.member_organisations(db, actor)
        if len(organisations) == 1:
            organisation_id = organisations[0].id
    if organisation_id is None:
        return invalid_fields(Invalid("Choose the organisation that owns the project.",
                                      fields={"organisation": "required"}))
    try:
        project = service.create_project(
            db, actor=actor, organisation_id=organisation_id,
            data=service.ProjectInput.from_mapping(json.model_dump(exclude={"organisation"})))
    except Invalid as error:
        return invalid_fields(error)
    response = jsonify(project_json(project))
    response.headers["Location"] = url_for("api.get_project", project_id=project.id)
    return response, 201
