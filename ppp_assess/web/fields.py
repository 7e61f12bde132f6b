"""Question-type adapters: how each kind of question becomes form fields and back.

``QUESTION_FIELDS`` maps every question type of the domain's registry
(:data:`~ppp_assess.domain.question_types.QUESTION_STRATEGIES`) to one adapter, the web
half of the type's strategy. An adapter knows its WTForms field class and validators,
builds the unbound fields of one question (label, description, choices), turns a stored
answer into form data, reads the submitted form back into an answer value, and tells the
page's script how to read the answer in the browser. Adding a question type means adding
an adapter here; :func:`check_registry` refuses to start the application when a type has
none.

Labels are lazy translations of the questionnaire's msgids, so one form class serves
every locale.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any, ClassVar

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    Field,
    Form,
    RadioField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.fields.core import UnboundField
from wtforms.validators import Optional, StopValidation, ValidationError
from wtforms.widgets import CheckboxInput, DateInput, ListWidget, NumberInput

from ppp_assess.domain.answers import AnswerError, validate_answer
from ppp_assess.domain.question_types import QUESTION_STRATEGIES
from ppp_assess.domain.schema import NA, Question, QuestionType


class RegistryError(RuntimeError):
    """A question type has no adapter."""


class MultiCheckboxField(SelectMultipleField):
    """Several checkboxes, one per option (rendered as a fieldset by the form macros)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def answer_name(question_id: str) -> str:
    """Return the name of the field holding the answer to a question."""
    return f"q_{question_id}"


def not_applicable_name(question_id: str) -> str:
    """Return the name of the "not applicable" checkbox of a scale or number question."""
    return f"q_{question_id}__na"


def translate_answer_error(error: AnswerError) -> str:
    """Return a domain answer error in the request's language."""
    return _(error.message, **error.params)


class AnswerAccepted:
    """Validate a submitted answer with the domain's rules for its question."""

    def __init__(self, adapter: QuestionAdapter, question: Question) -> None:
        self.adapter = adapter
        self.question = question

    def __call__(self, form: Form, field: Field) -> None:
        value = self.adapter.read(form, self.question)
        if value is None:
            raise StopValidation()
        try:
            validate_answer(self.question, value)
        except AnswerError as error:
            raise ValidationError(translate_answer_error(error)) from None


class QuestionAdapter(ABC):
    """Turns one type of question into form fields, and submitted data into an answer."""

    #: The question type this adapter serves.
    question_type: ClassVar[QuestionType]
    #: The WTForms class of the answer field.
    field_class: ClassVar[type[Field]]
    #: How the page's script reads the answer (``data-reader`` of the question): ``radio``
    #: (the checked value), ``radio-number`` (the same as a whole number, or "na"),
    #: ``checkboxes`` (the checked values), ``number`` (a number input with an optional
    #: "not applicable" box), ``text`` (as typed) or ``line`` (trimmed).
    client_reader: ClassVar[str]
    #: Extra class of the box that holds a radio or checkbox group.
    choices_class: ClassVar[str] = ""

    def validators(self, question: Question) -> list[Any]:
        """Return the validators of the answer field.

        Required questions are not enforced here: a page is saved however far it is
        answered, and submission lists what is missing.
        """
        return [AnswerAccepted(self, question)]

    def label(self, question: Question) -> Any:
        """Return the (lazy) label of the answer field: the question's text."""
        return _l(question.text)

    def description(self, question: Question) -> Any:
        """Return the (lazy) hint shown with the field: the question's guidance."""
        return _l(question.guidance) if question.guidance else ""

    @abstractmethod
    def fields(self, question: Question) -> dict[str, UnboundField]:
        """Return the unbound fields of one question, by field name."""

    @abstractmethod
    def form_data(self, question: Question, value: Any) -> dict[str, Any]:
        """Return the form data that shows a stored answer ``value``."""

    @abstractmethod
    def read(self, form: Form, question: Question) -> Any:
        """Return the submitted answer, ``None`` when the question was left empty.

        The value is returned as given where it cannot be read, so that the domain's
        validation explains what is wrong with it.
        """


def _option_choices(question: Question) -> list[SelectChoice]:
    return [SelectChoice(option.value, _l(option.label)) for option in question.options]


class ChoiceAdapter(QuestionAdapter):
    """One option, as radio buttons; a "not applicable" option is one of them."""

    question_type = QuestionType.choice
    field_class = RadioField
    client_reader = "radio"

    def fields(self, question: Question) -> dict[str, UnboundField]:
        """Return a radio group of the options."""
        return {answer_name(question.id): RadioField(
            self.label(question), validators=self.validators(question),
            description=self.description(question), choices=_option_choices(question),
            validate_choice=False)}

    def form_data(self, question: Question, value: Any) -> dict[str, Any]:
        """Select the stored option."""
        return {answer_name(question.id): value}

    def read(self, form: Form, question: Question) -> Any:
        """Return the chosen option value."""
        data = form[answer_name(question.id)].data
        return data or None


class MultiChoiceAdapter(QuestionAdapter):
    """Any number of options, as checkboxes."""

    question_type = QuestionType.multi_choice
    field_class = MultiCheckboxField
    client_reader = "checkboxes"

    def fields(self, question: Question) -> dict[str, UnboundField]:
        """Return a checkbox group of the options."""
        return {answer_name(question.id): MultiCheckboxField(
            self.label(question), validators=self.validators(question),
            description=self.description(question), choices=_option_choices(question),
            validate_choice=False)}

    def form_data(self, question: Question, value: Any) -> dict[str, Any]:
        """Tick the stored options."""
        return {answer_name(question.id): list(value or [])}

    def read(self, form: Form, question: Question) -> Any:
        """Return the ticked option values, ``None`` when none is ticked."""
        data = form[answer_name(question.id)].data
        return list(data) if data else None


