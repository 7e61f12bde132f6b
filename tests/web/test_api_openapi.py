"""The OpenAPI document is built from the API's models and describes exactly its routes."""

from __future__ import annotations

import json
import re

import pytest
from openapi_spec_validator import validate as validate_openapi
from pydantic import BaseModel

from ppp_assess.domain.reference import PlatformRole
from ppp_assess.domain.workflow import Status
from ppp_assess.services import assessments, reviews
from ppp_assess.services.tokens import create_api_token
from ppp_assess.web.api.openapi import DuplicateSchema, openapi_document, schema_name

PREFIX = "/api/v1"
IGNORED_METHODS = {"HEAD", "OPTIONS"}
HTTP_METHODS = {"get", "put", "post", "delete", "patch"}
UNSAFE_METHODS = {"put", "post", "delete", "patch"}


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


@pytest.fixture
def document(app) -> dict:
    with app.app_context():
        return openapi_document()


def _documented(document) -> dict[str, set[str]]:
    return {path: {method for method in item if method in HTTP_METHODS}
            for path, item in document["paths"].items()}


def _operations(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def test_the_document_is_served_and_is_valid_openapi(client) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"].startswith("3.1")
    assert document["servers"] == [{"url": PREFIX}]
    assert "/assessments/{assessment_id}/answers/{question_id}" in document["paths"]
    validate_openapi(document)


def test_every_route_of_the_api_is_documented_with_its_methods(app, document) -> None:
    routes = _routes(app)
    documented = _documented(document)
    undocumented = sorted(f"{method.upper()} {path}" for path, methods in routes.items()
                          for method in methods - documented.get(path, set()))
    assert not undocumented, (
        "Declare these routes with openapi.spec.validate in the module that defines them: "
        + ", ".join(undocumented))


def test_every_documented_operation_exists(app, document) -> None:
    routes = _routes(app)
    stale = sorted(f"{method.upper()} {path}" for path, methods in _documented(document).items()
                   for method in methods - routes.get(path, set()))
    assert not stale, "Documented but not routed: " + ", ".join(stale)


def test_operations_are_complete(document) -> None:
    operation_ids = []
    for path, method, operation in _operations(document):
        assert method in HTTP_METHODS, (path, method)
        assert operation["summary"] and not operation["summary"].endswith(">"), (path, method)
        operation_ids.append(operation["operationId"])
        placeholders = set(re.findall(r"{([^}]+)}", path))
        declared = {parameter["name"] for parameter in operation.get("parameters", [])
                    if parameter["in"] == "path"}
        assert declared == placeholders, (path, method)
        assert "security" in operation, (path, method)
        validated = "requestBody" in operation or any(
            parameter["in"] in {"query", "header"} for parameter in operation["parameters"])
        if "requestBody" in operation:
            assert "422" in operation["responses"], (path, method)
        elif not validated:  # nothing to validate: only a refused submission is a 422
            assert "422" not in operation["responses"] or path.endswith("/submit"), (
                path, method)
        for status, response in operation["responses"].items():
            assert response["description"], (path, method, status)
            if status.startswith("4"):
                schema = response["content"]["application/json"]["schema"]["$ref"]
                properties = document["components"]["schemas"][schema.rsplit("/", 1)[1]]
                assert "error" in properties["properties"], (path, method, status)
    assert len(operation_ids) == len(set(operation_ids))
    assert not [name for name in operation_ids if "_" in name or "/" in name]


def test_security_says_how_to_call_each_operation(document) -> None:
    bearer, cookie = {"bearerAuth": []}, {"cookieAuth": []}
    with_csrf = {"cookieAuth": [], "csrfToken": []}
    public = {(path, method) for path, method, operation in _operations(document)
              if operation["security"] == []}
    assert public == {("/openapi.json", "get"), ("/questionnaires", "get"),
                      ("/questionnaires/{questionnaire_id}", "get"),
                      ("/questionnaires/{questionnaire_id}/xlsform", "get"),
                      ("/certificates/{serial}", "get")}
    for path, method, operation in _operations(document):
        if (path, method) in public:
            continue
        expected = [bearer, with_csrf] if method in UNSAFE_METHODS else [bearer, cookie]
        assert operation["security"] == expected, (path, method)
        if method in UNSAFE_METHODS:
            assert "400" in operation["responses"], (path, method)  # the CSRF refusal
        assert "401" in operation["responses"], (path, method)
    schemes = document["components"]["securitySchemes"]
    assert schemes["bearerAuth"] == {**schemes["bearerAuth"], "type": "http", "scheme": "bearer"}
    assert schemes["csrfToken"]["in"] == "header" and schemes["csrfToken"]["name"] == (
        "X-CSRFToken")


def test_every_schema_reference_resolves(document) -> None:
    references = set(re.findall(r'"\$ref": "#/components/schemas/([^"]+)"',
                                json.dumps(document)))
    assert references
    assert references <= set(document["components"]["schemas"])


def test_the_schemas_come_from_the_models_the_views_validate_with(document) -> None:
    schemas = document["components"]["schemas"]
    answer = schemas["AnswerInput"]
    assert answer["required"] == ["value"]
    comment = next(choice for choice in answer["properties"]["comment"]["anyOf"]
                   if choice["type"] == "string")
    assert comment["maxLength"] == assessments.MAX_COMMENT_LENGTH
    assert schemas["DecisionInput"]["properties"]["decision"]["enum"] == list(reviews.DECISIONS)
    assert schemas["ReviewDecision"]["properties"]["decision"]["enum"] == list(
        reviews.DECISIONS)
    assert schemas["Status"]["enum"] == [status.value for status in Status]
    save = document["paths"]["/assessments/{assessment_id}/answers/{question_id}"]["put"]
    if_match = next(parameter for parameter in save["parameters"]
                    if parameter["in"] == "header")
    assert (if_match["name"], if_match["required"]) == ("If-Match", True)
    assert save["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/AnswerInput"}
    assert set(save["responses"]) == {"200", "400", "401", "404", "409", "413", "422", "428",
                                     "503"}
    assert "ETag" in save["responses"]["200"]["headers"]
    pdf = document["paths"]["/assessments/{assessment_id}/certificate.pdf"]["get"]
    assert list(pdf["responses"]["200"]["content"]) == ["application/pdf"]
    assert [parameter["name"] for parameter in pdf["parameters"]
            if parameter["in"] == "query"] == ["lang"]


def test_two_models_of_one_name_are_refused() -> None:
    first = type("Twin", (BaseModel,), {"__annotations__": {"a": int}})
    second = type("Twin", (BaseModel,), {"__annotations__": {"b": int}})
    assert schema_name(first) == "Twin" and schema_name(first) == "Twin"
    with pytest.raises(DuplicateSchema):
        schema_name(second)


# --------------------------------------------------------------------------- validation


def _bodied_operations() -> list[tuple[str, str]]:
    return [("post", "/api/v1/assessments"), ("put", "/api/v1/assessments/1/answers/policy"),
            ("post", "/api/v1/projects"), ("post", "/api/v1/assessments/1/start-review"),
            ("post", "/api/v1/assessments/1/review"), ("post", "/api/v1/evidence/1/review"),
            ("post", "/api/v1/certificates/PPP-2026-000001-Z/revoke"),
            ("post", "/api/v1/assessments/1/assignments"),
            ("post", "/api/v1/assessments/1/recommendation"), ("post", "/api/v1/exports"),
            ("put", "/api/v1/assessments/1/review-comments/policy")]


#: Operations whose body is a form with a file (multipart/form-data), not JSON.
_MULTIPART = {("post", "/assessments/{assessment_id}/answers/{question_id}/evidence"),
              ("post", "/assessments/{assessment_id}/import")}


def test_the_list_above_names_every_operation_with_a_body(document) -> None:
    with_body = {(method, path) for path, method, operation in _operations(document)
                 if "requestBody" in operation}
    listed = {(method, re.sub(r"/1(/|$)", r"/{assessment_id}\1", path[len(PREFIX):])
               .replace("/policy", "/{question_id}").replace("/PPP-2026-000001-Z", "/{serial}")
               .replace("/evidence/{assessment_id}", "/evidence/{evidence_id}"))
              for method, path in _bodied_operations()}
    assert with_body == listed | _MULTIPART
    for method, path in _MULTIPART:
        assert list(document["paths"][path][method]["requestBody"]["content"]) == [
            "multipart/form-data"]


@pytest.mark.parametrize(("method", "path"), _bodied_operations())
def test_a_body_that_is_not_an_object_gets_our_422_in_the_callers_language(
        app, db, factory, method, path) -> None:
    user = factory.user(organisation=factory.organisation(),
                        platform_roles=(PlatformRole.reviewer, PlatformRole.admin))
    _row, token = create_api_token(db, user, name="script")
    db.commit()
    response = app.test_client().open(
        f"{path}?lang=fr", method=method, json=[1, 2],
        headers={"Authorization": f"Bearer {token}", "If-Match": "1"})
    assert response.status_code == 422
    assert response.get_json() == {"error": {
        "code": "invalid", "message": "Les données envoyées n'ont pas pu être acceptées.",
        "fields": {"body": "Envoyez un objet JSON."}}}


def test_each_bad_field_is_named_with_a_translated_message(app, db, factory) -> None:
    user = factory.user(organisation=factory.organisation())
    _row, token = create_api_token(db, user, name="script")
    db.commit()
    response = app.test_client().post(
        "/api/v1/projects?lang=fr", headers={"Authorization": f"Bearer {token}"},
        json={"name": 5, "sector": "mining", "country": "MN", "region": None,
              "stage": "procurement", "capital_value": -1, "description": "x" * 6000})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "invalid"
    assert error["fields"] == {
        "name": "Cette valeur n'est pas du bon type.",
        "region": "Ce champ est obligatoire.",
        "contract_type": "Ce champ est obligatoire.",
        "capital_value": "Saisissez une valeur égale ou supérieure à zéro.",
        "description": "Ce texte est trop long.",
    }


_EXTRA = {"X-Extra": "yes"}


@pytest.mark.parametrize(("given", "status", "headers"), [
    (lambda response: response, 409, {}),
    (lambda response: (response, 200), 409, {}),
    (lambda response: (response, 201), 201, {}),
    (lambda response: (response, 202, _EXTRA), 202, _EXTRA),
    (lambda response: (response, _EXTRA), 409, _EXTRA),
], ids=["response", "default status", "status", "status and headers", "headers"])
def test_a_views_response_is_passed_on_as_spectree_would_build_it(
        app, given, status, headers) -> None:
    """The plugin hands the view's own response on (no second response built from its
    body), with the status and headers spectree would give it."""
    from flask import Response

    from ppp_assess.web.api.openapi import spec

    with app.test_request_context("/api/v1/assessments"):
        response = Response(b'{"ok": true}', status=409, mimetype="application/json",
                            headers={"ETag": '"7"'})
        passed, error = spec.backend.validate_response(given(response), None, True, False)
        assert error is None
        assert passed is response
        assert passed.status_code == status
        assert passed.get_data() == b'{"ok": true}'
        assert passed.headers["ETag"] == '"7"'
        assert passed.headers["Content-Type"] == "application/json"
        for name, header in headers.items():
            assert passed.headers[name] == header
