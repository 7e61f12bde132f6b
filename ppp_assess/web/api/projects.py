"""Project endpoints of the API."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Response, jsonify, url_for
from pydantic import BaseModel, ConfigDict, Field

from ppp_assess.models import Project as ProjectRow
from ppp_assess.services import permissions
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
from ppp_assess.web.security import current_actor, login_required


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
    projects = service.list_projects(get_session(), current_actor())
    return jsonify({"projects": [project_json(project) for project in projects]})


@bp.get("/projects/<int:project_id>")
@login_required
@spec.validate(resp=Responses(HTTP_200=(Project, "The project."), HTTP_401=UNAUTHORIZED,
                              HTTP_404=NOT_FOUND),
               path_parameter_descriptions={"project_id": "The project's id."},
               security=READ, operation_id="getProject", tags=["projects"])
def get_project(project_id: int) -> Response:
    """One project of the caller's organisations"""
    project = permissions.get_project(get_session(), current_actor(), project_id)
    return jsonify(project_json(project))


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
    actor = current_actor()
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
