"""Web adapters: blueprints, templates, locale selection and the JSON API."""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any

from flask import Flask, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Connection
from werkzeug.routing import IntegerConverter, Map

from ppp_assess.extensions import login_manager
from ppp_assess.services.people import SignedIn, signed_in
from ppp_assess.unit_of_work import identity_connection

#: Every feature blueprint package, in registration order. This is the only list.
FEATURES = (
    "main",
    "health",
    "auth",
    "organisations",
    "admin",
    "projects",
    "assessments",
    "review",
    "certificates",
    "benchmarks",
    "methodology",
    "api",
)


#: Reads who a session is signed in as (connection, user id, session version) together
#: with what one page needs, in the same round trip.
IdentityReader = Callable[[Connection, int, int], SignedIn | None]
_IDENTITY_READERS: dict[str, IdentityReader] = {}


def read_identity_with(endpoint: str, reader: IdentityReader) -> None:
    """Have GET requests of ``endpoint`` read who is asking with ``reader``, which also
    reads what that page needs (a page kept as rendered: its stamp) in the same
    statement, and must answer as :func:`~ppp_assess.services.people.signed_in` does."""
    _IDENTITY_READERS[endpoint] = reader


def _load_user(identity: str) -> SignedIn | None:
    """Read who the session is signed in as, refusing sessions from an older version."""
    user_id, _, version = identity.partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    reader = _IDENTITY_READERS.get(request.endpoint or "") if request.method == "GET" \
        else None
    with identity_connection() as connection:
        return (reader or signed_in)(connection, int(user_id), int(version))


def _unauthorized() -> ResponseReturnValue:
    """Answer 401 JSON to the API and send people to the sign-in page."""
    from ppp_assess.web.errors import json_error

    if request.path.startswith("/api/"):
        return json_error(401, _("Sign in or send a valid bearer token."))
    flash(str(login_manager.login_message), "info")
    return redirect(url_for("auth.sign_in", next=request.full_path.rstrip("?")))


#: The largest id a row can have: the id columns are 32-bit integers on PostgreSQL.
MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """Database ids in URLs: ASCII digits only, within the range of the id columns.

    Werkzeug's ``int`` takes any Unicode digit (``/assessments/１`` would be assessment 1)
    and any size (a 30-digit id reaches the database and fails there). Ids are 32-bit
    integer columns on PostgreSQL, so a larger number cannot name a row on any database.
    Anything else is simply not a route: 404.
    """

    regex = r"[0-9]{1,10}"

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def register_blueprints(app: Flask) -> None:
    """Register every blueprint, its navigation entries and the error handlers."""
    from ppp_assess.web import errors, headers, incoming, navigation, static_files

    app.url_map.converters["int"] = IdConverter
    incoming.init_app(app)

    login_manager.init_app(app)
    login_manager.user_loader(_load_user)
    login_manager.login_view = "auth.sign_in"
    login_manager.session_protection = "basic"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.unauthorized_handler(_unauthorized)
    navigation.init_app(app)
    for name in FEATURES:
        module = import_module(f"ppp_assess.web.{name}")
        app.register_blueprint(module.bp)
        init = getattr(module, "init_app", None)
        if init is not None:
            init(app)
    errors.init_app(app)
    headers.init_app(app)
    static_files.init_app(app)


def warm_up(app: Flask) -> None:
    """Compile every template and read every catalog now, before the first request.

    A new app server process would otherwise do it while answering its first pages (most
    of a second each); gunicorn calls this as each worker starts.
    """
    from flask_babel import force_locale, get_translations

    from ppp_assess.web.locale import available_locales

    for name in app.jinja_env.list_templates():
        if name.endswith(".html"):
            app.jinja_env.get_template(name)
    with app.test_request_context():
        for code in available_locales(app):
            with force_locale(code):
                get_translations()
