"""Project endpoints of the API."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request, url_for

from ppp_assess.models import Project
from ppp_assess.services import permissions
from ppp_assess.services import projects as service
from ppp_assess.services.errors import Invalid
from ppp_assess.unit_of_work import get_session
from ppp_assess.web.api import bp
from ppp_assess.web.api.openapi import (
    CSRF,
    INVALID,
    NOT_FOUND,
    UNAUTHORIZED,
    add_paths,
    add_schemas,
    json_content,
    json_response,
    path_parameter,
    ref,
)
from ppp_assess.web.errors import json_error, refuse
from ppp_assess.web.projects.forms import field_message
from ppp_assess.web.security import current_actor, login_required


def project_json(project: Project) -> dict[str, Any]:
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
def list_projects() -> Response:
    """List the projects of my organisations."""
    projects = service.list_projects(get_session(), current_actor())
    return jsonify({"projects": [project_json(project) for project in projects]})


@bp.get("/projects/<int:project_id>")
@login_required
def get_project(project_id: int) -> Response:
    """Return one of my organisations' projects."""
    project = permissions.get_project(get_session(), current_actor(), project_id)
    return jsonify(project_json(project))


@bp.post("/projects")
@login_required
def create_project() -> tuple[Response, int]:
    """Record a project; ``organisation`` may be left out by members of one organisation."""
    db = get_session()
    actor = current_actor()
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return json_error(422, refuse(Invalid("Send a JSON object.")),
                          fields={"body": field_message("wrong_type")}, error_code="invalid")
    organisation_id = body.get("organisation")
    if organisation_id is None:
        organisations = service.member_organisations(db, actor)
        if len(organisations) == 1:
            organisation_id = organisations[0].id
    if isinstance(organisation_id, bool) or not isinstance(organisation_id, int):
        return invalid_fields(Invalid("Choose the organisation that owns the project.",
                                      fields={"organisation": "required"}))
    try:
        project = service.create_project(db, actor=actor, organisation_id=organisation_id,
                                         data=service.ProjectInput.from_mapping(body))
    except Invalid as error:
        return invalid_fields(error)
    response = jsonify(project_json(project))
    response.headers["Location"] = url_for("api.get_project", project_id=project.id)
    return response, 201


_PROJECT_FIELDS: dict[str, Any] = {
    "name": {"type": "string", "maxLength": service.MAX_NAME_LENGTH},
    "sector": {"type": "string", "description": "A sector code, e.g. `mining`."},
    "subsector": {"type": ["string", "null"], "description": "A subsector code, e.g. `rail`."},
    "country": {"type": "string", "description": "ISO 3166-1 alpha-2 code, e.g. `MN`."},
    "region": {"type": "string", "description": "A region code, e.g. `central_asia`."},
    "stage": {"type": "string", "description": "A stage code, e.g. `procurement`."},
    "contract_type": {"type": "string", "description": "A contract-type code, e.g. `bot`."},
    "capital_value": {"type": ["integer", "null"], "minimum": 0,
                      "description": "Whole units of `currency`."},
    "currency": {"type": ["string", "null"],
                 "description": "ISO 4217 code, required with a capital value."},
    "description": {"type": "string", "maxLength": service.MAX_DESCRIPTION_LENGTH},
}

add_schemas({
    "Project": {
        "type": "object",
        "required": ["id", "organisation", "name", "sector", "country", "region", "stage",
                     "contract_type"],
        "properties": {
            "id": {"type": "integer"},
            "organisation": {"type": "object", "properties": {
                "id": {"type": "integer"}, "name": {"type": "string"}}},
            **_PROJECT_FIELDS,
            "created_at": {"type": "string", "format": "date-time"},
        },
    },
    "NewProject": {
        "type": "object",
        "required": ["name", "sector", "country", "region", "stage", "contract_type"],
        "properties": {
            "organisation": {"type": "integer", "description": "The owning organisation; "
                             "may be left out by members of exactly one organisation."},
            **_PROJECT_FIELDS,
        },
    },
})

add_paths({
    "/projects": {
        "get": {
            "operationId": "listProjects",
            "summary": "The projects of the caller's organisations",
            "responses": {
                "200": json_response("The projects.", {
                    "type": "object",
                    "properties": {"projects": {"type": "array", "items": ref("Project")}}}),
                "401": UNAUTHORIZED,
            },
        },
        "post": {
            "operationId": "createProject",
            "summary": "Record a project",
            "requestBody": {"required": True, "content": json_content(ref("NewProject"))},
            "responses": {
                "201": json_response("The new project.", ref("Project")),
                "400": CSRF, "401": UNAUTHORIZED, "404": NOT_FOUND, "422": INVALID,
            },
        },
    },
    "/projects/{project_id}": {"get": {
        "operationId": "getProject",
        "summary": "One project of the caller's organisations",
        "parameters": [path_parameter("project_id", "The project's id.")],
        "responses": {"200": json_response("The project.", ref("Project")),
                      "401": UNAUTHORIZED, "404": NOT_FOUND},
    }},
})
