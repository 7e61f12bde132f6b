"""Assessments: dashboard, section pages, check answers, submit, quick self-check."""

from flask import Blueprint, Flask

bp = Blueprint("assessments", __name__, url_prefix="/assessments")


def init_app(app: Flask) -> None:
    """Register this feature's navigation entries."""


from ppp_assess.web.assessments import views  # noqa: E402,F401  (registers the routes)
