"""Forms of the benchmarks blueprint: the dashboard's filters and the peer-group choice."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, SelectMultipleField, StringField, widgets
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional, Regexp, ValidationError

from ppp_assess.domain.reference import ASSESSMENT_STAGES, REGIONS, SECTORS, STAGES


class MultiCheckboxField(SelectMultipleField):
    """Several options as checkboxes (rendered as a fieldset by the form macros)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def _coded(codes: dict[str, str]) -> list[tuple[str, str]]:
    return [("", _("Any"))] + [(code, _(label)) for code, label in codes.items()]


class _ResultFilters(FlaskForm):
    """The filters the dashboard and the portfolio share, sent with GET (no CSRF token:
    nothing changes)."""

    class Meta:
        csrf = False

    questionnaire = SelectField(_l("Questionnaire"), validators=[Optional()], default="")
    country = StringField(_l("Country code"), validators=[
        Optional(), Regexp(r"^[A-Za-z]{2}$", message=_l("Enter a two-letter country code, "
                                                        "such as KZ."))],
        description=_l("Two letters, as in ISO 3166 (for example KZ)."))
    sector = SelectField(_l("Sector"), validators=[Optional()], default="")
    stage = SelectField(_l("Project stage"), validators=[Optional()], default="")
    level = SelectField(_l("Level"), validators=[Optional()], default="")


class DashboardForm(_ResultFilters):
    """Filters of the evaluators' dashboard."""

    region = SelectField(_l("Region"), validators=[Optional()], default="")
    approved_from = DateField(_l("Approved on or after"), validators=[Optional()])
    approved_to = DateField(_l("Approved on or before"), validators=[Optional()])

    def fill_choices(self, questionnaires: Iterable[tuple[str, str]],
                     levels: Iterable[tuple[str, str]]) -> None:
        """Offer the published questionnaires and their levels (already translated)."""
        self.questionnaire.choices = [("", _("Any")), *questionnaires]
        self.region.choices = _coded(REGIONS)
        self.sector.choices = _coded(SECTORS)
        self.stage.choices = _coded(STAGES)
        self.level.choices = [("", _("Any")), *levels]

    def validate_approved_to(self, field: DateField) -> None:
        """Refuse a date range that ends before it starts."""
        start = self.approved_from.data
        if start is not None and field.data is not None and field.data < start:
            raise ValidationError(_("The end date must not be before the start date."))


class PeerGroupForm(FlaskForm):
    """Which of the subject's own attributes its peers must share (sent with GET)."""

    class Meta:
        csrf = False

    match = MultiCheckboxField(_l("Compare only with peers that share"), default=[],
                               validators=[Optional()])


class PrepareExportForm(FlaskForm):
    """Ask for an export of the round the dashboard's filters pick (posted, with CSRF)."""

    kind = SelectField(_l("What to export"), choices=[
        SelectChoice("evaluations", _l("Assessments and answers")),
        SelectChoice("certificates", _l("Every valid certificate (PDF) in one ZIP file"))])
    file_format = SelectField(_l("Format"), choices=[
        SelectChoice("csv", "CSV"), SelectChoice("xlsx", "Excel (XLSX)"),
        SelectChoice("zip", "ZIP")])
    language = SelectField(_l("Language"))


class PortfolioForm(_ResultFilters):
    """Filters of the programme portfolio."""

    improved_by = StringField(
        _l("Improved by more than (points)"),
        validators=[Optional(), Regexp(r"^-?(100|\d{1,2})([.,]\d{1,2})?$",
                                       message=_l("Enter a number from -100 to 100."))],
        description=_l("Since the previous approved assessment; leave empty for any."))
    section = SelectField(_l("Improved in"), validators=[Optional()], default="",
                          description=_l("The overall score, or one section's score."))

    def improvement(self) -> float | None:
        """Return the improvement threshold in points, or None when none is given."""
        text = (self.improved_by.data or "").strip().replace(",", ".")
        return float(text) if text else None

    def fill_choices(self, questionnaires: Iterable[tuple[str, str]],
                     levels: Iterable[tuple[str, str]],
                     sections: Iterable[tuple[str, str]] = ()) -> None:
        """Offer the published questionnaires, their levels and sections (translated)."""
        self.questionnaire.choices = [("", _("Any")), *questionnaires]
        self.sector.choices = _coded(SECTORS)
        self.stage.choices = _coded(ASSESSMENT_STAGES)
        self.level.choices = [("", _("Any")), *levels]
        self.section.choices = [("", _("Overall score")), *sections]

    def validate_section(self, field: SelectField) -> None:
        """Refuse a section without the improvement to compare it by."""
        if field.data and not (self.improved_by.data or "").strip():
            raise ValidationError(_("Give the improvement in points to compare a section."))
