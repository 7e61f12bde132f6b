"""The home page."""

from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("main", __name__)


@bp.get("/")
def index() -> str:
    """Show what the platform offers."""
    return render_template("main/index.html")
