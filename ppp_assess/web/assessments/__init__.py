"""Assessments: dashboard, section pages, check answers, submit, quick self-check."""

from flask import Blueprint, Flask
from flask_babel import lazy_gettext as _l

bp = Blueprint("assessments", __name__, url_prefix="/assessments")


def init_app(app: Flask) -> None:
    """Check the question-type registry; add the quick check and links."""
    from ppp_assess.config import get_settings
    from ppp_assess.services import permissions
    from ppp_assess.web import evidence
    from ppp_assess.web.assessments.quick_check import bp as quick_check_bp
    from ppp_assess.web.fields import check_registry
    from ppp_assess.web.navigation import NavItem, add_nav_item

    check_registry()
    evidence.init_app(app, get_settings(app))
    app.register_blueprint(quick_check_bp)
    add_nav_item(app, NavItem("assessments.dashboard", _l("Assessments"),
                              permissions.has_organisation, 10))
    add_nav_item(app, NavItem("quick_check.start", _l("Quick self-check"), permissions.anyone,
                              80))


from ppp_assess.web.assessments import imports, views  # noqa: E402,F401  (registers the routes)
