"""The API's contract: an OpenAPI 3.1 document built from the models the views validate with.

Every operation of the blueprint is declared with :data:`spec`'s ``validate`` decorator
(spectree), innermost, just above the view function::

    @bp.put("/assessments/<int:assessment_id>/answers/<question_id>")
    @login_required
    @spec.validate(resp=Responses(HTTP_200=(SavedAnswer, "Saved.")), security=WRITE, ...)
    def put_answer(assessment_id: int, question_id: str, json: AnswerInput,
                   headers: IfMatch) -> ...:
        \"\"\"Summary of the operation

        Its description.
        \"\"\"

Pydantic models named ``json``, ``query`` and ``headers`` in the view's signature are
validated before the view runs and handed to it; the same models describe the request in
the document. The first paragraph of the docstring is the operation's summary, the rest
its description. ``resp`` names a model (and a description) per status code.

A request that does not fit its models never reaches the view: it gets a 422 in the API's
own error format, ``{"error": {"code": "invalid", "message", "fields"}}``, with one
translated message per field. The document is served at ``/api/v1/openapi.json``. Paths
in it are relative to the server URL ``/api/v1``. Responses are checked against it by the
test suite, on every API response it receives (``tests/api_contract.py``), not at run time.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from flask import Response
from flask_babel import gettext as _
from pydantic import BaseModel, ConfigDict, Field, RootModel, ValidationError
from pydantic_core import ErrorDetails
from spectree import Response as SpecResponse
from spectree import SecurityScheme, SpecTree
from spectree.models import InType, SecureType, SecuritySchemeData
from spectree.plugins.flask_plugin import FlaskPlugin
from spectree.plugins.werkzeug_utils import flask_response_unpack

from ppp_assess.web.api import bp
from ppp_assess.web.errors import error_message, json_error
from ppp_assess.web.projects.forms import field_message

OPENAPI_VERSION = "3.1.0"
API_VERSION = "1.0.0"
PREFIX = bp.url_prefix or ""


# --------------------------------------------------------------------------- models


class StrictModel(BaseModel):
    """A request body: JSON types are taken as they are, never converted.

    ``"1"`` is not an id and ``1`` is not a text; keys the model does not name are
    ignored.
    """

    model_config = ConfigDict(strict=True)


class QueryModel(BaseModel):
    """Query parameters: texts, converted where the model says (``?major=2``)."""


class ErrorDetail(BaseModel):
    """What went wrong; some operations add keys of their own."""

    model_config = ConfigDict(extra="allow")

    code: str = Field(description="Stable machine-readable code.")
    message: str = Field(description="In the caller's language.")
    fields: dict[str, str] = Field(description="Field name -> what is wrong with it.")


class Error(BaseModel):
    """The API's error body."""

    error: ErrorDetail


class OpenApiDocument(RootModel[dict[str, Any]]):
    """An OpenAPI document."""


class Responses(SpecResponse):
    """Responses per status code, which may also name response headers and a binary type.

    ``headers={"HTTP_200": {"ETag": "what it holds"}}`` documents response headers;
    ``media_types={"HTTP_200": "application/pdf"}`` documents a body that is a file rather
    than JSON (give that status ``None`` as its model).
    """

    def __init__(self, *codes: str, headers: Mapping[str, Mapping[str, str]] | None = None,
                 media_types: Mapping[str, str] | None = None, **code_models: Any) -> None:
        super().__init__(*codes, **code_models)
        self.headers = {code: dict(items) for code, items in (headers or {}).items()}
        self.media_types = dict(media_types or {})

    def add_model(self, code: int, model: Any, replace: bool = True,
                  description: str | None = None) -> None:
        """Add a model, but not the validation status spectree adds to every operation.

        Spectree lists its 422 even where the request has nothing to validate; operations
        that validate a request declare their 422 themselves.
        """
        if replace:
            super().add_model(code, model, replace, description)

    def generate_spec(self, naming_strategy: Any = None) -> dict[str, Any]:
        """Return the responses object, with the headers and file types added."""
        responses = super().generate_spec(naming_strategy or schema_name)
        for code, items in self.headers.items():
            responses[code.removeprefix("HTTP_")]["headers"] = {
                name: {"description": description, "schema": {"type": "string"}}
                for name, description in items.items()}
        for code, media_type in self.media_types.items():
            # OpenAPI 3.1 describes a file body by its media type alone, without a schema.
            responses[code.removeprefix("HTTP_")]["content"] = {media_type: {}}
        error_body = {"application/json": {"schema": {
            "$ref": f"#/components/schemas/{schema_name(Error)}"}}}
        # Any request may carry text no field takes (a NUL character, a lone surrogate) or
        # JSON nested too deep: refused before it reaches the operation.
        responses.setdefault("400", {
            "description": "The request could not be understood: text holding a NUL "
                           "character or a lone surrogate, or JSON nested too deep; "
                           "nothing was changed.", "content": error_body})
        # Any request may come with a body larger than the platform reads.
        responses.setdefault("413", {
            "description": "The request body is larger than the platform accepts; nothing "
                           "was changed.", "content": error_body})
        # Every operation may find the database away for a moment.
        responses.setdefault("503", {
            "description": "The database cannot be reached just now; nothing was changed. "
                           "Try again after `Retry-After` seconds.",
            "headers": {"Retry-After": {"description": "Seconds to wait.",
                                        "schema": {"type": "string"}}},
            "content": {"application/json": {"schema": {
                "$ref": f"#/components/schemas/{schema_name(Error)}"}}}})
        return responses


