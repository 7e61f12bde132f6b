"""Forms of the admin blueprint."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, EmailField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ppp_assess.domain.board import MAX_DEADLINE_DAYS, MAX_PANEL_SIZE
from ppp_assess.domain.reference import PlatformRole
from ppp_assess.web import MAX_ID
from ppp_assess.web.validators import EmailAddress

#: Platform roles with their labels.
PLATFORM_ROLE_LABELS = {
    PlatformRole.reviewer.value: _l("Reviewer"),
    PlatformRole.evaluator.value: _l("Evaluator"),
    PlatformRole.admin.value: _l("Administrator"),
}


class OrganisationForm(FlaskForm):
    """An organisation's name, country and region; the view fills the region choices."""

    name = StringField(_l("Name"), validators=[
        DataRequired(message=_l("Enter the organisation's name.")), Length(max=200)])
    country = StringField(_l("Country"), validators=[
        DataRequired(message=_l("Enter the country code.")), Length(min=2, max=2, message=_l(
            "Give the country as a two-letter ISO 3166 code."))],
        description=_l("Two-letter ISO 3166 code, for example KZ or CL."),
        render_kw={"size": 2, "autocomplete": "off"})
    region = SelectField(_l("Region"), choices=[],
                         validators=[DataRequired(message=_l("Choose a region from the list."))])


class AddUserForm(FlaskForm):
    """Someone to give an account without an organisation (reviewers, evaluators...)."""

    email = EmailField(_l("E-mail address"), validators=[
        DataRequired(message=_l("Enter the person's e-mail address.")),
        EmailAddress(),
        Length(max=254),
    ])
    name = StringField(_l("Name"), validators=[
        DataRequired(message=_l("Enter the person's name.")), Length(max=200)])
    role = SelectField(_l("Platform role"), choices=[], validators=[Optional()],
                       description=_l("Optional. Members of organisations are invited from "
                                      "the organisation's page."))


class PlatformRoleForm(FlaskForm):
    """A platform role to grant."""

    role = SelectField(_l("Platform role"), choices=[],
                       validators=[DataRequired(message=_l("Choose a role."))])


class ConfirmForm(FlaskForm):
    """A button that changes something; carries only the CSRF token."""


class UserSearchForm(FlaskForm):
    """Search users by e-mail address or name (a GET form)."""

    class Meta:
        csrf = False

    q = StringField(_l("E-mail address or name"), validators=[Optional(), Length(max=200)])


class AuditFilterForm(FlaskForm):
    """Filters of the audit log (a GET form)."""

    class Meta:
        csrf = False

    action = StringField(_l("Action"), validators=[Optional(), Length(max=64)],
                         description=_l("For example user.signed_in or assessment.submitted."),
                         render_kw={"list": "audit-actions", "autocomplete": "off"})
    actor = StringField(_l("Actor"), validators=[Optional(), Length(max=254)],
                        description=_l("E-mail address or user number."))
    object_type = StringField(_l("Object type"), validators=[Optional(), Length(max=40)],
                              description=_l("For example user, organisation or assessment."))
    object_id = StringField(_l("Object number"), validators=[Optional(), Length(max=64)])
    organisation = IntegerField(_l("Organisation number"), validators=[
        Optional(), NumberRange(min=1, max=MAX_ID, message=_l("Enter a positive number."))])
    since = DateField(_l("From"), validators=[Optional()],
                      description=_l("First day included (UTC)."))
    until = DateField(_l("Until"), validators=[Optional()],
                      description=_l("Last day included (UTC)."))


class ReviewSettingsForm(FlaskForm):
    """How the review board works on one questionnaire."""

    panel_size = IntegerField(
        _l("Panel size"), default=1,
        validators=[DataRequired(message=_l("Give the number of reviewers.")),
                    NumberRange(min=1, max=MAX_PANEL_SIZE,
                                message=_l("Give a number from %(min)s to %(max)s."))],
        description=_l("How many reviewers recommend on each submission. With 1 and no "
                       "chair, the reviewer who takes the assessment decides alone."))
    chair_decides = BooleanField(
        _l("A chair decides on the panel's recommendations"),
        description=_l("The reviewer who takes the assessment chairs the panel: they "
                       "assign the reviewers and decide once all have recommended or the "
                       "deadline has passed."))
    deadline_days = IntegerField(
        _l("Deadline in days"),
        validators=[Optional(), NumberRange(min=1, max=MAX_DEADLINE_DAYS,
                                            message=_l("Give a number from %(min)s to "
                                                       "%(max)s."))],
        description=_l("From submission to decision. Leave empty for no deadline."))
    remind_days_before = IntegerField(
        _l("Reminder, days before the due date"), default=2,
        validators=[Optional(), NumberRange(min=0, max=MAX_DEADLINE_DAYS,
                                            message=_l("Give a number from %(min)s to "
                                                       "%(max)s."))])
    same_country_conflict = BooleanField(
        _l("A reviewer linked with the subject's country has a conflict of interest"))
    show_reviewer_names = BooleanField(
        _l("Show the organisation who wrote each review comment and recommendation"))
