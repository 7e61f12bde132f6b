"""Questions answered with a number, scored through bands when the file gives them."""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping
from typing import Any

from ppp_assess.domain.messages import N_

from ..schema import NA, Band, DocumentPath, Question, QuestionType
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
    Quantity,
    QuestionStrategy,
    Scorer,
    is_number,
    never,
    plain_number,
)


def _plain(number: float | None) -> int | float | None:
    """Show 10.0 as 10 in messages."""
    if number is not None and float(number).is_integer():
        return int(number)
    return number


class NumberStrategy(QuestionStrategy):
    """A number within optional bounds; "na" when the question allows it."""

    question_type = QuestionType.number
    testable = True
    comparable = True

    def build(
        self, raw: Mapping[str, Any], path: DocumentPath, context: BuildContext
    ) -> dict[str, Any]:
        """Take the bounds, unit and bands, checking their order."""
        minimum, maximum = raw.get("min"), raw.get("max")
        if minimum is not None and maximum is not None and minimum >= maximum:
            context.problem((*path, "max"), f"min ({minimum}) must be less than max ({maximum})")
        bands: list[Band] = []
        for index, band in enumerate(raw.get("bands", ())):
            if bands and band["min"] >= bands[-1].min:
                context.problem(
                    (*path, "bands", index, "min"),
                    "bands must be listed highest first with strictly decreasing 'min':"
                    f" {band['min']} is not below {plain_number(bands[-1].min)}",
                )
            bands.append(Band(min=float(band["min"]), score=float(band["score"])))
        return {
            "minimum": None if minimum is None else float(minimum),
            "maximum": None if maximum is None else float(maximum),
            "unit": raw.get("unit"),
            "bands": tuple(bands),
            "na": raw.get("na", False),
        }

    def dump(self, question: Question) -> dict[str, Any]:
        """Write the bounds, unit, bands and ``na``."""
        data: dict[str, Any] = {}
        if question.minimum is not None:
            data["min"] = question.minimum
        if question.maximum is not None:
            data["max"] = question.maximum
        if question.unit is not None:
            data["unit"] = question.unit
        if question.bands:
            data["bands"] = [band.to_dict() for band in question.bands]
        data["na"] = question.na
        return data

    def critical_problem(self, question: Question) -> str | None:
        """Ask for a band scoring 0, or room for a value below the lowest band."""
        problem = super().critical_problem(question)
        if problem is not None:
            return problem
        lowest = question.bands[-1]
        below_possible = question.minimum is None or question.minimum < lowest.min
        if not below_possible and not any(band.score == 0 for band in question.bands):
            return (
                "a critical question must be able to score 0, but no band scores 0 and no"
                " allowed value lies below the lowest band"
            )
        return None

    def condition_value(self, question: Question, value: ConditionValue) -> ConditionValue:
        """Accept any number, or "na" when the question allows it."""
        if value == NA:
            if not question.na:
                raise ConditionValueError(
                    f"question '{question.id}' has no 'na' answer (it does not set na: true)"
                )
            return NA
        if isinstance(value, str):
            raise ConditionValueError(
                f"{value!r} is not a possible answer of number question '{question.id}';"
                " use numbers (or na)"
            )
        return float(value)

    def validate(self, question: Question, value: object) -> AnswerValue:
        """Accept a finite number within the bounds, or "na"."""
        if value == NA:
            if not question.na:
                raise AnswerError(
                    "na_not_allowed", N_("This question has no “not applicable” answer.")
                )
            return NA
        if not is_number(value):
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
            raise AnswerError(
                "out_of_range", message, {"min": _plain(minimum), "max": _plain(maximum)}
            )
        return value

    def scored(self, question: Question) -> bool:
        """Score when the question has bands."""
        return bool(question.bands)

    def scorer(self, question: Question) -> Scorer:
        """Score the first band whose ``min`` the value reaches; 0 below every band."""
        bands = question.bands

        def score(value: AnswerValue) -> float:
            assert isinstance(value, int | float)
            for band in bands:
                if value >= band.min:
                    return band.score
            return 0.0

        return score

    def not_applicable_test(self, question: Question) -> Callable[[object], bool]:
        """Match "na" when the question allows it."""
        return (lambda value: value == NA) if question.na else never

    def describe(self, question: Question, value: object) -> AnswerDescription:
        """Show the number with its unit."""
        if value == NA:
            return NotApplicable()
        if not is_number(value):
            return FreeText(str(value))
        assert isinstance(value, int | float)
        return Quantity(value, question.unit)

    def export_code(self, question: Question, value: object) -> ExportCode:
        """Keep the number a number ("na" as it is)."""
        if is_number(value):
            assert isinstance(value, int | float)
            return value
        return str(value)

    def example_answer(self, question: Question, maturity: float, rng: random.Random) -> Any:
        """Take a value near ``maturity`` of the range (0 to 100 without bounds)."""
        low = question.minimum if question.minimum is not None else 0
        high = question.maximum if question.maximum is not None else 100
        value = low + maturity * (high - low) * rng.uniform(0.7, 1.1)
        # Near the top of the range the spread can overshoot: an example must stay valid.
        return round(min(max(value, low), high), 1)
