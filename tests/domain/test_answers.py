"""Checking single answers: what the API accepts and the 422 codes it returns."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from ppp_assess.domain import (
    AnswerError,
    Question,
    Questionnaire,
    clean_answers,
    load_questionnaire,
    questionnaire_from_dict,
    validate_answer,
)

DATA = Path(__file__).resolve().parent.parent / "data"


@pytest.fixture(scope="module")
def complete() -> Questionnaire:
    return load_questionnaire(DATA / "complete.yaml")


@pytest.fixture(scope="module")
def types() -> Questionnaire:
    return load_questionnaire(DATA / "scoring-types.yaml")


def rejection(question: Question, value: object) -> AnswerError:
    with pytest.raises(AnswerError) as caught:
        validate_answer(question, value)
    return caught.value


# --------------------------------------------------------------------------- choice


def test_choice(complete: Questionnaire) -> None:
    policy = complete.question("policy")
    assert validate_answer(policy, "partly") == "partly"
    assert validate_answer(policy, "na") == "na"
    error = rejection(policy, "maybe")
    assert error.code == "not_an_option"
    assert error.message == "“%(value)s” is not one of the options."
    assert error.params == {"value": "maybe"}
    assert str(error) == "“maybe” is not one of the options."
    assert rejection(policy, ["yes"]).code == "wrong_type"
    assert rejection(policy, 1).code == "wrong_type"
    assert rejection(policy, True).code == "wrong_type"


def test_unscored_choice_accepts_its_options(complete: Questionnaire) -> None:
    assert validate_answer(complete.question("stage"), "design") == "design"


# --------------------------------------------------------------------------- multi_choice


def test_multi_choice_normalises_order_and_duplicates(types: Questionnaire) -> None:
    question = types.question("m-sum")
    assert validate_answer(question, ["c", "a", "c"]) == ["a", "c"]
    assert validate_answer(question, ("b",)) == ["b"]
    assert validate_answer(question, []) == []
    assert validate_answer(question, ["na"]) == ["na"]


def test_multi_choice_rejections(types: Questionnaire) -> None:
    question = types.question("m-sum")
    assert rejection(question, "a").code == "wrong_type"
    assert rejection(question, ["a", 2]).code == "wrong_type"
    error = rejection(question, ["a", "z"])
    assert (error.code, error.params) == ("not_an_option", {"value": "z"})
    error = rejection(question, ["a", "na"])
    assert (error.code, error.params) == ("na_must_be_alone", {"value": "na"})


def test_required_multi_choice_needs_a_selection(complete: Questionnaire) -> None:
    data = complete.to_dict()
    data["sections"][0]["questions"][2]["required"] = True
    question = questionnaire_from_dict(data).question("channels")
    assert rejection(question, []).code == "required"
    assert validate_answer(question, ["web"]) == ["web"]


# --------------------------------------------------------------------------- scale


def test_scale(complete: Questionnaire) -> None:
    maturity = complete.question("maturity")  # 1..5, na allowed
    assert validate_answer(maturity, 1) == 1
    assert validate_answer(maturity, 5) == 5
    assert validate_answer(maturity, 3.0) == 3
    assert type(validate_answer(maturity, 3.0)) is int
    assert validate_answer(maturity, "na") == "na"
    error = rejection(maturity, 6)
    assert (error.code, error.params) == ("out_of_range", {"min": 1, "max": 5})
    assert str(error) == "Choose a whole number from 1 to 5."
    assert rejection(maturity, 0).code == "out_of_range"
    assert rejection(maturity, 2.5).code == "wrong_type"
    assert rejection(maturity, "3").code == "wrong_type"
    assert rejection(maturity, True).code == "wrong_type"


def test_scale_without_na(types: Questionnaire) -> None:
    assert rejection(types.question("s2"), "na").code == "na_not_allowed"


# --------------------------------------------------------------------------- number


def test_number(complete: Questionnaire) -> None:
    share = complete.question("share")  # 0..100, na allowed
    assert validate_answer(share, 0) == 0
    assert validate_answer(share, 100) == 100
    assert validate_answer(share, 42.5) == 42.5
    assert validate_answer(share, "na") == "na"
    error = rejection(share, 100.5)
    assert (error.code, str(error)) == ("out_of_range", "Enter a number from 0 to 100.")
    assert rejection(share, -1).code == "out_of_range"
    for value in ("12", float("nan"), float("inf"), False, None, [1]):
        assert rejection(share, value).code == "wrong_type"


def test_number_with_one_bound(complete: Questionnaire) -> None:
    data = complete.to_dict()
    share = data["sections"][1]["questions"][0]
    del share["max"]
    question = questionnaire_from_dict(data).question("share")
    assert validate_answer(question, 10**9) == 10**9
    assert str(rejection(question, -0.5)) == "Enter a number of at least 0."
    budget = complete.question("budget")  # no bounds, no na
    assert validate_answer(budget, -12.25) == -12.25
    assert rejection(budget, "na").code == "na_not_allowed"


# --------------------------------------------------------------------------- text and date


def test_text(complete: Questionnaire) -> None:
    notes = complete.question("notes")  # max_length 200
    assert validate_answer(notes, "Fine.") == "Fine."
    assert validate_answer(notes, "") == ""  # optional: an empty text is allowed
    assert validate_answer(notes, "x" * 200) == "x" * 200
    error = rejection(notes, "x" * 201)
    assert (error.code, error.params) == ("too_long", {"max_length": 200})
    assert rejection(notes, 5).code == "wrong_type"


def test_required_text_needs_content(types: Questionnaire) -> None:
    question = types.question("t1")
    assert rejection(question, "   ").code == "required"
    assert validate_answer(question, "Yes.") == "Yes."
    assert len(validate_answer(types.question("t1"), "y" * 5000)) == 5000  # type: ignore[arg-type]
    assert rejection(question, "y" * 5001).code == "too_long"


def test_date(complete: Questionnaire) -> None:
    adopted = complete.question("adopted")
    assert validate_answer(adopted, "2024-02-29") == "2024-02-29"
    assert validate_answer(adopted, datetime.date(2023, 1, 31)) == "2023-01-31"
    for value in ("2023-02-29", "2024-13-01"):
        error = rejection(adopted, value)
        assert (error.code, error.params) == ("not_a_date", {"value": value})
    for value in ("29/02/2024", "20240229", "2024-02-29T10:00", "2024-02-29\n", "２０２４-01-01"):
        assert rejection(adopted, value).code == "not_a_date"
    assert rejection(adopted, datetime.datetime(2024, 1, 1, 10, 0)).code == "wrong_type"
    assert rejection(adopted, 20240229).code == "wrong_type"


# --------------------------------------------------------------------------- many answers


def test_clean_answers_keeps_only_accepted_values(complete: Questionnaire) -> None:
    answers = {
        "policy": "yes",
        "channels": ["gazette", "web", "web"],
        "maturity": 7,
        "notes": 12,
        "unknown": "yes",
        "adopted": datetime.date(2024, 1, 2),
    }
    assert clean_answers(complete, answers) == {
        "policy": "yes",
        "channels": ["web", "gazette"],
        "adopted": "2024-01-02",
    }


def test_error_is_a_value_error() -> None:
    error = AnswerError("wrong_type", "Enter a number.")
    assert isinstance(error, ValueError)
    assert (error.code, error.message, error.params, str(error)) == (
        "wrong_type",
        "Enter a number.",
        {},
        "Enter a number.",
    )
