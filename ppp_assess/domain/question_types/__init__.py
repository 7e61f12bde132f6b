"""Question types as strategies: one class per :class:`~ppp_assess.domain.schema.QuestionType`.

Everything that depends on a question's type is asked of its strategy, found with
:func:`strategy_for`: the loader builds and checks the type's keys through it,
:mod:`~ppp_assess.domain.answers` validates answers, :mod:`~ppp_assess.domain.scoring`
scores them, and the adapters describe and export answers from what it returns. The
web layer keeps one form adapter per type, keyed by the same types
(:mod:`ppp_assess.web.fields`).

A new question type is a new module here with its strategy, listed in
:data:`QUESTION_STRATEGIES`; ``docs/architecture.md`` lists the rest.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ..schema import QuestionType
from .base import (
    AnswerDescription,
    AnswerError,
    AnswerValue,
    BuildContext,
    CalendarDate,
    ChosenOption,
    ChosenOptions,
    ConditionValue,
    ConditionValueError,
    ExportCode,
    FreeText,
    NotApplicable,
    Quantity,
    QuestionStrategy,
    ScalePoint,
    Scorer,
)
from .choice import ChoiceStrategy, MultiChoiceStrategy
from .date import DateStrategy
from .number import NumberStrategy
from .scale import ScaleStrategy
from .text import TextStrategy


class MissingStrategyError(RuntimeError):
    """A question type without a strategy, or with another type's."""


def check_strategies(strategies: Mapping[QuestionType, QuestionStrategy]) -> None:
    """Check that every question type has its own strategy.

    :raises MissingStrategyError: naming the types without a matching strategy.
    """
    missing = [
        kind.value
        for kind in QuestionType
        if kind not in strategies or strategies[kind].question_type is not kind
    ]
    if missing:
        raise MissingStrategyError(f"No strategy for question types: {', '.join(missing)}.")


def _registry(strategies: Iterable[QuestionStrategy]) -> Mapping[QuestionType, QuestionStrategy]:
    registry = {strategy.question_type: strategy for strategy in strategies}
    check_strategies(registry)
    return registry


#: The strategy of every question type; checked on import, so a gap fails at start-up.
QUESTION_STRATEGIES: Mapping[QuestionType, QuestionStrategy] = _registry(
    (
        ChoiceStrategy(),
        MultiChoiceStrategy(),
        ScaleStrategy(),
        NumberStrategy(),
        TextStrategy(),
        DateStrategy(),
    )
)


def strategy_for(kind: QuestionType) -> QuestionStrategy:
    """Return the strategy of a question type."""
    return QUESTION_STRATEGIES[kind]


__all__ = [
    "QUESTION_STRATEGIES",
    "AnswerDescription",
    "AnswerError",
    "AnswerValue",
    "BuildContext",
    "CalendarDate",
    "ChoiceStrategy",
    "ChosenOption",
    "ChosenOptions",
    "ConditionValue",
    "ConditionValueError",
    "DateStrategy",
    "ExportCode",
    "FreeText",
    "MissingStrategyError",
    "MultiChoiceStrategy",
    "NotApplicable",
    "NumberStrategy",
    "Quantity",
    "QuestionStrategy",
    "ScalePoint",
    "ScaleStrategy",
    "Scorer",
    "TextStrategy",
    "check_strategies",
    "strategy_for",
]
