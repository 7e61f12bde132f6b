"""Forms of the auth blueprint."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, IntegerField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, NumberRange

from ppp_assess.services.errors import ServiceError
from ppp_assess.services.passwords import PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH
from ppp_assess.services.tokens import MAX_TOKEN_DAYS
from ppp_assess.web.errors import refuse
from ppp_assess.web.validators import EmailAddress

#: Shown under every new-password field.
PASSWORD_HINT = _l("At least %(count)s characters. A few unrelated words make a strong, "
                   "memorable password; common passwords, your name and your e-mail address "
                   "are refused.", count=PASSWORD_MIN_LENGTH)


def _email_field() -> EmailField:
    return EmailField(_l("E-mail address"), validators=[
        DataRequired(message=_l("Enter your e-mail address.")),
        EmailAddress(),
        Length(max=254),
    ])


def _new_password_field() -> PasswordField:
    return PasswordField(_l("New password"), description=PASSWORD_HINT, validators=[
        DataRequired(message=_l("Enter a new password.")),
        Length(max=PASSWORD_MAX_LENGTH)],
        render_kw={"autocomplete": "new-password"})


def _confirm_field() -> PasswordField:
    return PasswordField(_l("Repeat the new password"), validators=[
        DataRequired(message=_l("Repeat the new password.")),
        EqualTo("password", message=_l("The two passwords are not the same."))],
        render_kw={"autocomplete": "new-password"})


class SignInForm(FlaskForm):
    """E-mail and password."""

    email = _email_field()
    password = PasswordField(_l("Password"), validators=[
        DataRequired(message=_l("Enter your password.")), Length(max=1024)],
        render_kw={"autocomplete": "current-password"})


class PasswordResetRequestForm(FlaskForm):
    """The address to send a reset link to."""

    email = _email_field()


class NewPasswordForm(FlaskForm):
    """A new password, twice."""

    password = _new_password_field()
    confirm = _confirm_field()


class AcceptInvitationForm(FlaskForm):
    """The invitee's name and first password."""

    name = StringField(_l("Your name"), validators=[
        DataRequired(message=_l("Enter your name.")), Length(max=200)],
        render_kw={"autocomplete": "name"})
    password = _new_password_field()
    confirm = _confirm_field()


class ChangePasswordForm(FlaskForm):
    """The current password and a new one, twice."""

    current_password = PasswordField(_l("Current password"), validators=[
        DataRequired(message=_l("Enter your current password.")), Length(max=1024)],
        render_kw={"autocomplete": "current-password"})
    password = _new_password_field()
    confirm = _confirm_field()


class ProfileForm(FlaskForm):
    """Name and preferred language; the view fills the language choices."""

    name = StringField(_l("Name"), validators=[
        DataRequired(message=_l("Enter your name.")), Length(max=200)],
        render_kw={"autocomplete": "name"})
    locale = SelectField(_l("Preferred language"), choices=[],
                         description=_l("Pages and e-mails use this language unless you choose "
                                        "another one from the language menu."))


class TokenForm(FlaskForm):
    """A new API token: what it is for and how long it lives."""

    name = StringField(_l("What is the token for?"), validators=[
        DataRequired(message=_l("Give the token a name.")), Length(max=100)],
        description=_l("For example the script or system that will use it."))
    days = IntegerField(_l("Valid for (days)"), validators=[
        DataRequired(message=_l("Enter a number of days.")),
        NumberRange(min=1, max=MAX_TOKEN_DAYS,
                    message=_l("A token lives from 1 to %(max)s days.", max=MAX_TOKEN_DAYS))])


def add_service_error(form: FlaskForm, error: ServiceError, default_field: str) -> None:
    """Show a service error beside the fields it names (or ``default_field``)."""
    message = refuse(error)
    names = [name for name in error.fields if name in form] or [default_field]
    for name in names:
        field = form[name]
        field.errors = [*field.errors, message]
