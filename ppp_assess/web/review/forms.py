"""Forms of the review blueprint."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, Form, RadioField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from ppp_assess.domain.workflow import Decision
from ppp_assess.services.reviews import MAX_REASON_LENGTH

#: Prefix of the per-question comment fields of the decision form: ``comment-<question id>``.
COMMENT_PREFIX = "comment-"


class StartReviewForm(FlaskForm):
    """The conflict-of-interest declaration that starts a review."""

    declared_no_conflict = BooleanField(
        _l("I declare that I have no conflict of interest with this organisation or project."),
        validators=[DataRequired(message=_l("Declare that you have no conflict of interest "
                                             "before starting."))],
        description=_l("For example: you have not worked for or advised the organisation, "
                       "and you have no financial or personal interest in the project. If "
                       "you do, leave this assessment to another reviewer."),
    )


class DecisionForm(FlaskForm):
    """Approve, or return for changes with a reason. Question comments come as
    ``comment-<question id>`` fields beside each answer."""

    decision = RadioField(
        _l("Decision"),
        choices=[SelectChoice(Decision.return_.value, _l("Return for changes")),
                 SelectChoice(Decision.approve.value, _l("Approve"))],
        validators=[InputRequired(message=_l("Choose to approve or to return for changes."))],
    )
    reason = TextAreaField(
        _l("Reason or note for the organisation"),
        validators=[Length(max=MAX_REASON_LENGTH,
                           message=_l("Write at most %(max)d characters."))],
        description=_l("Required when you return the assessment. The organisation's members "
                       "see it with your comments on the flagged questions."),
    )

    def validate_reason(self, field: TextAreaField) -> None:
        """Require a reason for a return."""
        if self.decision.data == Decision.return_ and not (field.data or "").strip():
            raise ValidationError(_l("Say why the assessment is returned."))


class QueueFilterForm(Form):
    """The filters and order of the review queue (a GET form: nothing to protect)."""

    questionnaire = SelectField(_l("Questionnaire"), choices=[], validate_choice=False)
    status = SelectField(_l("Status"), choices=[], validate_choice=False)
    country = SelectField(_l("Country"), choices=[], validate_choice=False)
    sector = SelectField(_l("Sector"), choices=[], validate_choice=False)
    sort = SelectField(_l("Sort by"), choices=[
        SelectChoice("waiting", _l("Waiting time, longest first")),
        SelectChoice("submitted", _l("Submitted, newest first")),
        SelectChoice("score", _l("Score, highest first")),
    ], validate_choice=False)

    def value(self, name: str) -> Any:
        """Return a filter's value if it is one of its choices, else ``None``."""
        field = self[name]
        allowed = {choice.value for choice in field.choices or []}
        return field.data if field.data and field.data in allowed else None


class RecommendationForm(FlaskForm):
    """A panel member's recommendation. Question comments come as ``comment-<question id>``
    fields beside each answer, as on the decision form."""

    recommendation = RadioField(
        _l("Your recommendation"),
        choices=[SelectChoice(Decision.return_.value, _l("Return for changes")),
                 SelectChoice(Decision.approve.value, _l("Approve"))],
        validators=[InputRequired(message=_l("Choose to approve or to return for changes."))],
    )
    reason = TextAreaField(
        _l("Reasons"),
        validators=[Length(max=MAX_REASON_LENGTH,
                           message=_l("Write at most %(max)d characters."))],
        description=_l("Required when you recommend returning the assessment. The chair "
                       "sees your reasons beside the other reviewers'."),
    )

    def validate_reason(self, field: TextAreaField) -> None:
        """Require a reason to recommend a return."""
        if self.recommendation.data == Decision.return_ and not (field.data or "").strip():
            raise ValidationError(_l("Say why you recommend returning the assessment."))


class DeclineForm(FlaskForm):
    """A panel member declining the review, with the reason."""

    decline_reason = TextAreaField(
        _l("Why you decline"),
        validators=[DataRequired(message=_l("Say why you decline this review.")),
                    Length(max=MAX_REASON_LENGTH,
                           message=_l("Write at most %(max)d characters."))],
        description=_l("For example a conflict of interest you have found, or no time "
                       "before the due date."),
    )


class AssignForm(FlaskForm):
    """The chair (or an administrator) putting a reviewer on the panel."""

    reviewer = SelectField(
        _l("Reviewer"), choices=[], coerce=int,
        validators=[InputRequired(message=_l("Choose a reviewer."))],
        description=_l("Members of the assessed organisation are not listed. A reviewer "
                       "with a declared link to it is refused."),
    )


class InterestForm(FlaskForm):
    """A reviewer declaring a link with an organisation or a country."""

    organisation = SelectField(_l("Organisation"), choices=[], coerce=str,
                               validate_choice=True)
    country = SelectField(_l("Country"), choices=[], validate_choice=True)
    note = TextAreaField(
        _l("What the link is"),
        validators=[Length(max=MAX_REASON_LENGTH,
                           message=_l("Write at most %(max)d characters."))],
        description=_l("For example: you advised the ministry in 2024, or you are a "
                       "national of the country."),
    )
