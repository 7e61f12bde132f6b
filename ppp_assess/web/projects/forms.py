"""Forms of the projects blueprint, and the messages for refused project facts."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ppp_assess.domain.reference import (
    ASSESSMENT_STAGES,
    CONTRACT_TYPES,
    REGIONS,
    SECTORS,
    STAGES,
    SUBSECTORS,
)
from ppp_assess.models import Organisation, Project
from ppp_assess.presentation import country_name, currency_name
from ppp_assess.services.projects import (
    MAX_CAPITAL_VALUE,
    MAX_DESCRIPTION_LENGTH,
    MAX_NAME_LENGTH,
    ProjectInput,
    country_codes,
    currency_codes,
)

#: What each refusal code of ``services.projects.clean_project`` means to the user.
FIELD_MESSAGES: dict[str, Any] = {
    "required": _l("This is required."),
    "wrong_type": _l("This value has the wrong type."),
    "unknown": _l("Choose a value from the list."),
    "negative": _l("Enter zero or more."),
    "too_large": _l("This number is too large."),
    "too_long": _l("This is too long."),
}


def field_message(code: str) -> str:
    """Return the translated message of a project field's refusal code."""
    message = FIELD_MESSAGES.get(code)
    return str(message) if message is not None else _("This value is not acceptable.")


def _coded(labels: dict[str, str]) -> list[SelectChoice]:
    return [SelectChoice(code, _(label)) for code, label in labels.items()]


def _placeholder(label: str) -> SelectChoice:
    return SelectChoice("", label)


class ProjectForm(FlaskForm):
    """The facts of a project; the owning organisation only when it is created."""

    organisation = SelectField(_l("Organisation that owns the project"), coerce=int,
                               validators=[DataRequired(message=_l("Choose the organisation."))])
    name = StringField(_l("Project name"), validators=[
        DataRequired(message=_l("Enter the project's name.")), Length(max=MAX_NAME_LENGTH)])
    sector = SelectField(_l("Sector"), validators=[DataRequired(message=_l("Choose a sector."))])
    subsector = SelectField(_l("Subsector"), validators=[Optional()],
                            description=_l("For mining infrastructure: what is being built."))
    country = SelectField(_l("Country of the project site"),
                          validators=[DataRequired(message=_l("Choose a country."))])
    region = SelectField(_l("Region"), validators=[DataRequired(message=_l("Choose a region."))],
                         description=_l("Used to compare with peers in the same region."))
    stage = SelectField(_l("Stage"), validators=[DataRequired(message=_l("Choose a stage."))])
    contract_type = SelectField(_l("Contract type"),
                                validators=[DataRequired(message=_l("Choose a contract type."))])
    capital_value = IntegerField(
        _l("Capital value"), validators=[
            Optional(), NumberRange(min=0, max=MAX_CAPITAL_VALUE,
                                    message=_l("Enter a whole amount of zero or more."))],
        description=_l("Whole units of the currency, without separators. Optional."),
        render_kw={"inputmode": "numeric", "min": 0})
    currency = SelectField(_l("Currency"), validators=[Optional()])
    description = TextAreaField(_l("Description"), validators=[
        Length(max=MAX_DESCRIPTION_LENGTH)], render_kw={"rows": 4})

    def __init__(self, *args: Any, organisations: list[Organisation] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if organisations is None:
            del self.organisation
        else:
            self.organisation.choices = [SelectChoice(str(org.id), org.name)
                                         for org in organisations]
        self.sector.choices = [_placeholder(_("Choose a sector")), *_coded(SECTORS)]
        self.subsector.choices = [_placeholder(_("None")), *_coded(SUBSECTORS)]
        countries = sorted(country_codes(), key=lambda code: country_name(code).casefold())
        self.country.choices = [_placeholder(_("Choose a country")),
                                *(SelectChoice(code, country_name(code)) for code in countries)]
        self.region.choices = [_placeholder(_("Choose a region")), *_coded(REGIONS)]
        self.stage.choices = [_placeholder(_("Choose a stage")), *_coded(STAGES)]
        self.contract_type.choices = [_placeholder(_("Choose a contract type")),
                                      *_coded(CONTRACT_TYPES)]
        currencies = sorted(currency_codes())
        self.currency.choices = [_placeholder(_("None")), *(
            SelectChoice(code, f"{code} – {currency_name(code)}") for code in currencies)]

    def validate(self, extra_validators: Any = None) -> bool:
        """Validate the fields, then require a currency with a capital value."""
        valid = bool(super().validate(extra_validators))
        if self.capital_value.data is not None and not self.currency.data:
            self.currency.errors = [*self.currency.errors,
                                    _("Choose the currency of the capital value.")]
            valid = False
        return valid

    def project_input(self) -> ProjectInput:
        """Return the facts entered."""
        return ProjectInput(
            name=self.name.data or "", sector=self.sector.data or "",
            subsector=self.subsector.data or None, country=self.country.data or "",
            region=self.region.data or "", stage=self.stage.data or "",
            contract_type=self.contract_type.data or "",
            capital_value=self.capital_value.data, currency=self.currency.data or None,
            description=self.description.data or "")

    @staticmethod
    def data_of(project: Project) -> dict[str, Any]:
        """Return the form data showing ``project``."""
        return {"name": project.name, "sector": project.sector,
                "subsector": project.subsector or "", "country": project.country,
                "region": project.region, "stage": project.stage,
                "contract_type": project.contract_type, "capital_value": project.capital_value,
                "currency": project.currency or "", "description": project.description}


def reassessment_stages() -> list[tuple[str, str]]:
    """Return the project stages an assessment may describe, translated, in order."""
    return [(code, _(label)) for code, label in ASSESSMENT_STAGES.items()]
