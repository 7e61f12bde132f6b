"""Signing in and out, invitations, password resets and the user's profile."""

from __future__ import annotations

import hashlib
import math

from flask import (
    after_this_request,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_limiter import RateLimitExceeded
from flask_limiter.util import get_remote_address
from flask_login import login_user, logout_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from ppp_assess.config import get_settings
from ppp_assess.extensions import limiter
from ppp_assess.models import User
from ppp_assess.models.base import utcnow
from ppp_assess.services import accounts, tokens
from ppp_assess.services import auth as auth_service
from ppp_assess.services.errors import Invalid
from ppp_assess.unit_of_work import get_session
from ppp_assess.web import throttle
from ppp_assess.web.assessments.quick_check import SESSION_KEY as QUICK_CHECK_KEY
from ppp_assess.web.auth import bp
from ppp_assess.web.auth.forms import (
    AcceptInvitationForm,
    ChangePasswordForm,
    NewPasswordForm,
    PasswordResetRequestForm,
    ProfileForm,
    SignInForm,
    TokenForm,
    add_service_error,
)
from ppp_assess.web.errors import refuse
from ppp_assess.web.locale import available_locales, current_locale_info, locale_info
from ppp_assess.web.security import current_actor, login_required, safe_next

#: Password-reset requests allowed per address and per account each hour.
RESETS_PER_ADDRESS = 10
RESETS_PER_ACCOUNT = 3

#: Session keys kept when the session is renewed at sign-in.
SURVIVES_SIGN_IN = ("locale", QUICK_CHECK_KEY)


def _account_key() -> str:
    """Identify the account a form names, without putting the address in the store."""
    email = accounts.normalise_email(request.form.get("email", ""))
    return "account:" + hashlib.sha256(email.encode("utf-8")).hexdigest()[:32]


def _address_key() -> str:
    return "address:" + (get_remote_address() or "unknown")


def _start_session(user: User) -> None:
    """Sign ``user`` in with a fresh session.

    Nothing from before survives but the visitor's language and their anonymous quick
    self-check, which they may now save into an assessment.
    """
    kept = {key: session[key] for key in SURVIVES_SIGN_IN if key in session}
    session.clear()
    session.update(kept)
    login_user(user)


def _no_referrer() -> None:
    """Keep a token in the address bar out of the Referer header of later requests."""

    @after_this_request
    def _header(response: Response) -> Response:
        response.headers["Referrer-Policy"] = "no-referrer"
        return response


def _secret_key() -> str:
    return get_settings(current_app).secret_key


@bp.errorhandler(RateLimitExceeded)
def _too_many_attempts(_error: RateLimitExceeded) -> tuple[str, int]:
    """Answer 429 with the form again and the same words whether or not the account exists."""
    message = ngettext("Too many attempts. Please wait %(num)s minute and try again.",
                       "Too many attempts. Please wait %(num)s minutes and try again.", 60)
    reset_form = PasswordResetRequestForm()
    reset_form.email.errors = [message]
    return render_template("auth/forgot_password.html", form=reset_form), 429


def _throttled(form: SignInForm, seconds: int) -> Response:
    """Answer 429: the form again, saying how long to wait, alike for every account."""
    minutes = max(1, math.ceil(seconds / 60))
    form.password.errors = [ngettext(
        "Too many attempts. Please wait %(num)s minute and try again.",
        "Too many attempts. Please wait %(num)s minutes and try again.", minutes)]
    response = make_response(render_template("auth/sign_in.html", form=form), 429)
    response.headers["Retry-After"] = str(seconds)
    return response


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in() -> str | Response:
    """Show the sign-in form and sign the user in; failures slow the next attempt down."""
    form = SignInForm()
    if form.validate_on_submit():
        keys = throttle.keys_for(accounts.normalise_email(form.email.data or ""),
                                 request.remote_addr or "unknown")
        waiting = throttle.wait_seconds(keys)
        if waiting:
            return _throttled(form, waiting)
        db = get_session()
        user = auth_service.authenticate(db, form.email.data or "", form.password.data or "",
                                         remote_address=request.remote_addr or "")
        if user is not None:
            throttle.record_success(keys)
            _start_session(user)
            return redirect(safe_next(request.args.get("next")))
        throttle.record_failure(keys)
        form.password.errors.append(_("The e-mail address or password is not right."))
    return render_template("auth/sign_in.html", form=form)


@bp.post("/sign-out")
@login_required
def sign_out() -> Response:
    """Sign out here and end the user's sessions everywhere else."""
    db = get_session()
    auth_service.end_sessions(db, current_actor(), reason="signed_out")
    logout_user()
    session.clear()
    flash(_("You are signed out."), "info")
    return redirect(url_for("main.index"))


@bp.route("/forgot-password", methods=["GET", "POST"])
@limiter.limit(f"{RESETS_PER_ADDRESS} per hour", key_func=_address_key, methods=["POST"],
               scope="reset-address")
@limiter.limit(f"{RESETS_PER_ACCOUNT} per hour", key_func=_account_key, methods=["POST"],
               scope="reset-account")
def forgot_password() -> str | Response:
    """Mail a password-reset link, answering alike whether or not the account exists."""
    form = PasswordResetRequestForm()
    if form.validate_on_submit():
        db = get_session()
        auth_service.request_password_reset(db, form.email.data or "",
                                            locale=current_locale_info().code)
        return render_template("auth/reset_sent.html", email=form.email.data)
    return render_template("auth/forgot_password.html", form=form)


def _invalid_link(error: tokens.InvalidLink) -> tuple[str, int]:
    return render_template("auth/invalid_link.html", message=refuse(error),
                           expired=isinstance(error, tokens.ExpiredLink)), error.status


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> str | Response | tuple[str, int]:
    """Choose a new password from a mailed link, then sign in."""
    _no_referrer()
    db = get_session()
    try:
        user = auth_service.password_reset_user(db, _secret_key(), token)
    except tokens.InvalidLink as error:
        return _invalid_link(error)
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            auth_service.reset_password(db, _secret_key(), token, form.password.data or "")
        except Invalid as error:
            add_service_error(form, error, "password")
        else:
            _start_session(user)
            flash(_("Your new password is set. You have been signed out everywhere else."),
                  "info")
            return redirect(url_for("main.index"))
    return render_template("auth/reset_password.html", form=form, user=user)


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token: str) -> str | Response | tuple[str, int]:
    """Activate an invited account by choosing a name and password, then sign in."""
    _no_referrer()
    db = get_session()
    try:
        details = auth_service.invitation_details(db, _secret_key(), token)
    except tokens.InvalidLink as error:
        return _invalid_link(error)
    form = AcceptInvitationForm()
    if request.method == "GET":
        form.name.data = details.user.name
    if form.validate_on_submit():
        try:
            auth_service.accept_invitation(db, _secret_key(), token, name=form.name.data or "",
                                           password=form.password.data or "")
        except Invalid as error:
            add_service_error(form, error, "password")
        else:
            _start_session(details.user)
            flash(_("Welcome! Your account is ready."), "info")
            if details.organisation is not None:
                return redirect(url_for("organisations.members",
                                        organisation_id=details.organisation.id))
            return redirect(url_for("main.index"))
    return render_template("auth/accept_invitation.html", form=form, details=details)


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile() -> tuple[str, int] | Response:
    """Show and change the user's name and preferred language."""
    user = current_actor()
    form = ProfileForm()
    form.locale.choices = [SelectChoice("", _("The language of my browser")), *(
        SelectChoice(code, locale_info(code).display_name) for code in available_locales())]
    if request.method == "GET":
        form.name.data = user.name
        form.locale.data = user.locale or ""
    if form.validate_on_submit():
        db = get_session()
        locale = form.locale.data or None
        try:
            accounts.update_profile(db, user, name=form.name.data or "", locale=locale,
                                    allowed_locales=available_locales())
        except Invalid as error:
            add_service_error(form, error, "name")
        else:
            # The language chosen here wins over one remembered from the language menu.
            if locale:
                session["locale"] = locale
            else:
                session.pop("locale", None)
            flash(_("Your profile is saved."), "info")
            return redirect(url_for("auth.profile"))
    return _profile_page(form, user)


