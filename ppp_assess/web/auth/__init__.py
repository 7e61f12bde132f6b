"""Signing in and out, invitations, password resets and the user's profile."""

from flask import Blueprint, Flask
from flask_babel import lazy_gettext as _l

bp = Blueprint("auth", __name__, url_prefix="/auth")


def init_app(app: Flask) -> None:
    """Register this feature's navigation entries."""
    from ppp_assess.services import permissions
    from ppp_assess.web.navigation import NavItem, add_nav_item

    add_nav_item(app, NavItem("auth.profile", _l("Your profile"), permissions.is_signed_in, 90))


from ppp_assess.web.auth import views  # noqa: E402,F401  (registers the routes)