# --------------------------------------------------------------------------- security

#: GET operations for signed-in callers: a bearer token or the session cookie.
READ: list[dict[str, list[str]]] = [{"bearerAuth": []}, {"cookieAuth": []}]
#: Writes: a bearer token, or the session cookie with the CSRF token in ``X-CSRFToken``.
WRITE: list[dict[str, list[str]]] = [{"bearerAuth": []}, {"cookieAuth": [], "csrfToken": []}]
#: Operations anyone may call.
PUBLIC: list[dict[str, list[str]]] = []

_SECURITY_SCHEMES = [
    SecurityScheme(name="bearerAuth", data=SecuritySchemeData(
        type=SecureType.HTTP, scheme="bearer",
        description="A token printed by `flask --app wsgi users token EMAIL`.")),
    SecurityScheme(name="cookieAuth", data=SecuritySchemeData(
        type=SecureType.API_KEY, name="session", field_in=InType.COOKIE,
        description="The session cookie of a signed-in browser (the pages' own scripts).")),
    SecurityScheme(name="csrfToken", data=SecuritySchemeData(
        type=SecureType.API_KEY, name="X-CSRFToken", field_in=InType.HEADER,
        description="The page's CSRF token; required with the session cookie on every "
                    "write.")),
]


# --------------------------------------------------------------------------- naming


class DuplicateSchema(ValueError):
    """Two different models would get the same name in ``components/schemas``."""


_named: dict[str, type] = {}


def schema_name(model: type) -> str:
    """Name a model's schema after its class, refusing two classes of one name.

    :raises DuplicateSchema: when another model already has this name.
    """
    name = model.__name__
    known = _named.setdefault(name, model)
    if known is not model:
        raise DuplicateSchema(f"Two models are called {name}: {known!r} and {model!r}.")
    return name


# --------------------------------------------------------------------------- validation


class RequestInvalid(Exception):
    """The request does not fit the models of its operation."""

    def __init__(self, error: ValidationError) -> None:
        super().__init__(str(error))
        self.error = error


def _reason(detail: ErrorDetails) -> str:
    """Return the refusal code (those of ``field_message``) of one pydantic error."""
    kind = detail["type"]
    if kind == "missing" or detail.get("input", ...) is None:
        return "required"
    if kind.endswith(("_type", "_parsing")) or kind == "int_from_float":
        return "wrong_type"
    if kind in {"literal_error", "enum"}:
        return "unknown"
    if kind in {"string_too_long", "too_long"}:
        return "too_long"
    if kind == "greater_than_equal" and detail.get("ctx", {}).get("ge") == 0:
        return "negative"
    if kind in {"less_than_equal", "less_than"}:
        return "too_large"
    return "invalid"


def _field(location: tuple[int | str, ...]) -> str:
    """Name the field of an error: the innermost key (an item of a list is its list's)."""
    names = [part for part in location if isinstance(part, str)]
    return names[-1] if names else "body"


