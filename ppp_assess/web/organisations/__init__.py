"""The organisation's members and settings."""

from flask import Blueprint, Flask

bp = Blueprint("organisations", __name__, url_prefix="/organisations")


def init_app(app: Flask) -> None:
    """Register this feature's navigation entries."""


from ppp_assess.web.organisations import views  # noqa: E402,F401  (registers the routes)
