"""Check API responses against the OpenAPI document the application serves.

``ServerLikeClient`` (``tests/conftest.py``) hands every buffered response to a path under
``/api/`` to :func:`check_response`, so each API test also checks that what it received is
what the document promises: a status code the operation declares, a body that fits the
schema of that status (with openapi-core), and documented response headers of the right
form. A response that does not match fails the test with :class:`ContractViolation`.

A path that no operation describes (an id the routes do not accept, a method the path does
not have) can only answer 404 or 405, with the API's error body.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from flask import Flask
from jsonschema import Draft202012Validator
from openapi_core import OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse
from openapi_core.exceptions import OpenAPIError
from openapi_core.templating.paths.exceptions import OperationNotFound, PathNotFound
from werkzeug.test import TestResponse
from werkzeug.wrappers import Request

from ppp_assess.web.api.openapi import openapi_document

_contract: OpenAPI | None = None
_error_schema: dict[str, Any] | None = None


class ContractViolation(AssertionError):
    """A response the OpenAPI document does not allow."""


def contract(app: Flask) -> OpenAPI:
    """Return the API's document, read once per test process."""
    global _contract, _error_schema
    if _contract is None:
        with app.app_context():
            document = openapi_document()
        _contract = OpenAPI.from_dict(document)
        # A JSON Schema whose references resolve inside the document's components.
        _error_schema = {"$ref": "#/components/schemas/Error",
                         "components": document["components"]}
    return _contract


def _unroutable(response: TestResponse, where: str) -> None:
    """Check the answer to a path or method no operation describes."""
    if response.status_code not in {404, 405}:
        raise ContractViolation(f"{where} is not in the document, yet answered "
                                f"{response.status_code}.")
    body = response.get_json(silent=True)
    problems = ([error.message for error in Draft202012Validator(_error_schema).iter_errors(body)]
                if body is not None else ["the body is not JSON"])
    if problems:
        raise ContractViolation(f"{where} answered {response.status_code} without the API's "
                                f"error body: {problems}")


def check_response(app: Flask, response: TestResponse) -> None:
    """Fail unless the document allows ``response`` to the request that produced it.

    :raises ContractViolation: naming the request, the status and what does not match.
    """
    sent = response.request
    where = f"{sent.method} {sent.full_path.rstrip('?')}"
    # The request's body was read by the application; finding the operation needs only
    # the method, the address and the headers.
    # The path as sent on the wire: a "?" or "#" inside a path segment stays quoted.
    probe = Request.from_values(path=quote(sent.path, safe="/"), base_url=sent.host_url,
                                method=sent.method,
                                query_string=sent.query_string.decode("latin-1"),
                                headers=list(sent.headers.items()))
    try:
        contract(app).validate_response(WerkzeugOpenAPIRequest(probe),
                                        WerkzeugOpenAPIResponse(response))
    except (PathNotFound, OperationNotFound):
        _unroutable(response, where)
    except OpenAPIError as error:
        cause = error.__cause__ or error.__context__
        detail = getattr(cause, "schema_errors", None) or cause or ""
        body = response.get_data()[:1000].decode("utf-8", errors="replace")
        raise ContractViolation(f"{where} answered {response.status_code}, which the OpenAPI "
                                f"document does not allow: {str(error)[:1000]} "
                                f"{str(detail)[:2000]}\nBody: {body}") from error
