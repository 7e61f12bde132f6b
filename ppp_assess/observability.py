"""Seeing the platform work: request ids, one JSON log line per request, and metrics.

* **Request ids.** Every request gets an id, returned in ``X-Request-ID`` and shown on
  error pages so a user can quote it; an id sent by a trusted proxy is kept.
* **Logs.** With ``PPP_ASSESS_LOG_FORMAT=json`` (the default in production) every log
  record is one JSON object; each request adds one line with its id, user id, endpoint,
  status, duration and number of SQL statements, and each error its traceback. Request
  bodies, headers, passwords, tokens and answers are never logged.
* **Metrics.** ``/metrics`` answers in the Prometheus text format to a bearer token equal
  to ``PPP_ASSESS_METRICS_TOKEN`` (and is not found when that is unset): requests by
  endpoint, method and status with latency histograms; the platform's events (autosaves,
  submissions, reviews, certificates) counted from the audit actions they commit;
  certificate verifications by outcome; the outbox's pending and given-up messages; the
  database pool in use. Under gunicorn, set ``PROMETHEUS_MULTIPROC_DIR`` to a folder
  the workers share (``ppp_assess/gunicorn_conf.py`` does) so every worker counts.
"""

from __future__ import annotations

import hmac
import logging
import os
import re
import secrets
import sys
import time
from collections.abc import Iterable, Mapping
from contextvars import ContextVar
from typing import Any

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    g,
    request,
    request_finished,
    request_started,
)
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from pythonjsonlogger.orjson import OrjsonFormatter
from sqlalchemy import event
from sqlalchemy.engine import Engine

from ppp_assess.config import Settings
from ppp_assess.services import outbox
from ppp_assess.unit_of_work import get_database, on_commit

log = logging.getLogger("ppp_assess.requests")

REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

