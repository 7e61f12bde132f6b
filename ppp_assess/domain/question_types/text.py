"""Questions answered in free text: recorded and shown, never scored."""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from ppp_assess.domain.messages import N_

from ..schema import DocumentPath, Question, QuestionType
from .base import AnswerError, AnswerValue, BuildContext, QuestionStrategy

#: What demonstration data answers to a text question.
EXAMPLE_TEXTS = (
    "Described in the project's procurement manual, updated last year.",
    "Handled by the PPP unit with the line ministry; see the annual report.",
    "Partly in place; a revised procedure is in preparation.",
)


class TextStrategy(QuestionStrategy):
    """Text of at most ``max_length`` characters; a required question needs more than blanks."""

    question_type = QuestionType.text

    def build(
        self, raw: Mapping[str, Any], path: DocumentPath, context: BuildContext
    ) -> dict[str, Any]:
        """Take the longest accepted answer, when the file gives it."""
        return {"max_length": raw["max_length"]} if "max_length" in raw else {}

    def dump(self, question: Question) -> dict[str, Any]:
        """Write ``max_length``."""
        return {"max_length": question.max_length}

    def validate(self, question: Question, value: object) -> AnswerValue:
        """Accept a string no longer than ``max_length``."""
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

    def example_answer(self, question: Question, maturity: float, rng: random.Random) -> Any:
        """Pick one of :data:`EXAMPLE_TEXTS`."""
        return rng.choice(EXAMPLE_TEXTS)
