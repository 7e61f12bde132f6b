"""The question-type strategies: one per type, and what each says about its answers."""

from __future__ import annotations

import datetime
import random
from dataclasses import replace
from pathlib import Path

import pytest

from ppp_assess.domain import (
    NA,
    Question,
    QuestionType,
    load_questionnaire,
    questionnaire_json_schema,
)
from ppp_assess.domain.question_types import (
    QUESTION_STRATEGIES,
    AnswerError,
    CalendarDate,
    ChosenOption,
    ChosenOptions,
    ConditionValueError,
    FreeText,
    MissingStrategyError,
    NotApplicable,
    Quantity,
    QuestionStrategy,
    ScalePoint,
    check_strategies,
    strategy_for,
)

ROOT = Path(__file__).resolve().parents[2]
COMPLETE = load_questionnaire(ROOT / "tests" / "data" / "complete.yaml")


def question(question_id: str) -> Question:
    return COMPLETE.question(question_id)


def test_every_question_type_has_its_own_strategy() -> None:
    assert set(QUESTION_STRATEGIES) == set(QuestionType)
    for kind, strategy in QUESTION_STRATEGIES.items():
        assert strategy.question_type is kind
        assert strategy_for(kind) is strategy
    check_strategies(QUESTION_STRATEGIES)


def test_the_file_schema_knows_every_question_type() -> None:
    enum = questionnaire_json_schema()["$defs"]["question_type"]["enum"]
    assert enum == [kind.value for kind in QuestionType]


def test_the_check_names_a_type_without_a_strategy() -> None:
    partial = {kind: strategy for kind, strategy in QUESTION_STRATEGIES.items()
               if kind is not QuestionType.date}
    with pytest.raises(MissingStrategyError, match="date"):
        check_strategies(partial)
    crossed = {**QUESTION_STRATEGIES,
               QuestionType.text: QUESTION_STRATEGIES[QuestionType.date]}
    with pytest.raises(MissingStrategyError, match="text"):
        check_strategies(crossed)


def test_a_question_asks_its_strategy() -> None:
    for item in COMPLETE.all_questions():
        assert item.strategy is strategy_for(item.type)
    assert question("policy").scored and not question("stage").scored
    assert question("maturity").scored and question("share").scored
    assert not question("budget").scored  # a number without bands
    assert not question("notes").scored and not question("adopted").scored


# --------------------------------------------------------------------------- descriptions


def describe(question_id: str, value: object) -> object:
    item = question(question_id)
    return strategy_for(item.type).describe(item, value)


def test_choices_are_described_by_their_options() -> None:
    assert describe("policy", "partly") == ChosenOptions(
        (ChosenOption("partly", "Partly"),), multiple=False)
    assert describe("policy", "gone") == ChosenOptions(
        (ChosenOption("gone", None),), multiple=False)
    assert describe("channels", ["web", "gazette"]) == ChosenOptions(
        (ChosenOption("web", "Website"), ChosenOption("gazette", "Official gazette")),
        multiple=True)
    assert describe("channels", []) == ChosenOptions((), multiple=True)


def test_scale_points_carry_their_range_and_end_label() -> None:
    assert describe("maturity", 1) == ScalePoint(1, 1, 5, "Not at all")
    assert describe("maturity", 5) == ScalePoint(5, 1, 5, "Fully")
    assert describe("maturity", 3) == ScalePoint(3, 1, 5, None)
    assert describe("maturity", NA) == NotApplicable()
    assert describe("maturity", "many") == FreeText("many")


def test_numbers_dates_and_texts() -> None:
    assert describe("share", 12.5) == Quantity(12.5, "%")
    assert describe("share", NA) == NotApplicable()
    assert describe("share", True) == FreeText("True")
    assert describe("budget", 3) == Quantity(3, "USD m")
    assert describe("adopted", "2024-05-09") == CalendarDate(datetime.date(2024, 5, 9))
    assert describe("adopted", "soon") == FreeText("soon")
    # A text answer is text, even when it reads "na".
    assert describe("notes", NA) == FreeText(NA)


def test_export_codes() -> None:
    def code(question_id: str, value: object) -> object:
        item = question(question_id)
        return strategy_for(item.type).export_code(item, value)

    assert code("policy", "partly") == "partly"
    assert code("channels", ["web", "gazette"]) == "web;gazette"
    assert code("maturity", 3) == 3
    assert code("maturity", NA) == NA
    assert code("share", 12.5) == 12.5
    assert code("notes", "Free text") == "Free text"
    assert code("adopted", "2024-05-09") == "2024-05-09"