REQUESTS = Histogram(
    "ppp_assess_request_seconds", "Time to answer a request, by endpoint, method and status.",
    ["endpoint", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
EVENTS = Counter(
    "ppp_assess_events_total", "Committed platform events by audit action "
    "(answer.changed is an autosave, assessment.submitted a submission, ...).", ["action"])
VERIFICATIONS = Counter(
    "ppp_assess_certificate_verifications_total", "Certificate verifications by outcome.",
    ["outcome"])
POOL_IN_USE = Gauge(
    "ppp_assess_database_connections_in_use", "Database connections checked out of the pool.",
    multiprocess_mode="livesum")

blueprint = Blueprint("observability", __name__)


# --- Request ids and the log line of each request ---------------------------------------------


def _trusted_proxies() -> int:
    settings: Settings = current_app.extensions["ppp_settings"]
    return settings.trusted_proxies


def request_id() -> str:
    """Return the current request's id (outside a request: an empty string)."""
    return str(g.get("request_id", ""))


def _begin() -> None:
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    trusted = _trusted_proxies() > 0 and _REQUEST_ID.match(incoming)
    g.request_id = incoming if trusted else secrets.token_hex(16)
    g.request_started = time.perf_counter()


def _stamp(response: Response) -> Response:
    response.headers[REQUEST_ID_HEADER] = request_id()
    # Read before the unit of work ends: a rollback expires the signed-in user's row.
    user = g.get("_login_user")
    g.log_user_id = getattr(user, "id", None) if getattr(user, "is_authenticated", False) \
        else None
    return response


def _record(_sender: Flask, response: Response, **_extra: Any) -> None:
    """Count and log the response that leaves (after the commit, errors included)."""
    started = g.get("request_started")
    if started is None:
        return
    duration = time.perf_counter() - started
    endpoint = request.endpoint or "unmatched"
    REQUESTS.labels(endpoint, request.method, str(response.status_code)).observe(duration)
    user_id = g.get("log_user_id")
    log.info("request", extra={
        "request_id": request_id(), "method": request.method, "endpoint": endpoint,
        "status": response.status_code, "duration_ms": round(duration * 1000, 1),
        "sql_statements": (_STATEMENTS.get() or [0])[0], "user_id": user_id})


#: The SQL statements of the request being answered, one count added to in place (a
#: thread answers one request at a time; a view's work handed to another thread with
#: the context copied still adds to it). Counted on Flask's ``g`` it cost 1.9 % of an
#: autosave's instructions.
_STATEMENTS: ContextVar[list[int] | None] = ContextVar("ppp_assess_sql_statements",
                                                       default=None)


def _count_from_here(_sender: Flask, **_extra: Any) -> None:
    """Start counting a request's statements, before any of its own hooks runs (who is
    asking is read in one of them)."""
    _STATEMENTS.set([0])


def _count_statement(_connection: Any, _cursor: Any, statement: str, parameters: Any,
                     *_args: Any) -> tuple[str, Any]:
    """Count a statement (a listener that returns what it was given: SQLAlchemy calls
    it directly instead of through an adapter)."""
    counted = _STATEMENTS.get()
    if counted is not None:
        counted[0] += 1
    return statement, parameters


def _count_events(info: Mapping[str, Any]) -> None:
    """After a commit, count the audit actions the unit of work recorded."""
    for action in info.get("audit_actions", ()):
        EVENTS.labels(action).inc()


def count_verification(outcome: str) -> None:
    """Count one certificate verification (``valid``, ``not_valid``, ...)."""
    VERIFICATIONS.labels(outcome).inc()


# --- Logs -------------------------------------------------------------------------------------


class _RequestContextFilter(logging.Filter):
    """Stamp every record with the request id, so an error's lines can be found together."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            try:
                record.request_id = request_id()
            except RuntimeError:
                record.request_id = ""
        return True


def configure_logging(settings: Settings) -> None:
    """Log as JSON lines (``json``) or plain text (``text``) on standard error.

    No format of ours (nor gunicorn's) prints where a line was logged from or the
    thread's name, so records do not look them up (the ``logging`` module's own switches
    for it): walking the stack for the caller of every request's line cost about a
    twentieth of a section page kept as rendered. The process id is still recorded
    (gunicorn's lines show it).
    """
    logging._srcfile = None  # no caller (file, line, function) looked up for records
    logging.logThreads = False
    logging.logMultiprocessing = False
    handler = logging.StreamHandler(sys.stderr)
    if settings.log_format == "json":
        handler.setFormatter(OrjsonFormatter(
            "{asctime}{levelname}{name}{message}", style="{",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"}))
    else:
        handler.setFormatter(logging.Formatter(
            "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"))
    handler.addFilter(_RequestContextFilter())
    root = logging.getLogger()
    for existing in list(root.handlers):
        if getattr(existing, "_ppp_assess", False):
            root.removeHandler(existing)
    handler._ppp_assess = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)


# --- Metrics ----------------------------------------------------------------------------------


class _StateCollector:
    """Read, at scrape time, what the database knows: the outbox's queue."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def collect(self) -> Iterable[GaugeMetricFamily]:
        with self.app.app_context(), get_database(self.app).reading() as session:
            counts = outbox.counts(session)
        family = GaugeMetricFamily("ppp_assess_outbox_messages",
                                   "Outbox messages by state.", labels=["state"])
        for state in ("pending", "given_up"):
            family.add_metric([state], counts[state])
        yield family


def _registry(app: Flask) -> CollectorRegistry:
    """Return what one scrape reads: every worker's counts, and the database's state."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        for collector in (REQUESTS, EVENTS, VERIFICATIONS, POOL_IN_USE):
            registry.register(collector)
    registry.register(_StateCollector(app))
    return registry


@blueprint.get("/metrics")
def metrics() -> Response:
    """Answer the Prometheus scrape, to the configured bearer token only."""
    settings: Settings = current_app.extensions["ppp_settings"]
    if not settings.metrics_token:
        abort(404)
    scheme, _sep, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
            token.strip().encode(), settings.metrics_token.encode()):
        abort(404)
    POOL_IN_USE.set(sum(_pool_in_use(engine) for engine in get_database().engines))
    body = generate_latest(_registry(current_app._get_current_object()))  # type: ignore[attr-defined]
    return Response(body, mimetype=CONTENT_TYPE_LATEST)


def _pool_in_use(engine: Engine) -> int:
    checked_out = getattr(engine.pool, "checkedout", None)
    return int(checked_out()) if callable(checked_out) else 0


def init_app(app: Flask, settings: Settings) -> None:
    """Give requests ids, log them, count them, and serve ``/metrics``."""
    if not app.testing:
        configure_logging(settings)
    if settings.sentry_dsn:
        import sentry_sdk

        # No personal data: no addresses, bodies or user names leave the server.
        sentry_sdk.init(dsn=settings.sentry_dsn, environment=settings.env,
                        send_default_pii=False, traces_sample_rate=0.0)
    app.before_request(_begin)
    app.after_request(_stamp)
    request_started.connect(_count_from_here, app)
    request_finished.connect(_record, app)
    for engine in get_database(app).engines:
        event.listen(engine, "before_cursor_execute", _count_statement, retval=True)
    on_commit(app, _count_events)
    app.register_blueprint(blueprint)
    app.jinja_env.globals["request_id"] = request_id
