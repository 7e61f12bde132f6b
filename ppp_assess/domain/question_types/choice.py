"""Questions answered by choosing options: ``choice`` (one) and ``multi_choice`` (any)."""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping
from typing import Any

from ppp_assess.domain.messages import N_

from ..schema import (
    DocumentPath,
    MultiChoiceScoring,
    Option,
    Question,
    QuestionType,
    options_to_list,
)
from .base import (
    AnswerError,
    AnswerValue,
    BuildContext,
    ChosenOption,
    ChosenOptions,
    ConditionValue,
    ConditionValueError,
    ExportCode,
    QuestionStrategy,
    Scorer,
    never,
)


def _not_applicable_values(question: Question) -> frozenset[str]:
    """Return the values of the options that mean "not applicable" (score ``None``)."""
    if not any(option.score is not None for option in question.options):
        return frozenset()  # in an unscored list, no option stands apart
    return frozenset(option.value for option in question.options if option.score is None)


def _chosen(question: Question, value: object) -> ChosenOption:
    text = str(value)
    label = question.option(text).label if question.has_option(value) else None
    return ChosenOption(text, label)


class _OptionsStrategy(QuestionStrategy):
    """What choice and multi-choice questions share: a list of options."""

    testable = True

    def build(
        self, raw: Mapping[str, Any], path: DocumentPath, context: BuildContext
    ) -> dict[str, Any]:
        """Take the options from the named answer set or from the question's own list."""
        if "answers" in raw:
            name = raw["answers"]
            options = context.answer_set(name, (*path, "answers"))
            if options is None:
                return {}
            return {"options": options, "answer_set": name}
        return {"options": context.options(raw["options"], (*path, "options"))}

    def dump(self, question: Question) -> dict[str, Any]:
        """Name the answer set, or list the options."""
        if question.answer_set is not None:
            return {"answers": question.answer_set}
        return {"options": options_to_list(question.options)}

    def critical_problem(self, question: Question) -> str | None:
        """Ask for scored options, one of them scoring 0."""
        if not self.scored(question):
            return (
                f"'critical' needs a scored question, but the options of this {question.type}"
                " question have no scores (a critical question caps the level when it scores 0)"
            )
        if not any(option.score == 0 for option in question.options):
            return (
                "a critical question must be able to score 0, but none of its options"
                " has score 0"
            )
        return None

    def condition_value(self, question: Question, value: ConditionValue) -> ConditionValue:
        """Accept the value of an option."""
        if not question.has_option(value):
            choices = ", ".join(option.value for option in question.options)
            raise ConditionValueError(
                f"{value!r} is not an option of question '{question.id}' (its options: {choices})"
            )
        return value

    def scored(self, question: Question) -> bool:
        """Score when at least one option has a score."""
        return any(option.score is not None for option in question.options)


class ChoiceStrategy(_OptionsStrategy):
    """One option; in a scored list, the option with score ``None`` is "not applicable"."""

    question_type = QuestionType.choice

    def validate(self, question: Question, value: object) -> AnswerValue:
        """Accept the value of one option."""
        if not isinstance(value, str):
            raise AnswerError("wrong_type", N_("Choose one of the options."))
        if not question.has_option(value):
            raise AnswerError(
                "not_an_option", N_("“%(value)s” is not one of the options."), {"value": value}
            )
        return value

    def scorer(self, question: Question) -> Scorer:
        """Score the chosen option's score."""
        scores = {option.value: option.score for option in question.options}

        def score(value: AnswerValue) -> float:
            result = scores[value]  # type: ignore[index]
            assert result is not None  # "not applicable" is filtered out before scoring
            return result

        return score

    def not_applicable_test(self, question: Question) -> Callable[[object], bool]:
        """Match the "not applicable" option."""
        values = _not_applicable_values(question)
        if not values:
            return never
        return lambda value: isinstance(value, str) and value in values

    def describe(self, question: Question, value: object) -> ChosenOptions:
        """Show the chosen option's label."""
        return ChosenOptions((_chosen(question, value),), multiple=False)

    def example_answer(self, question: Question, maturity: float, rng: random.Random) -> Any:
        """Choose an option scoring near ``maturity``; rarely "not applicable"."""
        scored = [option for option in question.options if option.score is not None]
        not_applicable = [option for option in question.options if option.score is None]
        if not_applicable and rng.random() < 0.04:
            return not_applicable[0].value
        if not scored:
            return question.options[0].value if question.options else None
        weights = [math.exp(-((option.score or 0.0) - maturity) ** 2 / 0.06) for option in scored]
        chosen: Option = rng.choices(scored, weights=weights)[0]
        return chosen.value


