"""The review board: queue, review page, decisions."""

from flask import Blueprint, Flask

bp = Blueprint("review", __name__, url_prefix="/review")


def init_app(app: Flask) -> None:
    """Register this feature's navigation entries."""


from ppp_assess.web.review import views  # noqa: E402,F401  (registers the routes)
