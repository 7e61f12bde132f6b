"""Checking one answer against its question.

Stored answers are JSON values: a choice is an option value, a multi-choice a list of
option values, a scale an integer (or ``"na"``), a number a number (or ``"na"``), a text
a string and a date a ``"YYYY-MM-DD"`` string. An absent answer is simply not stored:
clearing an answer means deleting it, not storing an empty value.

:func:`validate_answer` is what the API's 422 responses come from: every rejection has a
stable ``code`` and an English ``message`` (a msgid with named placeholders filled from
``params`` after translation).
"""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Callable, Mapping
from typing import TypeAlias

from ppp_assess.domain.messages import N_

from .schema import NA, Question, Questionnaire, QuestionType

#: A stored answer value.
AnswerValue: TypeAlias = str | int | float | list[str]


class AnswerError(ValueError):
    """An answer that its question does not accept.

    ``code`` is stable and meant for programs; ``message`` is an English msgid whose
    ``%(name)s`` placeholders take their values from ``params``.
    """

    def __init__(self, code: str, message: str, params: Mapping[str, object] | None = None) -> None:
        self.code = code
        self.message = message
        self.params: dict[str, object] = dict(params or {})
        super().__init__(message % self.params if self.params else message)


_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def validate_answer(question: Question, value: object) -> AnswerValue:
    """Check ``value`` as an answer to ``question`` and return it normalised.

    Normalising means: a multi-choice list loses duplicates and follows the options'
    order; a scale answer given as a whole float becomes an int; a ``datetime.date``
    becomes its ISO string.

    :param question: the question being answered.
    :param value: the answer as received (decoded JSON).
    :return: the value to store.
    :raises AnswerError: with code ``wrong_type``, ``not_an_option``, ``na_must_be_alone``,
        ``required``, ``na_not_allowed``, ``out_of_range``, ``too_long`` or ``not_a_date``.
    """
    validator = _VALIDATORS[question.type]
    return validator(question, value)


def clean_answers(
    questionnaire: Questionnaire, answers: Mapping[str, object]
) -> dict[str, AnswerValue]:
    """Keep the answers that ``questionnaire`` accepts, normalised.

    Answers to unknown questions and values that :func:`validate_answer` rejects are
    dropped, so they count as unanswered; a stale or damaged answer can then never
    break a live score.

    :param questionnaire: the questionnaire the answers belong to.
    :param answers: question id -> answer value.
    :return: a new mapping with only the accepted answers, in the order given.
    """
    cleaned: dict[str, AnswerValue] = {}
    for question_id, value in answers.items():
        if not questionnaire.has_question(question_id):
            continue
        try:
            cleaned[question_id] = validate_answer(questionnaire.question(question_id), value)
        except AnswerError:
            continue
    return cleaned


def _is_number(value: object) -> bool:
    # bool is an int subclass, but True is no answer to "how many".
    return isinstance(value, int | float) and not isinstance(value, bool)


def _validate_choice(question: Question, value: object) -> AnswerValue:
    if not isinstance(value, str):
        raise AnswerError("wrong_type", N_("Choose one of the options."))
    if not question.has_option(value):
        raise AnswerError(
            "not_an_option", N_("“%(value)s” is not one of the options."), {"value": value}
        )
    return value


def _validate_multi_choice(question: Question, value: object) -> AnswerValue:
    if not isinstance(value, list | tuple):
        raise AnswerError("wrong_type", N_("Choose any number of the options, as a list."))
    selected: set[str] = set()
    for item in value:
        if not isinstance(item, str):
            raise AnswerError("wrong_type", N_("Choose any number of the options, as a list."))
        if not question.has_option(item):
            raise AnswerError(
                "not_an_option", N_("“%(value)s” is not one of the options."), {"value": item}
            )
        selected.add(item)
    if not selected and question.required:
        raise AnswerError("required", N_("Choose at least one option."))
    if question.scored and len(selected) > 1:
        for item in selected:
            if question.option(item).score is None:
                raise AnswerError(
                    "na_must_be_alone",
                    N_("“%(value)s” cannot be combined with other options."),
                    {"value": item},
                )
    return [option.value for option in question.options if option.value in selected]


def _validate_scale(question: Question, value: object) -> AnswerValue:
    assert question.scale is not None
    if value == NA:
        if not question.na:
            raise AnswerError("na_not_allowed", N_("This question has no “not applicable” answer."))
        return NA
    if not _is_number(value):
        raise AnswerError("wrong_type", N_("Choose a whole number."))
    assert isinstance(value, int | float)
    if isinstance(value, float):
        if not value.is_integer():
            raise AnswerError("wrong_type", N_("Choose a whole number."))
        value = int(value)
    if not question.scale.min <= value <= question.scale.max:
        raise AnswerError(
            "out_of_range",
            N_("Choose a whole number from %(min)s to %(max)s."),
            {"min": question.scale.min, "max": question.scale.max},
        )
    return value


def _validate_number(question: Question, value: object) -> AnswerValue:
    if value == NA:
        if not question.na:
            raise AnswerError("na_not_allowed", N_("This question has no “not applicable” answer."))
        return NA
    if not _is_number(value):
        raise AnswerError("wrong_type", N_("Enter a number."))
    assert isinstance(value, int | float)
    if not math.isfinite(value):
        raise AnswerError("wrong_type", N_("Enter a number."))
    minimum, maximum = question.minimum, question.maximum
    too_low = minimum is not None and value < minimum
    too_high = maximum is not None and value > maximum
    if too_low or too_high:
        if minimum is not None and maximum is not None:
            message = N_("Enter a number from %(min)s to %(max)s.")
        elif minimum is not None:
            message = N_("Enter a number of at least %(min)s.")
        else:
            message = N_("Enter a number of at most %(max)s.")
        raise AnswerError("out_of_range", message, {"min": _plain(minimum), "max": _plain(maximum)})
    return value


def _plain(number: float | None) -> int | float | None:
    """Show 10.0 as 10 in messages."""
    if number is not None and float(number).is_integer():
        return int(number)
    return number


def _validate_text(question: Question, value: object) -> AnswerValue:
    if not isinstance(value, str):
        raise AnswerError("wrong_type", N_("Enter text."))
    if len(value) > question.max_length:
        raise AnswerError(
            "too_long",
            N_("Use at most %(max_length)s characters."),
            {"max_length": question.max_length},
        )
    if question.required and not value.strip():
        raise AnswerError("required", N_("This question needs an answer."))
    return value


def _validate_date(question: Question, value: object) -> AnswerValue:
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value.isoformat()
    if not isinstance(value, str):
        raise AnswerError("wrong_type", N_("Enter a date as YYYY-MM-DD."))
    if not _DATE.fullmatch(value):
        raise AnswerError("not_a_date", N_("Enter a date as YYYY-MM-DD."))
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        raise AnswerError(
            "not_a_date", N_("“%(value)s” is not a real date."), {"value": value}
        ) from None
    return value


_VALIDATORS: dict[QuestionType, Callable[[Question, object], AnswerValue]] = {
    QuestionType.choice: _validate_choice,
    QuestionType.multi_choice: _validate_multi_choice,
    QuestionType.scale: _validate_scale,
    QuestionType.number: _validate_number,
    QuestionType.text: _validate_text,
    QuestionType.date: _validate_date,
}
