"""Questions answered with a whole number on a short scale."""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from typing import Any

from ppp_assess.domain.messages import N_

from ..schema import NA, DocumentPath, Question, QuestionType, Scale
from .base import (
    AnswerDescription,
    AnswerError,
    AnswerValue,
    BuildContext,
    ConditionValue,
    ConditionValueError,
    ExportCode,
    FreeText,
    NotApplicable,
    QuestionStrategy,
    ScalePoint,
    Scorer,
    is_number,
    never,
)


def _scale(question: Question) -> Scale:
    assert question.scale is not None  # every scale question has one
    return question.scale


class ScaleStrategy(QuestionStrategy):
    """Whole numbers from ``min`` to ``max``, scored linearly; "na" when the question allows."""

    question_type = QuestionType.scale
    testable = True
    comparable = True

    def build(
        self, raw: Mapping[str, Any], path: DocumentPath, context: BuildContext
    ) -> dict[str, Any]:
        """Take the range, which must not be empty, and whether "na" is an answer."""
        scale = raw["scale"]
        if scale["min"] >= scale["max"]:
            context.problem(
                (*path, "scale"),
                f"scale min ({scale['min']}) must be less than max ({scale['max']})",
            )
        return {
            "scale": Scale(
                min=int(scale["min"]),
                max=int(scale["max"]),
                min_label=scale.get("min_label"),
                max_label=scale.get("max_label"),
            ),
            "na": raw.get("na", False),
        }

    def dump(self, question: Question) -> dict[str, Any]:
        """Write the range and ``na``."""
        return {"scale": _scale(question).to_dict(), "na": question.na}

    def critical_problem(self, question: Question) -> str | None:
        """Never object: the lowest point scores 0."""
        return None

    def condition_value(self, question: Question, value: ConditionValue) -> ConditionValue:
        """Accept a point of the scale, or "na" when the question allows it."""
        if value == NA:
            if not question.na:
                raise ConditionValueError(
                    f"question '{question.id}' has no 'na' answer (it does not set na: true)"
                )
            return NA
        if isinstance(value, str):
            raise ConditionValueError(
                f"{value!r} is not a possible answer of scale question '{question.id}';"
                " use numbers (or na)"
            )
        scale = _scale(question)
        if value != int(value) or not scale.min <= value <= scale.max:
            raise ConditionValueError(
                f"{value} is not a possible answer of scale question '{question.id}'"
                f" (whole numbers from {scale.min} to {scale.max})"
            )
        return int(value)

    def validate(self, question: Question, value: object) -> AnswerValue:
        """Accept a whole number within the scale (a whole float too), or "na"."""
        scale = _scale(question)
        if value == NA:
            if not question.na:
                raise AnswerError(
                    "na_not_allowed", N_("This question has no “not applicable” answer.")
                )
            return NA
        if not is_number(value):
            raise AnswerError("wrong_type", N_("Choose a whole number."))
        assert isinstance(value, int | float)
        if isinstance(value, float):
            if not value.is_integer():
                raise AnswerError("wrong_type", N_("Choose a whole number."))
            value = int(value)
        if not scale.min <= value <= scale.max:
            raise AnswerError(
                "out_of_range",
                N_("Choose a whole number from %(min)s to %(max)s."),
                {"min": scale.min, "max": scale.max},
            )
        return value

    def scored(self, question: Question) -> bool:
        """Always score."""
        return True

    def scorer(self, question: Question) -> Scorer:
        """Map ``min..max`` linearly onto 0..1."""
        scale = _scale(question)
        low, span = scale.min, scale.max - scale.min

        def score(value: AnswerValue) -> float:
            assert isinstance(value, int)
            return (value - low) / span

        return score

    def not_applicable_test(self, question: Question) -> Callable[[object], bool]:
        """Match "na" when the question allows it."""
        return (lambda value: value == NA) if question.na else never

    def describe(self, question: Question, value: object) -> AnswerDescription:
        """Show the point, with the label of the end it sits on."""
        if value == NA:
            return NotApplicable()
        if not is_number(value):
            return FreeText(str(value))
        assert isinstance(value, int | float)
        scale = _scale(question)
        end = (
            scale.min_label if value == scale.min
            else scale.max_label if value == scale.max
            else None
        )
        return ScalePoint(value, scale.min, scale.max, end)

    def export_code(self, question: Question, value: object) -> ExportCode:
        """Keep the point a number ("na" as it is)."""
        if is_number(value):
            assert isinstance(value, int | float)
            return value
        return str(value)

    def example_answer(self, question: Question, maturity: float, rng: random.Random) -> Any:
        """Take the point at ``maturity`` of the range, give or take one."""
        scale = _scale(question)
        value = round(scale.min + maturity * (scale.max - scale.min) + rng.uniform(-1, 1))
        return max(scale.min, min(scale.max, value))
