"""Peer benchmarks, the evaluator dashboard, the public showcase and exports."""

from flask import Blueprint, Flask

bp = Blueprint("benchmarks", __name__)


def init_app(app: Flask) -> None:
    """Register this feature's navigation entries."""


from ppp_assess.web.benchmarks import views  # noqa: E402,F401  (registers the routes)