#: The token form shares the profile page with the profile form: its fields are prefixed.
TOKEN_PREFIX = "token"  # noqa: S105  (a form prefix, not a secret)


def _profile_page(form: ProfileForm, user: User, token_form: TokenForm | None = None,
                  status: int = 200) -> tuple[str, int]:
    if token_form is None:
        token_form = TokenForm(formdata=None, prefix=TOKEN_PREFIX,
                               days=get_settings(current_app).token_days)
    return render_template("auth/profile.html", form=form, user=user, token_form=token_form,
                           tokens=tokens.list_api_tokens(get_session(), user),
                           now=utcnow(), revoke_form=FlaskForm(formdata=None)), status


def _profile_form(user: User) -> ProfileForm:
    form = ProfileForm(formdata=None)
    form.locale.choices = [SelectChoice("", _("The language of my browser")), *(
        SelectChoice(code, locale_info(code).display_name) for code in available_locales())]
    form.name.data = user.name
    form.locale.data = user.locale or ""
    return form


@bp.post("/tokens")
@login_required
def create_token() -> tuple[str, int]:
    """Create an API token for the signed-in user and show it, once."""
    user = current_actor()
    token_form = TokenForm(prefix=TOKEN_PREFIX)
    if not token_form.validate_on_submit():
        return _profile_page(_profile_form(user), user, token_form, 422)
    try:
        row, token = tokens.create_api_token(get_session(), user,
                                             name=token_form.name.data or "",
                                             days=token_form.days.data or 0)
    except Invalid as error:
        add_service_error(token_form, error, "name")
        return _profile_page(_profile_form(user), user, token_form, 422)
    _no_referrer()
    return render_template("auth/token_created.html", row=row, token=token), 201


@bp.post("/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int) -> Response:
    """Revoke one of the signed-in user's API tokens."""
    FlaskForm().validate_on_submit()  # checks the CSRF token (a failure answers 400)
    row = tokens.revoke_api_token(get_session(), current_actor(), token_id)
    flash(_("The token “%(name)s” is revoked.", name=row.name), "info")
    return redirect(url_for("auth.profile"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password() -> str | Response:
    """Change the password; every other session of the user ends."""
    user = current_actor()
    form = ChangePasswordForm()
    if form.validate_on_submit():
        db = get_session()
        try:
            auth_service.change_password(db, user, current_password=form.current_password.data
                                         or "", new_password=form.password.data or "")
        except Invalid as error:
            add_service_error(form, error, "password")
        else:
            _start_session(user)
            flash(_("Your password is changed. You have been signed out everywhere else."),
                  "info")
            return redirect(url_for("auth.profile"))
    return render_template("auth/change_password.html", form=form)
