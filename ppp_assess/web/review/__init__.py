"""The review board: queue, review page, decisions."""

from flask import Blueprint, Flask
from flask_babel import lazy_gettext as _l

bp = Blueprint("review", __name__, url_prefix="/review")


def init_app(app: Flask) -> None:
    """Register this feature's navigation entries."""
    from ppp_assess.services import permissions
    from ppp_assess.web.navigation import NavItem, add_nav_item

    add_nav_item(app, NavItem("review.queue", _l("Review queue"), permissions.can_review, 40))


from ppp_assess.web.review import views  # noqa: E402,F401  (registers the routes)