class MultiChoiceStrategy(_OptionsStrategy):
    """Any number of options, their scores combined as the question's ``scoring`` says."""

    question_type = QuestionType.multi_choice

    def build(
        self, raw: Mapping[str, Any], path: DocumentPath, context: BuildContext
    ) -> dict[str, Any]:
        """Take the options, and how their scores combine."""
        fields = {"multi_scoring": MultiChoiceScoring(raw.get("scoring", "sum"))}
        fields.update(super().build(raw, path, context))
        return fields

    def dump(self, question: Question) -> dict[str, Any]:
        """Write the options and the scoring rule."""
        return {**super().dump(question), "scoring": question.multi_scoring.value}

    def validate(self, question: Question, value: object) -> AnswerValue:
        """Accept a list of option values, in the options' order and without repeats."""
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
        if len(selected) > 1:
            for item in question.options:
                if item.exclusive and item.value in selected:
                    raise AnswerError(
                        "exclusive_option",
                        N_("“%(value)s” cannot be combined with other options."),
                        {"value": item.value},
                    )
        if self.scored(question) and len(selected) > 1:
            for item in selected:
                if question.option(item).score is None:
                    raise AnswerError(
                        "na_must_be_alone",
                        N_("“%(value)s” cannot be combined with other options."),
                        {"value": item},
                    )
        return [option.value for option in question.options if option.value in selected]

    def scorer(self, question: Question) -> Scorer:
        """Combine the selected scores by sum (capped at 1), mean or max; none scores 0."""
        scores = {option.value: option.score or 0.0 for option in question.options}
        rule = question.multi_scoring

        def score(value: AnswerValue) -> float:
            assert isinstance(value, list)
            if not value:
                return 0.0
            selected = [scores[item] for item in value]
            if rule is MultiChoiceScoring.sum:
                return min(1.0, sum(selected))
            if rule is MultiChoiceScoring.mean:
                return sum(selected) / len(selected)
            return max(selected)

        return score

    def not_applicable_test(self, question: Question) -> Callable[[object], bool]:
        """Match the "not applicable" option selected alone."""
        values = _not_applicable_values(question)
        if not values:
            return never
        return lambda value: (
            isinstance(value, list | tuple)
            and len(value) == 1
            and isinstance(value[0], str)
            and value[0] in values
        )

    def describe(self, question: Question, value: object) -> ChosenOptions:
        """Show the labels of the selected options."""
        items = value if isinstance(value, list | tuple) else [value]
        return ChosenOptions(tuple(_chosen(question, item) for item in items), multiple=True)

    def export_code(self, question: Question, value: object) -> ExportCode:
        """Join the selected values with ``;``."""
        items = value if isinstance(value, list | tuple) else [value]
        return ";".join(str(item) for item in items)

    def example_answer(self, question: Question, maturity: float, rng: random.Random) -> Any:
        """Select each scored option with probability ``maturity``; rarely "not applicable"."""
        scored = [option for option in question.options if option.score is not None]
        not_applicable = [option for option in question.options if option.score is None]
        if not_applicable and rng.random() < 0.04:
            return [not_applicable[0].value]
        if not scored:
            return [question.options[0].value] if question.options else None
        chosen = [
            option.value for option in scored if not option.exclusive and rng.random() < maturity
        ]
        if chosen:
            return chosen
        return [max(scored, key=lambda option: (option.score or 0.0, not option.exclusive)).value]
