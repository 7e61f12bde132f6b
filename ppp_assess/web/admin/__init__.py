"""Platform administration: organisations, users, questionnaire versions, audit log."""

from flask import Blueprint, Flask

bp = Blueprint("admin", __name__, url_prefix="/admin")


def init_app(app: Flask) -> None:
    """Register this feature's navigation entries."""


from ppp_assess.web.admin import views  # noqa: E402,F401  (registers the routes)
