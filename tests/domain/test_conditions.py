"""Evaluating show_if conditions and working out which questions are visible."""

from __future__ import annotations

from pathlib import Path

import pytest

from ppp_assess.domain import (
    AllCondition,
    AnyCondition,
    CompareCondition,
    InCondition,
    NotInCondition,
    Operator,
    Questionnaire,
    evaluate,
    load_questionnaire,
    referenced_questions,
    visible_questions,
)
from tests.domain.show_if_cases import condition_of, load_cases

DATA = Path(__file__).resolve().parent.parent / "data"
EVERYONE = frozenset({"choice", "multi", "scale", "number"})


def is_in(question: str, *values: str | int | float) -> InCondition:
    return InCondition(question=question, values=values)


def not_in(question: str, *values: str | int | float) -> NotInCondition:
    return NotInCondition(question=question, values=values)


def compare(question: str, operator: str, value: float) -> CompareCondition:
    return CompareCondition(question=question, operator=Operator(operator), value=value)


# --------------------------------------------------------------------------- evaluate


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (is_in("choice", "yes", "partly"), True),
        (is_in("choice", "no"), False),
        (not_in("choice", "no"), True),
        (not_in("choice", "yes"), False),
        # multi_choice: "in" when any selected value is listed, "not_in" when none is
        (is_in("multi", "gazette"), True),
        (is_in("multi", "radio", "web"), True),
        (is_in("multi", "radio"), False),
        (not_in("multi", "radio"), True),
        (not_in("multi", "radio", "web"), False),
        (is_in("scale", 3, 4), True),
        (is_in("scale", 1), False),
        (compare("scale", "gt", 2), True),
        (compare("scale", "gt", 3), False),
        (compare("scale", "gte", 3), True),
        (compare("scale", "lt", 3), False),
        (compare("scale", "lte", 3), True),
        (compare("scale", "eq", 3), True),
        (compare("scale", "ne", 3), False),
        (compare("number", "gte", 12.5), True),
        (compare("number", "gt", 12.5), False),
        (compare("number", "ne", 0), True),
    ],
)
def test_operators(condition: object, expected: bool) -> None:
    answers = {"choice": "yes", "multi": ["web", "gazette"], "scale": 3, "number": 12.5}
    assert evaluate(condition, answers, EVERYONE) is expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "condition",
    [
        is_in("choice", "yes"),
        not_in("choice", "no"),
        compare("scale", "ne", 3),
        compare("number", "lt", 100),
    ],
)
def test_unanswered_or_hidden_questions_make_every_condition_false(condition: object) -> None:
    assert evaluate(condition, {}, EVERYONE) is False  # type: ignore[arg-type]
    answers = {"choice": "yes", "scale": 1, "number": 0}
    assert evaluate(condition, answers, frozenset()) is False  # type: ignore[arg-type]


def test_not_in_with_an_empty_selection_is_true() -> None:
    assert evaluate(not_in("multi", "web"), {"multi": []}, EVERYONE)
    assert not evaluate(is_in("multi", "web"), {"multi": []}, EVERYONE)


def test_comparisons_with_not_applicable_are_false() -> None:
    for operator in ("gt", "gte", "lt", "lte", "eq", "ne"):
        assert not evaluate(compare("scale", operator, 2), {"scale": "na"}, EVERYONE)
    assert evaluate(is_in("scale", "na"), {"scale": "na"}, EVERYONE)
    assert evaluate(not_in("scale", "na"), {"scale": 2}, EVERYONE)


def test_booleans_are_not_numbers() -> None:
    assert not evaluate(is_in("scale", 1), {"scale": True}, EVERYONE)
    assert not evaluate(compare("scale", "eq", 1), {"scale": True}, EVERYONE)


