"""What every question type does, and the plain data its strategy gives and takes.

A :class:`QuestionStrategy` holds everything that depends on a question's type: how the
loader builds and checks the type's own keys, which answers it accepts, how an answer
scores, how a condition may test it, how an answer is described for people and coded
for exports, and what a plausible answer looks like for demonstration data. Strategies
hold no state of their own: one instance serves every question of its type.

Descriptions (:data:`AnswerDescription`) are data, not text: they carry msgids and
values, and each adapter words them in its own language and format.
"""

from __future__ import annotations

import datetime
import random
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol, TypeAlias

from ..schema import DocumentPath, Option, Question, QuestionType

#: A stored answer value.
AnswerValue: TypeAlias = str | int | float | list[str]

#: Scores one valid, applicable answer in [0, 1].
Scorer: TypeAlias = Callable[[AnswerValue], float]

#: The code of an answer in an export: text, or a number for numeric answers.
ExportCode: TypeAlias = str | int | float

#: A value a condition tests an answer against.
ConditionValue: TypeAlias = str | int | float


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


class ConditionValueError(ValueError):
    """A value in a condition that the tested question can never give as its answer."""


class BuildContext(Protocol):
    """What the loader offers a strategy that builds a question from file data."""

    def problem(self, path: DocumentPath, message: str) -> None:
        """Report a problem at ``path`` of the file."""

    def answer_set(self, name: str, path: DocumentPath) -> tuple[Option, ...] | None:
        """Return the answer set called ``name``; report it at ``path`` if there is none."""

    def options(
        self, raw_options: Sequence[Mapping[str, Any]], path: DocumentPath
    ) -> tuple[Option, ...]:
        """Build an option list found at ``path``, checking its values are unique."""


# --------------------------------------------------------------------------- descriptions


@dataclass(frozen=True)
class NotApplicable:
    """The answer "not applicable"."""


@dataclass(frozen=True)
class ChosenOption:
    """One selected option: its value, and its label msgid (``None`` if it is no option)."""

    value: str
    label: str | None


@dataclass(frozen=True)
class ChosenOptions:
    """The selected options, in order; ``multiple`` when the question takes several."""

    options: tuple[ChosenOption, ...]
    multiple: bool


@dataclass(frozen=True)
class ScalePoint:
    """A point of a scale, with the label msgid of the end it sits on, if any."""

    value: int | float
    minimum: int
    maximum: int
    end_label: str | None


@dataclass(frozen=True)
class Quantity:
    """A number, with the msgid of its unit, if any."""

    value: int | float
    unit: str | None


@dataclass(frozen=True)
class CalendarDate:
    """A date."""

    date: datetime.date


@dataclass(frozen=True)
class FreeText:
    """Text shown as it is: a text answer, or a stored value that no other shape fits."""

    text: str


#: How an answer is shown. A new question type describes its answers with these shapes;
#: the adapters word each shape, so they need no change for a new type.
AnswerDescription: TypeAlias = (
    NotApplicable | ChosenOptions | ScalePoint | Quantity | CalendarDate | FreeText
)


# --------------------------------------------------------------------------- helpers


def is_number(value: object) -> bool:
    """Return whether ``value`` is a number; ``True`` is no answer to "how many"."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def plain_number(value: float) -> str:
    """Return 10.0 as ``10`` and 2.5 as ``2.5``, for messages."""
    return str(int(value)) if float(value).is_integer() else str(value)


def never(value: object) -> bool:
    """Return ``False``: the not-applicable test of a question without that answer."""
    return False


# --------------------------------------------------------------------------- strategy


class QuestionStrategy(ABC):
    """The behaviour of one question type.

    Subclasses set :attr:`question_type`, implement :meth:`validate` and
    :meth:`example_answer`, and override the defaults that do not fit: by default a
    type takes no keys of its own, never scores, cannot be tested by a condition, and
    is described and exported as plain text.
    """

    #: The type this strategy serves.
    question_type: ClassVar[QuestionType]
    #: Whether ``in`` / ``not_in`` conditions may test answers of this type.
    testable: ClassVar[bool] = False
    #: Whether ``gt``, ``gte``, ``lt``, ``lte``, ``eq`` and ``ne`` may compare them.
    comparable: ClassVar[bool] = False

    # ----------------------------------------------------------------- the file

    def build(
        self, raw: Mapping[str, Any], path: DocumentPath, context: BuildContext
    ) -> dict[str, Any]:
        """Return the type's own :class:`Question` fields from schema-valid file data.

        Checks that need more than one value of the question (a range's order, say)
        report to ``context``.

        :param raw: the question as written in the file (msgids normalised).
        :param path: where the question is in the file.
        :param context: the loader, for problems, answer sets and option lists.
        :return: keyword arguments for :class:`Question` beyond the common keys.
        """
        return {}

    def dump(self, question: Question) -> dict[str, Any]:
        """Return the type's own keys as they are written in a file, defaults included."""
        return {}

    def critical_problem(self, question: Question) -> str | None:
        """Return why ``question`` cannot be critical, or ``None`` when it can.

        A critical question caps the level when it scores 0, so it must be able to.
        """
        if not self.scored(question):
            return (
                f"'critical' needs a scored question, but this {question.type} question"
                " can never score (a critical question caps the level when it scores 0)"
            )
        return None

    def condition_value(self, question: Question, value: ConditionValue) -> ConditionValue:
        """Return ``value`` of an ``in`` / ``not_in`` condition as it is compared.

        Called only when :attr:`testable` is true.

        :raises ConditionValueError: when ``question`` can never have that answer.
        """
        raise ConditionValueError(f"a {question.type} question cannot be tested")

    # ----------------------------------------------------------------- answers

    @abstractmethod
    def validate(self, question: Question, value: object) -> AnswerValue:
        """Return ``value`` as the answer to store, normalised.

        :raises AnswerError: when ``question`` does not accept it.
        """

    # ----------------------------------------------------------------- scoring

    def scored(self, question: Question) -> bool:
        """Return whether an answer to ``question`` can produce a score."""
        return False

    def scorer(self, question: Question) -> Scorer:
        """Return the scoring function of a scored question's valid, applicable answers."""
        raise TypeError(f"a {question.type} question like {question.id!r} does not score")

    def not_applicable_test(self, question: Question) -> Callable[[object], bool]:
        """Return a test for "this valid answer to ``question`` means not applicable"."""
        return never

    # ----------------------------------------------------------------- showing

    def describe(self, question: Question, value: object) -> AnswerDescription:
        """Return how a stored answer (not ``None``) is shown."""
        return FreeText(str(value))

    def export_code(self, question: Question, value: object) -> ExportCode:
        """Return the code of a stored answer (not ``None``) in an export's code column."""
        return str(value)

    # ----------------------------------------------------------------- demonstration

    @abstractmethod
    def example_answer(self, question: Question, maturity: float, rng: random.Random) -> Any:
        """Return a plausible answer of an organisation of ``maturity`` (0 to 1).

        ``None`` means the question is best left unanswered. The value still goes
        through :meth:`validate` before it is stored.
        """
