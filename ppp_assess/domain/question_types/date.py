"""Questions answered with a calendar date, stored as ``YYYY-MM-DD``."""

from __future__ import annotations

import datetime
import random
import re
from typing import Any

from ppp_assess.domain.messages import N_

from ..schema import Question, QuestionType
from .base import (
    AnswerDescription,
    AnswerError,
    AnswerValue,
    CalendarDate,
    FreeText,
    QuestionStrategy,
)

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class DateStrategy(QuestionStrategy):
    """A real calendar date; recorded and shown, never scored."""

    question_type = QuestionType.date

    def validate(self, question: Question, value: object) -> AnswerValue:
        """Accept ``YYYY-MM-DD`` text naming a real day, or a :class:`datetime.date`."""
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

    def describe(self, question: Question, value: object) -> AnswerDescription:
        """Show the date, or the stored text when it is no date."""
        if isinstance(value, str):
            try:
                return CalendarDate(datetime.date.fromisoformat(value))
            except ValueError:
                pass
        return FreeText(str(value))

    def example_answer(self, question: Question, maturity: float, rng: random.Random) -> Any:
        """Take the middle of a month in a recent year."""
        return f"{rng.choice((2023, 2024, 2025))}-{rng.randint(1, 12):02d}-15"
