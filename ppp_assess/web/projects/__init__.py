"""Projects: create, edit and list."""

from flask import Blueprint, Flask

bp = Blueprint("projects", __name__, url_prefix="/projects")


def init_app(app: Flask) -> None:
    """Register this feature's navigation entries."""


from ppp_assess.web.projects import views  # noqa: E402,F401  (registers the routes)
