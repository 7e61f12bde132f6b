"""Evaluating ``show_if`` conditions: which questions a set of answers makes visible.

Conditions are data (see :mod:`ppp_assess.domain.schema`), never code. A condition on
a question that is unanswered or hidden is false, whatever its operator, so
``not_in`` and ``ne`` are false too until the question has a visible answer. A
condition may only refer to an earlier question, so one pass in document order
settles every question's visibility. A section's ``show_if`` may refer only to questions
of earlier sections; when it is false, every question in the section is hidden.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Container, Iterator, Mapping

from .answers import clean_answers
from .schema import (
    AllCondition,
    AnyCondition,
    CompareCondition,
    Condition,
    InCondition,
    NotInCondition,
    Operator,
    Questionnaire,
)

_COMPARE: dict[Operator, Callable[[float, float], bool]] = {
    Operator.gt: operator.gt,
    Operator.gte: operator.ge,
    Operator.lt: operator.lt,
    Operator.lte: operator.le,
    Operator.eq: operator.eq,
    Operator.ne: operator.ne,
}

_MISSING = object()


def evaluate(condition: Condition, answers: Mapping[str, object], visible: Container[str]) -> bool:
    """Return whether ``condition`` holds.

    :param condition: the condition to evaluate.
    :param answers: question id -> answer value (as validated by
        :func:`~ppp_assess.domain.answers.validate_answer`).
    :param visible: ids of the questions that are visible; an answer to any other
        question is treated as absent.
    :return: the truth of the condition.
    """
    if isinstance(condition, AllCondition):
        return all(evaluate(part, answers, visible) for part in condition.conditions)
    if isinstance(condition, AnyCondition):
        return any(evaluate(part, answers, visible) for part in condition.conditions)
    if condition.question not in visible:
        return False
    value = answers.get(condition.question, _MISSING)
    if value is _MISSING or value is None:  # None: no answer, as for the browser
        return False
    if isinstance(condition, InCondition):
        return _matches(value, condition.values)
    if isinstance(condition, NotInCondition):
        return not _matches(value, condition.values)
    if isinstance(condition, CompareCondition):
        # A "not applicable" answer (or anything else that is no number) compares as false.
        if not isinstance(value, int | float) or isinstance(value, bool):
            return False
        return _COMPARE[condition.operator](value, condition.value)
    raise TypeError(f"not a condition: {condition!r}")


def _matches(value: object, values: tuple[str | int | float, ...]) -> bool:
    if isinstance(value, list | tuple):
        return any(_is_in(item, values) for item in value)
    return _is_in(value, values)


def _is_in(value: object, values: tuple[str | int | float, ...]) -> bool:
    # Keep True from matching 1: answers are never booleans, but a damaged one may be.
    return not isinstance(value, bool) and value in values


def compile_condition(
    condition: Condition,
) -> Callable[[Mapping[str, object], Container[str]], bool]:
    """Return a function that evaluates ``condition`` as :func:`evaluate` does.

    Scoring evaluates the same conditions on every autosave; a compiled condition skips
    the dispatch on the condition's kind.

    :param condition: the condition to compile.
    :return: ``function(answers, visible) -> bool``.
    """
    if isinstance(condition, AllCondition):
        every = tuple(compile_condition(part) for part in condition.conditions)

        def all_of(answers: Mapping[str, object], visible: Container[str]) -> bool:
            # A loop, not all() over a generator: this runs on every autosave.
            for part in every:  # noqa: SIM110
                if not part(answers, visible):
                    return False
            return True

        return all_of
    if isinstance(condition, AnyCondition):
        some = tuple(compile_condition(part) for part in condition.conditions)

        def any_of(answers: Mapping[str, object], visible: Container[str]) -> bool:
            for part in some:  # noqa: SIM110
                if part(answers, visible):
                    return True
            return False

        return any_of
    question = condition.question
    if isinstance(condition, InCondition | NotInCondition):
        values = condition.values
        # A text answer can only equal a text value: one set lookup settles it.
        texts = frozenset(value for value in values if isinstance(value, str))
        negate = isinstance(condition, NotInCondition)

        def matches(answers: Mapping[str, object], visible: Container[str]) -> bool:
            value = answers.get(question)
            if value is None or question not in visible:
                return False
            if value.__class__ is str:
                return (value in texts) is not negate
            return _matches(value, values) is not negate

        return matches
    if isinstance(condition, CompareCondition):
        compare = _COMPARE[condition.operator]
        target = condition.value

        def compares(answers: Mapping[str, object], visible: Container[str]) -> bool:
            if question not in visible:
                return False
            value = answers.get(question)
            if not isinstance(value, int | float) or isinstance(value, bool):
                return False
            return compare(value, target)

        return compares
    raise TypeError(f"not a condition: {condition!r}")


def referenced_questions(condition: Condition) -> Iterator[str]:
    """Yield the ids of the questions a condition depends on, in the order written.

    :param condition: the condition to inspect.
    :return: an iterator of question ids (repeats included).
    """
    if isinstance(condition, AllCondition | AnyCondition):
        for part in condition.conditions:
            yield from referenced_questions(part)
    else:
        yield condition.question


def visible_questions(
    questionnaire: Questionnaire, answers: Mapping[str, object]
) -> frozenset[str]:
    """Return the ids of the questions that ``answers`` make visible.

    Answers that the questionnaire does not accept count as unanswered, and so does an
    answer to a hidden question.

    :param questionnaire: the questionnaire.
    :param answers: question id -> answer value.
    :return: the visible question ids.
    """
    return visible_from_clean(questionnaire, clean_answers(questionnaire, answers))


def visible_from_clean(
    questionnaire: Questionnaire, answers: Mapping[str, object]
) -> frozenset[str]:
    """Return the visible question ids for answers already passed through ``clean_answers``.

    :param questionnaire: the questionnaire.
    :param answers: accepted, normalised answers.
    :return: the visible question ids.
    """
    return visibility_from_clean(questionnaire, answers)[1]


def visible_sections(
    questionnaire: Questionnaire, answers: Mapping[str, object]
) -> frozenset[str]:
    """Return the ids of the sections that ``answers`` make applicable.

    A section without ``show_if`` always applies; one with it applies when its
    condition holds. Every question of a section that does not apply is hidden.

    :param questionnaire: the questionnaire.
    :param answers: question id -> answer value.
    :return: the applicable section ids.
    """
    return visibility_from_clean(questionnaire, clean_answers(questionnaire, answers))[0]


def visibility_from_clean(
    questionnaire: Questionnaire, answers: Mapping[str, object]
) -> tuple[frozenset[str], frozenset[str]]:
    """Return the applicable section ids and the visible question ids, in one pass.

    :param questionnaire: the questionnaire.
    :param answers: accepted, normalised answers.
    :return: ``(sections, questions)``.
    """
    sections: set[str] = set()
    visible: set[str] = set()
    for section in questionnaire.sections:
        if section.show_if is not None and not evaluate(section.show_if, answers, visible):
            continue
        sections.add(section.id)
        for question in section.questions:
            if question.show_if is None or evaluate(question.show_if, answers, visible):
                visible.add(question.id)
    return frozenset(sections), frozenset(visible)