def test_all_and_any_nest() -> None:
    answers = {"choice": "yes", "scale": 3}
    yes = is_in("choice", "yes")
    no = is_in("choice", "no")
    high = compare("scale", "gte", 3)
    assert evaluate(AllCondition(conditions=(yes, high)), answers, EVERYONE)
    assert not evaluate(AllCondition(conditions=(yes, no)), answers, EVERYONE)
    assert evaluate(AnyCondition(conditions=(no, high)), answers, EVERYONE)
    assert not evaluate(AnyCondition(conditions=(no, not_in("scale", 3))), answers, EVERYONE)
    nested = AllCondition(conditions=(yes, AnyCondition(conditions=(no, high))))
    assert evaluate(nested, answers, EVERYONE)
    assert list(referenced_questions(nested)) == ["choice", "choice", "scale"]


# --------------------------------------------------------------------------- visibility


@pytest.fixture(scope="module")
def conditional() -> Questionnaire:
    return load_questionnaire(DATA / "scoring-conditions.yaml")


def test_questions_without_conditions_are_always_visible(conditional: Questionnaire) -> None:
    assert visible_questions(conditional, {}) == {"c1"}


def test_visibility_follows_the_answers(conditional: Questionnaire) -> None:
    assert visible_questions(conditional, {"c1": "yes"}) == {"c1", "c2", "e1"}
    assert visible_questions(conditional, {"c1": "no"}) == {"c1", "c4", "c5"}
    assert visible_questions(conditional, {"c1": "yes", "c2": "yes"}) == {"c1", "c2", "c3", "e1"}
    assert visible_questions(conditional, {"c1": "yes", "c2": "yes", "c3": 3}) == {
        "c1",
        "c2",
        "c3",
        "c4",
        "e1",
    }


def test_answers_to_hidden_questions_count_as_unanswered(conditional: Questionnaire) -> None:
    # c2 and c3 keep their answers, but c1 = no hides c2, so c3 (c2 in [yes]) stays hidden
    # and its 4 cannot show c4 through "c3 >= 3"; c4 shows through c1 = no instead.
    answers = {"c1": "no", "c2": "yes", "c3": 4}
    assert visible_questions(conditional, answers) == {"c1", "c4", "c5"}
    # without c1 = no, nothing shows c4
    answers = {"c1": "yes", "c2": "no", "c3": 4}
    assert visible_questions(conditional, answers) == {"c1", "c2", "e1"}


def test_invalid_answers_count_as_unanswered(conditional: Questionnaire) -> None:
    assert visible_questions(conditional, {"c1": "maybe"}) == {"c1"}
    assert visible_questions(conditional, {"c1": ["yes"]}) == {"c1"}


def test_visible_questions_returns_a_frozenset(conditional: Questionnaire) -> None:
    assert isinstance(visible_questions(conditional, {}), frozenset)


def test_complete_file_conditions() -> None:
    questionnaire = load_questionnaire(DATA / "complete.yaml")
    # maturity: policy not "no" and (stage is operation or channels include gazette)
    answers: dict[str, object] = {"policy": "partly", "stage": "design", "channels": ["web"]}
    assert "maturity" not in visible_questions(questionnaire, answers)
    answers["channels"] = ["web", "gazette"]
    assert "maturity" in visible_questions(questionnaire, answers)
    # share: maturity >= 3; adopted: share != 0
    answers["maturity"] = 2
    assert "share" not in visible_questions(questionnaire, answers)
    answers["maturity"] = 3
    answers["share"] = 0
    visible = visible_questions(questionnaire, answers)
    assert "share" in visible and "adopted" not in visible
    answers["share"] = "na"  # not a number: "ne 0" is false
    assert "adopted" not in visible_questions(questionnaire, answers)
    answers["share"] = 40
    assert "adopted" in visible_questions(questionnaire, answers)


# --- the cases shared with the browser's script ---------------------------------------------

SHARED_CASES = load_cases()


@pytest.mark.parametrize("case", SHARED_CASES, ids=[case["name"] for case in SHARED_CASES])
def test_the_shared_show_if_cases(case) -> None:
    condition = condition_of(case["condition"])
    # Written back, the condition is the case's: the browser reads the same data.
    assert condition.to_dict() == case["condition"]
    assert evaluate(condition, case["answers"], set(case["visible"])) is case["expected"]
