"""Platform administration: organisations, users, questionnaire versions, audit log."""

from flask import Blueprint, Flask
from flask_babel import lazy_gettext as _l

bp = Blueprint("admin", __name__, url_prefix="/admin")


def init_app(app: Flask) -> None:
    """Register this feature's navigation entries."""
    from ppp_assess.services import permissions
    from ppp_assess.web.navigation import NavItem, add_nav_item

    add_nav_item(app, NavItem("admin.index", _l("Administration"),
                              permissions.can_administer_platform, 95))


from ppp_assess.web.admin import views  # noqa: E402,F401  (registers the routes)
