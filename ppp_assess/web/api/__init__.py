"""The JSON API under ``/api/v1``.

Scripts authenticate with a bearer token (``flask --app wsgi users token EMAIL``); the
pages' own JavaScript uses the session cookie and must send the CSRF token in the
``X-CSRFToken`` header. Errors are ``{"error": {"code", "message", "fields"}}``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, Response, current_app, g, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError, validate_csrf
from wtforms.validators import ValidationError

from ppp_assess.extensions import csrf
from ppp_assess.services import people, tokens
from ppp_assess.services.people import SignedIn
from ppp_assess.unit_of_work import (
    SAFE_METHODS,
    get_database,
    get_session,
    identity_connection,
)
from ppp_assess.web.errors import json_error, service_error_response

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def load_user_from_bearer() -> SignedIn | None:
    """Return who a valid ``Authorization: Bearer`` token acts for, if one is sent."""
    header = request.headers.get("Authorization", "")
    scheme, _sep, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    with identity_connection() as connection:
        holder = people.token_holder(connection, token.strip())
    if holder is None:
        return None
    if request.method in SAFE_METHODS:
        # A read stays a read: the stamp goes in a short transaction of its own.
        tokens.record_use(get_database(), holder.token_id, holder.last_used_at)
    else:
        tokens.record_use_in(get_session(), holder.token_id, holder.last_used_at)
    g.api_token_auth = True
    return holder.person


@bp.before_request
def _check_csrf_for_cookie_sessions() -> tuple[Response, int] | None:
    """Require the CSRF header on unsafe calls made with the session cookie."""
    if request.method not in UNSAFE_METHODS or g.get("api_token_auth"):
        return None
    if not current_app.config.get("WTF_CSRF_ENABLED", True):
        return None  # the same switch as for forms (tests turn both off together)
    if not current_user.is_authenticated:
        return None  # the view answers 401
    try:
        validate_csrf(request.headers.get("X-CSRFToken", ""))
    except (ValidationError, CSRFError):
        return json_error(400, _("The security token is missing or has expired. Reload the "
                                 "page and try again."), error_code="csrf")
    return None


#: The JSON error of a service error; views that catch one answer with it.
service_error = service_error_response


class BearerWithoutCookies:
    """Keep cookies out of requests authenticated by a bearer token, both ways.

    A script that sends ``Authorization: Bearer`` is identified by its token alone: any
    cookie it also sends is dropped before the session is opened (so a browser's session
    can neither stand in for the token nor require a CSRF token of it), and no
    ``Set-Cookie`` goes back, whatever the request touched (``?lang=``, say).
    """

    def __init__(self, wsgi_app: Any) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        scheme, _sep, _token = environ.get("HTTP_AUTHORIZATION", "").partition(" ")
        if scheme.lower() != "bearer":
            return self.wsgi_app(environ, start_response)
        environ.pop("HTTP_COOKIE", None)

        def start_without_cookies(status: str, headers: list[tuple[str, str]],
                                  exc_info: Any = None) -> Any:
            kept = [(name, value) for name, value in headers
                    if name.lower() != "set-cookie"]
            return start_response(status, kept, exc_info)

        return self.wsgi_app(environ, start_without_cookies)


def init_app(app: Flask) -> None:
    """Register the bearer-token loader and keep bearer requests free of cookies."""
    from ppp_assess.extensions import login_manager

    login_manager.request_loader(lambda _request: load_user_from_bearer())
    app.wsgi_app = BearerWithoutCookies(app.wsgi_app)  # type: ignore[method-assign]


from ppp_assess.web.api import views  # noqa: E402,F401  (registers the routes)
