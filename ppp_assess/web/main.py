"""The home page, and the language menu's choice."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, session
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from ppp_assess.services import permissions
from ppp_assess.services.accounts import set_preferred_locale
from ppp_assess.unit_of_work import get_session
from ppp_assess.web.homes import role_homes
from ppp_assess.web.locale import SESSION_KEY, available_locales
from ppp_assess.web.security import acting_user, current_actor, safe_next

bp = Blueprint("main", __name__)


@bp.get("/")
def index() -> str:
    """Show what the platform offers; members land on their assessments."""
    if permissions.has_organisation(acting_user()):
        # Rendered here rather than redirected, so the address people bookmark stays "/".
        from ppp_assess.web.assessments.views import dashboard

        return dashboard()
    return render_template("main/index.html", homes=role_homes(acting_user()))


@bp.post("/language")
def set_language() -> Response:
    """Switch to the language chosen in the menu; a signed-in user keeps it as preference.

    The preference is what e-mails and the user's other devices follow.
    """
    FlaskForm().validate_on_submit()  # checks the CSRF token (a failure answers 400)
    code = request.form.get("locale", "")
    target = safe_next(request.form.get("next"))
    if code not in available_locales():
        return redirect(target)
    session[SESSION_KEY] = code
    if current_user.is_authenticated:
        set_preferred_locale(get_session(), current_actor(), code)
    return redirect(target)