# --------------------------------------------------------------------------- conditions


def test_which_types_conditions_can_test_and_compare() -> None:
    testable = {kind for kind, strategy in QUESTION_STRATEGIES.items() if strategy.testable}
    comparable = {kind for kind, strategy in QUESTION_STRATEGIES.items() if strategy.comparable}
    assert testable == {QuestionType.choice, QuestionType.multi_choice, QuestionType.scale,
                        QuestionType.number}
    assert comparable == {QuestionType.scale, QuestionType.number}


@pytest.mark.parametrize(
    ("question_id", "value", "expected"),
    [("policy", "yes", "yes"), ("maturity", 2.0, 2), ("maturity", NA, NA), ("share", 50, 50.0)],
)
def test_condition_values_that_fit(question_id: str, value: object, expected: object) -> None:
    item = question(question_id)
    result = strategy_for(item.type).condition_value(item, value)  # type: ignore[arg-type]
    assert result == expected and type(result) is type(expected)


@pytest.mark.parametrize(
    ("question_id", "value", "words"),
    [
        ("policy", "maybe", "is not an option of question 'policy'"),
        ("maturity", 6, "whole numbers from 1 to 5"),
        ("maturity", 2.5, "is not a possible answer"),
        ("maturity", "high", "use numbers (or na)"),
        ("budget", NA, "has no 'na' answer"),
        ("notes", "x", "cannot be tested"),
    ],
)
def test_condition_values_that_cannot_be_answers(question_id: str, value: object,
                                                 words: str) -> None:
    item = question(question_id)
    with pytest.raises(ConditionValueError, match=words.replace("(", r"\(").replace(")", r"\)")):
        strategy_for(item.type).condition_value(item, value)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- critical questions


def test_critical_problems() -> None:
    def problem(question_id: str) -> str | None:
        item = question(question_id)
        return strategy_for(item.type).critical_problem(item)

    assert problem("policy") is None  # "no" scores 0
    assert problem("maturity") is None  # the lowest point scores 0
    assert problem("share") is None  # the band from 0 scores 0
    assert "options of this choice question have no scores" in (problem("stage") or "")
    assert "never score" in (problem("budget") or "")
    assert problem("channels") is None  # "none" scores 0
    channels = question("channels")
    no_zero = replace(channels, options=channels.options[:2])
    assert "must be able to score 0" in (
        strategy_for(no_zero.type).critical_problem(no_zero) or "")


# --------------------------------------------------------------------------- demonstration


@pytest.mark.parametrize(
    "path",
    [ROOT / "tests" / "data" / "complete.yaml", *sorted((ROOT / "questionnaires").glob("*.yaml"))],
    ids=lambda path: path.name,
)
def test_example_answers_are_answers(path: Path) -> None:
    # A number may overshoot its bounds now and then; the demonstration data skips it.
    questionnaire = load_questionnaire(path)
    rng = random.Random(7)
    for item in questionnaire.all_questions():
        strategy = strategy_for(item.type)
        accepted = 0
        for maturity in (0.0, 0.2, 0.4, 0.6, 0.8, 1.0):
            value = strategy.example_answer(item, maturity, rng)
            try:
                strategy.validate(item, value)
            except AnswerError as error:
                assert error.code == "out_of_range", (item.id, value, error)
            else:
                accepted += 1
        assert accepted >= 3, item.id


# --------------------------------------------------------------------------- a new type


class _Colour(QuestionStrategy):
    """A type that gives only what every strategy must: validation and an example."""

    question_type = QuestionType.text

    def validate(self, question: Question, value: object) -> str:
        if value not in ("red", "green"):
            raise AnswerError("wrong_type", "Choose red or green.")
        return str(value)

    def example_answer(self, question: Question, maturity: float, rng: random.Random) -> str:
        return "green" if maturity > 0.5 else "red"


def test_a_new_type_gets_safe_defaults() -> None:
    item = question("notes")
    colour = _Colour()
    assert colour.build({}, (), None) == {}  # type: ignore[arg-type]
    assert colour.dump(item) == {}
    assert not colour.scored(item) and not colour.testable and not colour.comparable
    assert "never score" in (colour.critical_problem(item) or "")
    assert colour.not_applicable_test(item)("red") is False
    assert colour.describe(item, "red") == FreeText("red")
    assert colour.export_code(item, "red") == "red"
    with pytest.raises(TypeError):
        colour.scorer(item)
    with pytest.raises(ConditionValueError):
        colour.condition_value(item, "red")
    with pytest.raises(AnswerError):
        colour.validate(item, "blue")