class ScaleAdapter(QuestionAdapter):
    """A whole number on a short scale, as radio buttons labelled at both ends."""

    question_type = QuestionType.scale
    field_class = RadioField
    client_reader = "radio-number"
    choices_class = "choices-scale"

    def _choices(self, question: Question) -> list[SelectChoice]:
        assert question.scale is not None
        low, high = question.scale.min, question.scale.max
        choices = []
        for number in range(low, high + 1):
            end_label = (question.scale.min_label if number == low
                         else question.scale.max_label if number == high else None)
            label: Any = (_l("%(number)s – %(label)s", number=number, label=_l(end_label))
                          if end_label else str(number))
            choices.append(SelectChoice(str(number), label))
        if question.na:
            choices.append(SelectChoice(NA, _l("Not applicable")))
        return choices

    def fields(self, question: Question) -> dict[str, UnboundField]:
        """Return a radio group of the scale points (and "not applicable")."""
        return {answer_name(question.id): RadioField(
            self.label(question), validators=self.validators(question),
            description=self.description(question), choices=self._choices(question),
            validate_choice=False)}

    def form_data(self, question: Question, value: Any) -> dict[str, Any]:
        """Select the stored point."""
        return {answer_name(question.id): None if value is None else str(value)}

    def read(self, form: Form, question: Question) -> Any:
        """Return the chosen point as an integer, or "na"."""
        data = form[answer_name(question.id)].data
        if not data:
            return None
        if data == NA:
            return NA
        try:
            return int(data)
        except ValueError:
            return data


class NumberAdapter(QuestionAdapter):
    """A number, with a "not applicable" checkbox when the question allows it."""

    question_type = QuestionType.number
    field_class = StringField
    client_reader = "number"

    def fields(self, question: Question) -> dict[str, UnboundField]:
        """Return a number input (and the "not applicable" checkbox)."""
        widget = NumberInput(step="any", min=question.minimum, max=question.maximum)
        label = self.label(question)
        fields: dict[str, UnboundField] = {answer_name(question.id): StringField(
            label, validators=self.validators(question), description=self.description(question),
            widget=widget, render_kw={"inputmode": "decimal"})}
        if question.na:
            fields[not_applicable_name(question.id)] = BooleanField(
                _l("Not applicable"), validators=[Optional()])
        return fields

    def form_data(self, question: Question, value: Any) -> dict[str, Any]:
        """Fill in the stored number, or tick "not applicable"."""
        if value == NA:
            return {answer_name(question.id): "", not_applicable_name(question.id): True}
        text = "" if value is None else _plain_number(value)
        data: dict[str, Any] = {answer_name(question.id): text}
        if question.na:
            data[not_applicable_name(question.id)] = False
        return data

    def read(self, form: Form, question: Question) -> Any:
        """Return the number entered, "na" when ticked, the text itself when unreadable."""
        if question.na and form[not_applicable_name(question.id)].data:
            return NA
        text = (form[answer_name(question.id)].data or "").strip()
        if not text:
            return None
        try:
            number = float(text)
        except ValueError:
            return text
        return int(number) if number.is_integer() and "." not in text else number


def _plain_number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class TextAdapter(QuestionAdapter):
    """Free text."""

    question_type = QuestionType.text
    field_class = TextAreaField
    client_reader = "text"

    def fields(self, question: Question) -> dict[str, UnboundField]:
        """Return a text area limited to the question's length."""
        return {answer_name(question.id): TextAreaField(
            self.label(question), validators=self.validators(question),
            description=self.description(question),
            render_kw={"rows": 4, "maxlength": question.max_length})}

    def form_data(self, question: Question, value: Any) -> dict[str, Any]:
        """Fill in the stored text."""
        return {answer_name(question.id): value or ""}

    def read(self, form: Form, question: Question) -> Any:
        """Return the text, ``None`` when only blanks were entered."""
        text = form[answer_name(question.id)].data or ""
        return text if text.strip() else None


class DateAdapter(QuestionAdapter):
    """A calendar date, stored as YYYY-MM-DD."""

    question_type = QuestionType.date
    field_class = StringField
    client_reader = "line"

    def fields(self, question: Question) -> dict[str, UnboundField]:
        """Return a date input."""
        return {answer_name(question.id): StringField(
            self.label(question), validators=self.validators(question),
            description=self.description(question), widget=DateInput())}

    def form_data(self, question: Question, value: Any) -> dict[str, Any]:
        """Fill in the stored date."""
        return {answer_name(question.id): value or ""}

    def read(self, form: Form, question: Question) -> Any:
        """Return the date as entered."""
        text = (form[answer_name(question.id)].data or "").strip()
        return text or None


#: The adapter of every question type.
QUESTION_FIELDS: Mapping[QuestionType, QuestionAdapter] = {
    adapter.question_type: adapter
    for adapter in (ChoiceAdapter(), MultiChoiceAdapter(), ScaleAdapter(), NumberAdapter(),
                    TextAdapter(), DateAdapter())
}


def adapter_for(question: Question) -> QuestionAdapter:
    """Return the adapter of a question's type."""
    return QUESTION_FIELDS[question.type]


def check_registry(registry: Mapping[QuestionType, QuestionAdapter] | None = None) -> None:
    """Refuse to start when a question type of the domain has no adapter (or the wrong one).

    :raises RegistryError: naming the types without a matching adapter.
    """
    registry = QUESTION_FIELDS if registry is None else registry
    missing = [kind.value for kind in QUESTION_STRATEGIES
               if kind not in registry or registry[kind].question_type is not kind]
    if missing:
        raise RegistryError(f"No form adapter for question types: {', '.join(missing)}.")