def invalid_request_response(error: ValidationError) -> tuple[Response, int]:
    """Return the 422 of a request that does not fit its models, one message per field."""
    fields: dict[str, str] = {}
    for detail in error.errors(include_url=False):
        name = _field(tuple(detail["loc"]))
        if name == "body" and not detail["loc"]:
            fields.setdefault(name, _("Send a JSON object."))
        else:
            fields.setdefault(name, field_message(_reason(detail)))
    return json_error(422, error_message(422), fields=fields, error_code="invalid")


def refuse_invalid_request(_request: Any, _response: Any, error: Exception | None,
                           _instance: Any, _adapter: Any) -> None:
    """Stop a request that failed validation; the blueprint answers in its own format."""
    if isinstance(error, ValidationError):
        raise RequestInvalid(error)


@bp.errorhandler(RequestInvalid)
def _invalid_request(error: RequestInvalid) -> tuple[Response, int]:
    return invalid_request_response(error.error)


class ApiPlugin(FlaskPlugin):
    """Spectree's Flask plugin, with paths relative to the server URL ``/api/v1``.

    Responses are not validated at run time: the suite checks every response it receives
    against the document, and a mismatch in production must not turn a saved answer into
    a server error.
    """

    def parse_path(self, route: Any, path_parameter_descriptions: Any) -> tuple[str, list]:
        """Return the path without the blueprint's prefix, and its parameters."""
        path, parameters = super().parse_path(route, path_parameter_descriptions)
        return path.removeprefix(PREFIX) or "/", parameters

    def validate_response(self, resp: Any, resp_model: Any, skip_validation: bool,
                          force_resp_serialize: bool) -> Any:
        """Pass the view's response on as it is.

        Spectree would read the body back and build a second response of it (about a
        twentieth of an autosave; a streamed file, an evidence download, whole into
        memory). A response comes back as spectree would answer: the status a view's
        tuple gives wins unless it is the default 200, and the tuple's headers are added.
        """
        payload, status, headers = flask_response_unpack(resp)
        if isinstance(payload, Response):
            if status != 200:
                payload.status_code = status
            payload.headers.extend(headers)
            return payload, None
        return super().validate_response(resp, resp_model, True, force_resp_serialize)


spec = SpecTree(
    backend=ApiPlugin,
    mode="strict",  # only operations declared with spec.validate
    before=refuse_invalid_request,
    validation_error_model=Error,
    naming_strategy=schema_name,
    nested_naming_strategy=lambda _parent, child: child,
    title="ppp-assess API",
    version=API_VERSION,
    openapi_version=OPENAPI_VERSION,
    description=(
        "Self-assessment of public-private partnerships against the UNECE people-first PPP "
        "instruments. Scripts authenticate with a bearer token (`flask --app wsgi users "
        "token EMAIL`); the pages' own scripts use the session cookie and send the CSRF "
        "token in `X-CSRFToken` on every write. Errors are `{\"error\": {\"code\", "
        "\"message\", \"fields\"}}`."),
    servers=[{"url": PREFIX}],
    security_schemes=_SECURITY_SCHEMES,
    security=READ,
    page_templates={},  # no documentation pages: they would load scripts from elsewhere
)


# --------------------------------------------------------------------------- responses

#: Descriptions of the errors most operations share.
UNAUTHORIZED = (Error, "Not signed in and no valid bearer token.")
NOT_FOUND = (Error, "No such object, or not one the caller may see.")
INVALID = (Error, "The data sent was not acceptable; `fields` says why, per field.")
CSRF = (Error, "Cookie session without a valid `X-CSRFToken` header.")


_document_text: str | None = None


def openapi_text() -> str:
    """Return the OpenAPI document as JSON text (needs an application context).

    It is built once per process, from the routes of the application it is first asked
    in; every application of the process has the same API.
    """
    global _document_text
    if _document_text is None:
        _document_text = json.dumps(spec.spec, sort_keys=True, ensure_ascii=False)
    return _document_text


def openapi_document() -> dict[str, Any]:
    """Return a copy of the OpenAPI document of the API (needs an application context)."""
    document: dict[str, Any] = json.loads(openapi_text())
    return document


@bp.get("/openapi.json")
@spec.validate(resp=Responses(HTTP_200=(OpenApiDocument, "The OpenAPI 3.1 document.")),
               security=PUBLIC, operation_id="getOpenApi", tags=["meta"])
def openapi() -> Response:
    """This description of the API"""
    return Response(openapi_text(), mimetype="application/json")
