"""The home page."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

bp = Blueprint("main", __name__)


@bp.get("/")
def index() -> str:
    """Show what the platform offers; members land on their assessments."""
    if current_user.is_authenticated and current_user.memberships:
        # Rendered here rather than redirected, so the address people bookmark stays "/".
        from ppp_assess.web.assessments.views import dashboard

        return dashboard()
    return render_template("main/index.html")
