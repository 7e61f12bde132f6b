"""The suite's test client checks every API response against the OpenAPI document."""

from __future__ import annotations

import pytest
from flask import jsonify
from werkzeug.test import EnvironBuilder, TestResponse
from werkzeug.wrappers import Request

from tests.api_contract import ContractViolation, check_response


def _response(method: str, path: str, status: int, body: object) -> TestResponse:
    request = Request(EnvironBuilder(method=method, path=path,
                                     headers={"If-Match": "1"}).get_environ())
    return TestResponse(jsonify(body).get_data(), status, {"Content-Type": "application/json"},
                        request=request)


def _answer_body(version: object) -> dict[str, object]:
    score = {"overall": None, "overall_display": "–", "level": None, "level_label": None,
             "capped": False, "completion": 0.0, "completion_display": "0 %",
             "missing_required": [], "sections": [], "gaps": []}
    return {"version": version, "saved": True, "answer": None, "score": score}


ANSWER = "/api/v1/assessments/1/answers/policy"


def test_a_response_that_fits_the_document_passes(app) -> None:
    with app.test_request_context():
        check_response(app, _response("PUT", ANSWER, 200, _answer_body(2)))
        check_response(app, _response("PUT", ANSWER, 428, {"error": {
            "code": "version_required", "message": "Send it.", "fields": {}}}))


@pytest.mark.parametrize(("status", "body", "fragment"), [
    (200, _answer_body("two"), "not of type 'integer'"),
    (200, {"version": 2}, "required property"),
    (201, _answer_body(2), "201"),
    (409, {"error": {"code": "stale", "message": "Changed."}}, "'fields' is a required"),
    (422, {"detail": [{"loc": ["value"], "msg": "Field required"}]}, "'error' is a required"),
])
def test_a_response_the_document_does_not_allow_fails(app, status, body, fragment) -> None:
    with app.test_request_context(), pytest.raises(ContractViolation, match=fragment):
        check_response(app, _response("PUT", ANSWER, status, body))


def test_unroutable_paths_may_only_answer_our_404_or_405(app) -> None:
    error = {"error": {"code": "404", "message": "No such page.", "fields": {}}}
    with app.test_request_context():
        check_response(app, _response("GET", "/api/v1/nothing-here", 404, error))
        with pytest.raises(ContractViolation, match="error body"):
            check_response(app, _response("GET", "/api/v1/nothing-here", 404, {"no": 1}))
        with pytest.raises(ContractViolation, match="yet answered 200"):
            check_response(app, _response("GET", "/api/v1/nothing-here", 200, error))


def test_the_test_client_checks_every_api_response(app, monkeypatch) -> None:
    client = app.test_client()
    assert client.get("/api/v1/questionnaires").status_code == 200
    # The same route answering a body the document does not describe fails the request.
    monkeypatch.setitem(app.view_functions, "api.list_questionnaires",
                        lambda: jsonify({"questionnaires": [{"id": 1}]}))
    with pytest.raises(ContractViolation, match="GET /api/v1/questionnaires answered 200"):
        client.get("/api/v1/questionnaires")
    # Pages are not API responses: they are not checked.
    assert client.get("/").status_code in {200, 302}
