"""Forms of the organisations blueprint."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from ppp_assess.domain.reference import OrgRole
from ppp_assess.web.validators import EmailAddress

#: Organisation role labels by value, least powerful first.
ROLE_LABELS = {
    OrgRole.respondent.value: _l("Respondent"),
    OrgRole.org_admin.value: _l("Organisation administrator"),
}


def role_choices() -> list[SelectChoice]:
    """Return the organisation roles as choices of a field."""
    return [SelectChoice(value, label) for value, label in ROLE_LABELS.items()]


class InviteForm(FlaskForm):
    """Whom to invite, and with which role."""

    email = EmailField(_l("E-mail address"), validators=[
        DataRequired(message=_l("Enter the e-mail address of the person you invite.")),
        EmailAddress(),
        Length(max=254),
    ])
    name = StringField(_l("Name"), validators=[Optional(), Length(max=200)],
                       description=_l("Needed for someone who has no account yet."))
    role = RadioField(_l("Role"), choices=role_choices, default=OrgRole.respondent.value,
                      validators=[DataRequired(message=_l("Choose a role."))],
                      description=_l("Respondents work on projects and assessments. "
                                     "Organisation administrators also manage the members."))


class MemberRoleForm(FlaskForm):
    """A member's new role."""

    role = SelectField(_l("Role"), choices=role_choices,
                       validators=[DataRequired(message=_l("Choose a role."))])


class ConfirmForm(FlaskForm):
    """A button that changes something; carries only the CSRF token."""
