"""Request ids, the log line of each request, metrics, and no secret in any log."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

import pytest
from flask import Flask

from ppp_assess.observability import configure_logging
from ppp_assess.services import tokens
from tests.factories import PASSWORD, sign_in
from tests.services.review_support import draft
from tests.web.test_statement_counts import counting

METRICS_TOKEN = "metrics-token-for-the-tests"


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    """Return the test app with metrics on and one trusted proxy (``db`` uses it too)."""
    return make_app(metrics_token=METRICS_TOKEN, trusted_proxies=1)


@pytest.fixture
def observed(app: Flask) -> Flask:
    return app


def _metrics(client) -> str:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    return response.get_data(as_text=True)


def _value(text: str, name: str, **labels: str) -> float:
    for line in text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        if all(f'{key}="{value}"' in line for key, value in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_metrics_answer_only_to_the_configured_token(make_app, observed) -> None:
    assert make_app().test_client().get("/metrics").status_code == 404
    client = observed.test_client()
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 404
    assert "ppp_assess_request_seconds" in _metrics(client)


def test_metrics_count_a_request_and_an_autosave(observed, factory, db) -> None:
    client = observed.test_client()
    before = _metrics(client)
    requests_before = _value(before, "ppp_assess_request_seconds_count",
                             endpoint="health.check", status="200")
    saves_before = _value(before, "ppp_assess_events_total", action="answer.changed")
    assert client.get("/healthz").status_code == 200
    case = draft(factory, answered=False)
    db.commit()
    sign_in(client, case.respondent.email)
    question = case.questionnaire.all_questions()[0]
    response = client.put(
        f"/api/v1/assessments/{case.assessment.id}/answers/{question.id}",
        json={"value": question.options[0].value},
        headers={"If-Match": f'"{case.assessment.version}"'})
    assert response.status_code == 200, response.get_data(as_text=True)
    after = _metrics(client)
    assert _value(after, "ppp_assess_request_seconds_count", endpoint="health.check",
                  status="200") == requests_before + 1
    assert _value(after, "ppp_assess_events_total", action="answer.changed") == \
        saves_before + 1
    assert "ppp_assess_outbox_messages" in after


def test_each_request_is_logged_with_its_id_and_sql_count(observed, caplog) -> None:
    client = observed.test_client()
    with caplog.at_level(logging.INFO, logger="ppp_assess.requests"):
        response = client.get("/healthz", headers={"X-Request-ID": "proxy-id.42"})
    assert response.headers["X-Request-ID"] == "proxy-id.42"  # kept: a trusted proxy
    (record,) = [r for r in caplog.records if r.name == "ppp_assess.requests"]
    assert record.request_id == "proxy-id.42"
    assert record.endpoint == "health.check" and record.status == 200
    assert record.sql_statements >= 1 and record.duration_ms >= 0


def test_the_log_line_counts_every_statement_of_its_request(observed, factory, db,
                                                           caplog) -> None:
    """A save's line gives as many statements as the engines ran for it, the one that
    reads who is asking (before the request's own hooks) included."""
    client = observed.test_client()
    case = draft(factory, answered=False)
    db.commit()
    sign_in(client, case.respondent.email)
    question = case.questionnaire.all_questions()[0]
    lines: list[logging.LogRecord] = []
    for value in (question.options[0].value, question.options[1].value):
        version = client.get(f"/api/v1/assessments/{case.assessment.id}").json["version"]
        caplog.clear()
        with counting(observed) as statements, \
                caplog.at_level(logging.INFO, logger="ppp_assess.requests"):
            response = client.put(
                f"/api/v1/assessments/{case.assessment.id}/answers/{question.id}",
                json={"value": value}, headers={"If-Match": f'"{version}"'})
        assert response.status_code == 200, response.get_data(as_text=True)
        (line,) = [r for r in caplog.records if r.name == "ppp_assess.requests"]
        assert line.endpoint == "api.put_answer"
        assert line.sql_statements == len(statements) > 0
        lines.append(line)
    assert lines[0].request_id != lines[1].request_id


def test_log_records_skip_what_no_format_prints(app: Flask,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("_srcfile", "logThreads", "logMultiprocessing", "logProcesses"):
        monkeypatch.setattr(logging, name, getattr(logging, name))  # put back afterwards
    root = logging.getLogger()
    handlers = list(root.handlers)
    records: list[logging.LogRecord] = []
    catcher = logging.Handler()
    catcher.emit = records.append  # type: ignore[method-assign]
    logger = logging.getLogger("ppp_assess.requests")
    try:
        configure_logging(app.extensions["ppp_settings"])
        logger.addHandler(catcher)
        logger.warning("request")
    finally:
        logger.removeHandler(catcher)
        for handler in list(root.handlers):
            if handler not in handlers:
                root.removeHandler(handler)
    (record,) = records
    # Nothing walked the stack for the caller or asked for the thread...
    assert record.funcName == "(unknown function)" and record.lineno == 0
    assert record.threadName is None
    # ... and the process is still there for gunicorn's lines.
    assert record.process is not None


def test_request_ids_from_untrusted_clients_are_replaced(make_app) -> None:
    response = make_app().test_client().get("/healthz", headers={"X-Request-ID": "mine"})
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"])


def test_the_error_page_shows_the_reference_to_quote(client) -> None:
    response = client.get("/no/such/page")
    reference = response.headers["X-Request-ID"]
    assert reference in response.get_data(as_text=True)


def test_no_password_token_or_answer_text_reaches_a_log_line(observed, factory, db,
                                                             caplog) -> None:
    case = draft(factory, answered=False)
    _row, token = tokens.create_api_token(db, case.respondent, name="script")
    question = case.questionnaire.all_questions()[0]
    secret_answer = "A confidential remark 7f3b9c about the tender"
    db.commit()
    client = observed.test_client()
    with caplog.at_level(logging.DEBUG):
        client.post("/auth/sign-in", data={"email": case.respondent.email,
                                           "password": "a wrong password 91x"})
        sign_in(client, case.respondent.email)
        client.put(f"/api/v1/assessments/{case.assessment.id}/answers/{question.id}",
                   json={"value": question.options[0].value, "comment": secret_answer},
                   headers={"If-Match": f'"{case.assessment.version}"',
                            "Authorization": f"Bearer {token}"})
        client.post("/auth/forgot-password", data={"email": case.respondent.email})
        client.get("/no/such/page", headers={"Authorization": f"Bearer {token}"})
    logged = "\n".join(f"{record.getMessage()} {record.__dict__}" for record in caplog.records)
    assert "request" in logged  # the request lines are there...
    for secret in (PASSWORD, "a wrong password 91x", token, secret_answer, "test-secret-key"):
        assert secret not in logged  # ...and none of these
