"""Error pages (HTML) and JSON errors for the API."""

from __future__ import annotations

import logging

from flask import Flask, Response, g, jsonify, make_response, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError
from werkzeug.exceptions import HTTPException

from ppp_assess import unit_of_work
from ppp_assess.domain.workflow import ACTION_LABELS, STATUS_LABELS, Action, Status
from ppp_assess.extensions import login_manager
from ppp_assess.services.errors import Conflict, MissingAnswers, ServiceError

log = logging.getLogger(__name__)


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def error_message(code: int) -> str:
    """Return the translated message for an HTTP status code."""
    messages = {
        400: _("The request could not be understood."),
        401: _("Please sign in to continue."),
        403: _("You do not have permission to do this."),
        404: _("The page or item you asked for does not exist."),
        405: _("This action is not allowed here."),
        409: _("Someone else changed this in the meantime."),
        413: _("The upload is too large."),
        422: _("The data sent could not be accepted."),
        429: _("Too many attempts. Please wait a moment and try again."),
        500: _("Something went wrong on our side. Nothing you saved has been lost."),
        503: _("The service is temporarily unavailable."),
    }
    return messages.get(code, _("The request could not be completed."))


def json_error(code: int, message: str, fields: dict[str, str] | None = None,
               error_code: str | None = None,
               extra: dict[str, object] | None = None) -> tuple[Response, int]:
    """Return the API's error body ``{"error": {"code", "message", "fields", ...extra}}``."""
    error: dict[str, object] = {"code": error_code or str(code), "message": message,
                                "fields": fields or {}}
    error.update(extra or {})
    return jsonify({"error": error}), code


def refuse(error: ServiceError) -> str:
    """Refuse the request for ``error``: nothing it changed is committed.

    Every view that catches a service error shows its message through this function, so
    the unit of work rolls back whatever the request had done before the error, whatever
    status the page is answered with.

    :return: the error's message in the request's language. Lifecycle statuses and
        actions among the parameters are shown by their translated labels, not codes.
    """
    unit_of_work.fail()
    params = dict(error.params)
    if params.get("status") in set(Status):
        params["status"] = _(STATUS_LABELS[Status(params["status"])])
    if params.get("action") in set(Action):
        params["action"] = _(ACTION_LABELS[Action(params["action"])])
    return _(error.message, **params)


def service_error_response(error: ServiceError) -> tuple[Response, int]:
    """Return the API's JSON for a service error, with what the client needs to recover.

    A stale save carries the stored answer (``current``); a refused submission lists the
    missing questions (``missing``).
    """
    extra: dict[str, object] = {}
    if isinstance(error, Conflict) and error.current is not None:
        extra["current"] = error.current
    if isinstance(error, MissingAnswers):
        extra["missing"] = error.missing
    return json_error(error.status, refuse(error), fields=dict(error.fields),
                      error_code=error.code, extra=extra)


def _handle_service_error(error: ServiceError) -> tuple[Response | str, int]:
    if _wants_json():
        return service_error_response(error)
    message = refuse(error)
    return render_template("errors/error.html", code=error.status, message=message), error.status


def _handle_http(error: HTTPException) -> tuple[Response | str, int]:
    code = error.code or 500
    message = error_message(code)
    if _wants_json():
        return json_error(code, message)
    return render_template("errors/error.html", code=code, message=message), code


def _handle_csrf(error: CSRFError) -> tuple[Response | str, int]:
    message = _("The form has expired or did not come from this site. Please try again.")
    if _wants_json():
        return json_error(400, message, error_code="csrf")
    return render_template("errors/error.html", code=400, message=message), 400


def _handle_unexpected(error: Exception) -> tuple[Response | str, int]:
    log.exception("Unhandled error on %s %s", request.method, request.path)
    if _wants_json():
        return json_error(500, error_message(500))
    return render_template("errors/error.html", code=500, message=error_message(500)), 500


#: Seconds a client is asked to wait when the database cannot be reached.
RETRY_AFTER_SECONDS = 30


def _handle_database_unavailable(error: SQLAlchemyError) -> tuple[Response | str, int]:
    """Answer 503 with ``Retry-After`` when the database is down or busy beyond waiting.

    The page is drawn for an anonymous visitor: who is signed in cannot be looked up.
    """
    log.error("Database unavailable on %s %s: %s", request.method, request.path, error)
    unit_of_work.fail()
    g._login_user = login_manager.anonymous_user()
    message = error_message(503)
    if _wants_json():
        response, code = json_error(503, message, error_code="unavailable")
    else:
        response = make_response(render_template("errors/error.html", code=503,
                                                 message=message), 503)
        code = 503
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response, code


def init_app(app: Flask) -> None:
    """Register the error handlers."""
    app.register_error_handler(OperationalError, _handle_database_unavailable)
    app.register_error_handler(InterfaceError, _handle_database_unavailable)
    app.register_error_handler(CSRFError, _handle_csrf)
    app.register_error_handler(ServiceError, _handle_service_error)
    app.register_error_handler(HTTPException, _handle_http)
    if not app.testing:
        app.register_error_handler(Exception, _handle_unexpected)
