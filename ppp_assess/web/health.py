"""Liveness and readiness: ``GET /healthz``."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ppp_assess.unit_of_work import get_session

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)


@bp.get("/healthz")
def check() -> tuple[Response, int]:
    """Report whether the application can reach its database."""
    try:
        get_session().execute(text("SELECT 1"))
    except SQLAlchemyError:
        log.exception("Health check: the database is unreachable.")
        return jsonify(status="unavailable", database="unreachable"), 503
    return jsonify(status="ok", database="ok"), 200
