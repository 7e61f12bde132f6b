"""Signing in and out, invitations, password resets and the user's profile."""

from flask import Blueprint

bp = Blueprint("auth", __name__, url_prefix="/auth")

from ppp_assess.web.auth import views  # noqa: E402,F401  (registers the routes)
