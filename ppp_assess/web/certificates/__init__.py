"""Certificates: issue, download, revoke, and public verification."""

from flask import Blueprint, Flask

bp = Blueprint("certificates", __name__)


def init_app(app: Flask) -> None:
    """Register this feature's navigation entries."""


from ppp_assess.web.certificates import views  # noqa: E402,F401  (registers the routes)
