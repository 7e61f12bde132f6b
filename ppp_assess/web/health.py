"""Liveness and readiness: ``GET /healthz``."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ppp_assess.config import Settings
from ppp_assess.unit_of_work import get_database
from ppp_assess.web.errors import RETRY_AFTER_SECONDS

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)


def _database_ok() -> bool:
    try:
        with get_database().reading() as session:
            session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        log.exception("Health check: the database is unreachable.")
        return False
    return True


def _redis_ok(url: str) -> bool:
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    try:
        return bool(client.ping())
    except redis.RedisError:
        log.exception("Health check: Redis is unreachable.")
        return False
    finally:
        client.close()


@bp.get("/healthz")
def check() -> tuple[Response, int]:
    """Report whether the application can reach each service it depends on.

    ``database`` always; ``redis`` when one is configured. 200 when all answer, else 503
    with ``Retry-After``, naming what is down.
    """
    settings: Settings = current_app.extensions["ppp_settings"]
    report = {"database": "ok" if _database_ok() else "unreachable"}
    if settings.redis_url:
        report["redis"] = "ok" if _redis_ok(settings.redis_url) else "unreachable"
    healthy = all(value == "ok" for value in report.values())
    response = jsonify(status="ok" if healthy else "unavailable", **report)
    if not healthy:
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response, 200 if healthy else 503
