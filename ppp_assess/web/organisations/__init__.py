"""The organisation's members and settings."""

from flask import Blueprint, Flask
from flask_babel import lazy_gettext as _l

bp = Blueprint("organisations", __name__, url_prefix="/organisations")


def init_app(app: Flask) -> None:
    """Register this feature's navigation entries."""
    from ppp_assess.services import permissions
    from ppp_assess.web.navigation import NavItem, add_nav_item

    add_nav_item(app, NavItem("organisations.index", _l("Organisation"),
                              permissions.has_organisation, 80))


from ppp_assess.web.organisations import views  # noqa: E402,F401  (registers the routes)
