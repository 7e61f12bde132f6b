"""The OpenAPI 3.1 description of the API, served at ``/api/v1/openapi.json``.

The document is kept by hand, next to the routes it describes: each API module calls
:func:`add_paths` (and :func:`add_schemas` for its own shapes) when it is imported, so a
new route and its description live in the same file. A test checks that every route of
the blueprint is described, with its methods, and that every described path exists.

Paths are written relative to the server URL ``/api/v1``, with ``{name}`` for the
placeholders of the route (``<int:assessment_id>`` becomes ``{assessment_id}``).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from flask import Response, jsonify

from ppp_assess.web.api import bp

OPENAPI_VERSION = "3.1.0"
API_VERSION = "1.0.0"

_paths: dict[str, dict[str, Any]] = {}
_schemas: dict[str, Any] = {}


class DuplicateOperation(ValueError):
    """Two modules describe the same path and method."""


def add_paths(paths: Mapping[str, Mapping[str, Any]]) -> None:
    """Add path items to the document: ``{"/things/{id}": {"get": {...}}}``.

    :raises DuplicateOperation: when a method of a path is already described.
    """
    for path, item in paths.items():
        existing = _paths.setdefault(path, {})
        for method, operation in item.items():
            if method in existing:
                raise DuplicateOperation(f"{method.upper()} {path} is described twice.")
            existing[method] = copy.deepcopy(operation)


def add_schemas(schemas: Mapping[str, Any]) -> None:
    """Add named schemas under ``components/schemas``.

    :raises DuplicateOperation: when a schema name is taken by a different schema.
    """
    for name, schema in schemas.items():
        if name in _schemas and _schemas[name] != schema:
            raise DuplicateOperation(f"Schema {name} is described twice.")
        _schemas[name] = copy.deepcopy(schema)


def ref(name: str) -> dict[str, str]:
    """Return a reference to a schema of ``components/schemas``."""
    return {"$ref": f"#/components/schemas/{name}"}


def json_content(schema: Mapping[str, Any]) -> dict[str, Any]:
    """Return a ``content`` object for a JSON body of ``schema``."""
    return {"application/json": {"schema": dict(schema)}}


def json_response(description: str, schema: Mapping[str, Any]) -> dict[str, Any]:
    """Return a response object with a JSON body."""
    return {"description": description, "content": json_content(schema)}


def error_response(description: str) -> dict[str, Any]:
    """Return a response object carrying the API's error body."""
    return json_response(description, ref("Error"))


def path_parameter(name: str, description: str, *, integer: bool = True) -> dict[str, Any]:
    """Return a required path parameter."""
    return {"name": name, "in": "path", "required": True, "description": description,
            "schema": {"type": "integer"} if integer else {"type": "string"}}


#: Responses most operations share.
UNAUTHORIZED = error_response("Not signed in and no valid bearer token.")
NOT_FOUND = error_response("No such object, or not one the caller may see.")
INVALID = error_response("The data sent was not acceptable; `fields` says why, per field.")
CSRF = error_response("Cookie session without a valid `X-CSRFToken` header.")

add_schemas({
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {"error": {
            "type": "object",
            "required": ["code", "message", "fields"],
            "properties": {
                "code": {"type": "string", "description": "Stable machine-readable code."},
                "message": {"type": "string", "description": "In the caller's language."},
                "fields": {"type": "object", "additionalProperties": {"type": "string"},
                           "description": "Field name -> what is wrong with it."},
            },
            "additionalProperties": True,
        }},
    },
})


def openapi_document() -> dict[str, Any]:
    """Return the complete OpenAPI document."""
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "ppp-assess API",
            "version": API_VERSION,
            "description": (
                "Self-assessment of public-private partnerships against the UNECE "
                "people-first PPP instruments. Scripts authenticate with a bearer token "
                "(`flask --app wsgi users token EMAIL`); the pages' own scripts use the "
                "session cookie and send the CSRF token in `X-CSRFToken` on every write. "
                "Errors are `{\"error\": {\"code\", \"message\", \"fields\"}}`."),
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearerAuth": []}, {"cookieAuth": [], "csrfToken": []}],
        "paths": {path: dict(sorted(item.items())) for path, item in sorted(_paths.items())},
        "components": {
            "schemas": dict(sorted(_schemas.items())),
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer"},
                "cookieAuth": {"type": "apiKey", "in": "cookie", "name": "session"},
                "csrfToken": {"type": "apiKey", "in": "header", "name": "X-CSRFToken"},
            },
        },
    }


@bp.get("/openapi.json")
def openapi() -> Response:
    """Return the OpenAPI document of this API."""
    return jsonify(openapi_document())


add_paths({
    "/openapi.json": {"get": {
        "operationId": "getOpenApi",
        "summary": "This description of the API",
        "security": [],
        "responses": {"200": {"description": "The OpenAPI 3.1 document.",
                              "content": {"application/json": {"schema": {"type": "object"}}}}},
    }},
})
