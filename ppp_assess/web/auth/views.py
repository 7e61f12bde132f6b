"""Sign-in and sign-out."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import login_user, logout_user
from werkzeug.wrappers import Response

from ppp_assess.models import get_session
from ppp_assess.services import auth as auth_service
from ppp_assess.web.auth import bp
from ppp_assess.web.auth.forms import SignInForm
from ppp_assess.web.security import current_actor, login_required


def _safe_next(target: str | None) -> str:
    """Return ``target`` if it is a path on this site, else the dashboard."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("main.index")


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in() -> str | Response:
    """Show the sign-in form and sign the user in."""
    form = SignInForm()
    if form.validate_on_submit():
        db = get_session()
        user = auth_service.authenticate(db, form.email.data or "", form.password.data or "",
                                         remote_address=request.remote_addr or "")
        if user is not None:
            # A fresh session at sign-in: nothing from before survives but the language.
            locale = session.get("locale")
            session.clear()
            if locale:
                session["locale"] = locale
            login_user(user)
            db.commit()
            return redirect(_safe_next(request.args.get("next")))
        db.commit()
        form.password.errors.append(_("The e-mail address or password is not right."))
    return render_template("auth/sign_in.html", form=form)


@bp.post("/sign-out")
@login_required
def sign_out() -> Response:
    """Sign out here and end the user's sessions everywhere else."""
    db = get_session()
    auth_service.end_sessions(db, current_actor(), reason="signed_out")
    db.commit()
    logout_user()
    session.clear()
    flash(_("You are signed out."), "info")
    return redirect(url_for("main.index"))
