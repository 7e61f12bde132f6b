"""Peer benchmarks, the evaluator dashboard, the public showcase and exports."""

from flask import Blueprint, Flask
from flask_babel import lazy_gettext as _l

bp = Blueprint("benchmarks", __name__)


def init_app(app: Flask) -> None:
    """Register the navigation entries and the helpers of the benchmark panel."""
    from ppp_assess.domain.benchmarking import PeerSummary
    from ppp_assess.services import permissions
    from ppp_assess.web.benchmarks import jobs
    from ppp_assess.web.benchmarks.views import template_helpers
    from ppp_assess.web.navigation import NavItem, add_nav_item

    add_nav_item(app, NavItem("benchmarks.dashboard", _l("Evaluations"),
                              permissions.can_evaluate, 40))
    add_nav_item(app, NavItem("benchmarks.portfolio", _l("Portfolio"),
                              permissions.can_evaluate, 42))
    add_nav_item(app, NavItem("benchmarks.showcase", _l("Showcase"), permissions.anyone, 85))
    # Globals, not a context processor: the panel partial is included by other
    # blueprints' templates.
    app.jinja_env.globals.update(template_helpers())
    app.jinja_env.tests["peer_summary"] = lambda value: isinstance(value, PeerSummary)
    jobs.init_app(app)


from ppp_assess.web.benchmarks import portfolio, views  # noqa: E402,F401  (registers the routes)
