"""Generated requests over every operation of the OpenAPI document: no server error, and
every answer as the document describes it, on SQLite and PostgreSQL alike.

Schemathesis draws the requests from the document itself: valid ones, and (negative
mode) ones that break it on purpose, with wrong types, missing fields and odd strings.
The budget and the seed are fixed, so a run is repeatable. The suite's test client
checks every API answer against the document (tests/api_contract.py); this test adds
that no answer is a server error.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from ppp_assess import create_app
from ppp_assess.domain.reference import OrgRole
from ppp_assess.services import assessments
from ppp_assess.services.tokens import create_api_token
from ppp_assess.unit_of_work import get_database
from ppp_assess.web.api.openapi import openapi_document
from tests.factories import Factory
from tests.web.test_assessments import publish_sample

#: Generated requests per operation and mode: enough to reach every branch of the
#: validation, few enough to keep the suite fast.
EXAMPLES = 25


def _document() -> dict[str, Any]:
    # The document is built from the code alone; no database is opened.
    app = create_app({"env": "testing", "database_url": "sqlite://", "secret_key": "x",
                      "audit_key": "document-only-" * 3, "instance_path": "/tmp/ppp-openapi"})
    with app.app_context():
        return openapi_document()


SCHEMA = schemathesis.openapi.from_dict(_document())
OPERATIONS = {result.ok().label: result.ok() for result in SCHEMA.get_all_operations()}
BASE = "http://localhost/api/v1"


@pytest.fixture
def token(app: Flask) -> str:
    """A token of an organisation administrator with a project and a draft assessment."""
    with get_database(app).transaction() as session:
        factory = Factory(session)
        organisation = factory.organisation()
        user = factory.user(organisation=organisation, role=OrgRole.org_admin)
        factory.project(organisation)
        version = publish_sample(session)
        assessments.start_assessment(session, actor=user, version=version,
                                     organisation_id=organisation.id)
        _row, secret = create_api_token(session, user, name="fuzz")
    return secret


def _send(client: Any, case: schemathesis.Case, token: str) -> Any:
    sent = case.as_transport_kwargs(base_url=BASE)
    url = urlsplit(sent["url"])
    headers = {name: value for name, value in sent.get("headers", {}).items()
               if name.lower() not in {"authorization", "cookie"}}
    headers["Authorization"] = f"Bearer {token}"
    body: dict[str, Any] = {}
    if "json" in sent:
        body["json"] = sent["json"]
    elif "data" in sent:
        body["data"] = sent["data"]
    # A generated path parameter may itself hold "?": keep what follows it in the query.
    query = "&".join(part for part in (url.query, urlencode(sent.get("params") or {},
                                                            doseq=True)) if part)
    return client.open(f"{url.path}?{query}" if query else url.path, method=sent["method"],
                       headers=headers, **body)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
                         ids=["valid", "invalid"])
@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_no_generated_request_gets_a_server_error(app: Flask, token: str, label: str,
                                                  mode: GenerationMode) -> None:
    client = app.test_client()
    seen: list[int] = []

    @given(case=OPERATIONS[label].as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def check(case: schemathesis.Case) -> None:
        response = _send(client, case, token)
        seen.append(response.status_code)
        assert response.status_code < 500, (case.as_curl_command(), response.get_data())

    try:
        check()
    except Unsatisfiable:
        # Nothing in the document can be broken: no body, and parameters that take any
        # text (a path segment, say). The valid run covers the operation.
        assert mode is GenerationMode.NEGATIVE
        assert "requestBody" not in SCHEMA.raw_schema["paths"][
            OPERATIONS[label].path][OPERATIONS[label].method.lower()], label
        return
    assert seen, "no request was generated"


def test_every_operation_is_generated() -> None:
    assert len(OPERATIONS) >= 18
    assert "PUT /assessments/{assessment_id}/answers/{question_id}" in OPERATIONS


