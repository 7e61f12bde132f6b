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

from collections.abc import Mapping

from .question_types import AnswerError, AnswerValue, strategy_for
from .schema import Question, Questionnaire

__all__ = ["AnswerError", "AnswerValue", "clean_answers", "validate_answer"]


def validate_answer(question: Question, value: object) -> AnswerValue:
    """Check ``value`` as an answer to ``question`` and return it normalised.

    Normalising means: a multi-choice list loses duplicates and follows the options'
    order; a scale answer given as a whole float becomes an int; a ``datetime.date``
    becomes its ISO string. The rules are those of the question's type
    (:mod:`ppp_assess.domain.question_types`).

    :param question: the question being answered.
    :param value: the answer as received (decoded JSON).
    :return: the value to store.
    :raises AnswerError: with code ``wrong_type``, ``not_an_option``, ``na_must_be_alone``,
        ``required``, ``na_not_allowed``, ``out_of_range``, ``too_long`` or ``not_a_date``.
    """
    return strategy_for(question.type).validate(question, value)


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
