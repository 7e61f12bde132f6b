"""Projects: create, edit and list."""

from flask import Blueprint, Flask
from flask_babel import lazy_gettext as _l

bp = Blueprint("projects", __name__, url_prefix="/projects")


def init_app(app: Flask) -> None:
    """Register this feature's navigation entries."""
    from ppp_assess.services import permissions
    from ppp_assess.web.navigation import NavItem, add_nav_item

    add_nav_item(app, NavItem("projects.index", _l("Projects"), permissions.has_organisation, 20))


from ppp_assess.web.projects import views  # noqa: E402,F401  (registers the routes)
