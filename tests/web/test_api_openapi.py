"""The OpenAPI document describes exactly the routes of the API."""

from __future__ import annotations

import json
import re

import pytest

from ppp_assess.web.api.openapi import DuplicateOperation, add_paths, openapi_document

PREFIX = "/api/v1"
IGNORED_METHODS = {"HEAD", "OPTIONS"}
HTTP_METHODS = {"get", "put", "post", "delete", "patch"}


def _openapi_path(rule: str) -> str:
    """Turn ``/api/v1/things/<int:thing_id>`` into ``/things/{thing_id}``."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule[len(PREFIX):])


def _routes(app) -> dict[str, set[str]]:
    routes: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(PREFIX + "/") and rule.endpoint != "static":
            methods = {method.lower() for method in (rule.methods or set()) - IGNORED_METHODS}
            routes.setdefault(_openapi_path(rule.rule), set()).update(methods)
    return routes


def _documented() -> dict[str, set[str]]:
    return {path: {method for method in item if method in HTTP_METHODS}
            for path, item in openapi_document()["paths"].items()}


def test_the_document_is_served(client) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"].startswith("3.1")
    assert document["servers"] == [{"url": PREFIX}]
    assert "/assessments/{assessment_id}/answers/{question_id}" in document["paths"]


def test_every_route_of_the_api_is_documented_with_its_methods(app) -> None:
    routes = _routes(app)
    documented = _documented()
    undocumented = sorted(f"{method.upper()} {path}" for path, methods in routes.items()
                          for method in methods - documented.get(path, set()))
    assert not undocumented, (
        "Describe these routes with openapi.add_paths() in the module that defines them: "
        + ", ".join(undocumented))


def test_every_documented_operation_exists(app) -> None:
    routes = _routes(app)
    stale = sorted(f"{method.upper()} {path}" for path, methods in _documented().items()
                   for method in methods - routes.get(path, set()))
    assert not stale, "Documented but not routed: " + ", ".join(stale)


def test_operations_are_complete(app) -> None:
    document = openapi_document()
    operation_ids = []
    for path, item in document["paths"].items():
        placeholders = set(re.findall(r"{([^}]+)}", path))
        for method, operation in item.items():
            assert method in HTTP_METHODS, (path, method)
            assert operation.get("responses"), (path, method)
            assert operation.get("summary"), (path, method)
            operation_ids.append(operation["operationId"])
            declared = {parameter["name"] for parameter in operation.get("parameters", [])
                        if parameter["in"] == "path"}
            assert declared == placeholders, (path, method)
    assert len(operation_ids) == len(set(operation_ids))


def test_every_schema_reference_resolves() -> None:
    document = openapi_document()
    references = set(re.findall(r'"\$ref": "#/components/schemas/([^"]+)"',
                                json.dumps(document)))
    assert references
    assert references <= set(document["components"]["schemas"])


def test_describing_an_operation_twice_is_refused() -> None:
    with pytest.raises(DuplicateOperation):
        add_paths({"/openapi.json": {"get": {"summary": "again", "responses": {}}}})
