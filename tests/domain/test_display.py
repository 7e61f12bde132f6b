"""The display rules: scores rounded to one decimal half up, whole percents, one wording."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ppp_assess.domain import NA, load_questionnaire
from ppp_assess.domain.display import (
    Localiser,
    answer_parts,
    answer_text,
    code_label,
    percent_share,
    rounded_score,
    score_number,
    whole_percent,
    word_answer,
)
from ppp_assess.domain.question_types import Quantity

COMPLETE = load_questionnaire(Path(__file__).resolve().parents[1] / "data" / "complete.yaml")


@pytest.mark.parametrize(("value", "expected"), [
    (86.45, "86.5"),  # half up, where Python's round and Babel round half to even
    (72.25, "72.3"),
    (72.35, "72.4"),  # the float is just below 72.35; its shortest form is 72.35
    (0.05, "0.1"),
    (86.44, "86.4"),
    (86.449999, "86.4"),
    (66.66666666666667, "66.7"),
    (99.95, "100.0"),
    (0, "0.0"),
    (0.0, "0.0"),
    (100, "100.0"),
    (100.0, "100.0"),
    (-0.0, "0.0"),
    (Decimal("12.25"), "12.3"),
    (Decimal("12.249"), "12.2"),
])
def test_scores_have_one_decimal_rounded_half_up(value: float | Decimal, expected: str) -> None:
    assert str(rounded_score(value)) == expected


def test_the_rule_is_not_pythons_round() -> None:
    # Why nothing may call round() or format a float itself: they disagree with the rule.
    assert round(72.25, 1) == 72.2 and f"{72.35:.1f}" == "72.3"
    assert (rounded_score(72.25), rounded_score(72.35)) == (Decimal("72.3"), Decimal("72.4"))


@pytest.mark.parametrize("value", [float("nan"), float("inf"), True, Decimal("NaN")])
def test_a_score_must_be_a_finite_number(value: object) -> None:
    with pytest.raises(ValueError):
        rounded_score(value)  # type: ignore[arg-type]


@given(st.floats(min_value=0, max_value=100, allow_nan=False))
def test_a_rounded_score_is_the_nearest_tenth_of_its_shortest_form(value: float) -> None:
    rounded = rounded_score(value)
    exact = Decimal(repr(value))
    assert rounded.as_tuple().exponent == -1
    assert abs(rounded - exact) <= Decimal("0.05")
    assert rounded == exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    assert score_number(value) == float(rounded)


def test_score_number_keeps_none() -> None:
    assert score_number(None) is None
    assert score_number(86.45) == 86.5


@pytest.mark.parametrize(("share", "percent"), [
    (0, 0), (1, 100), (2 / 3, 67), (1 / 3, 33), (0.125, 13), (0.285, 29), (0.005, 1),
    (0.994, 99), (0.995, 100),
])
def test_shares_are_whole_percents_rounded_half_up(share: float, percent: int) -> None:
    assert whole_percent(share) == percent
    assert percent_share(share) == percent / 100


# --- wording --------------------------------------------------------------------------------

#: Marks every translated msgid and formatted value, to show which callable made what.
MARKED = Localiser(translate=lambda text: f"«{text}»", number=lambda value: f"#{value}",
                   date=lambda value: f"day {value.day}", country=lambda code: f"land {code}")

CASES = [
    ("policy", "partly", ["«Partly»"]),
    ("policy", "na", ["«Not applicable»"]),
    ("channels", ["web", "gazette"], ["«Website»", "«Official gazette»"]),
    ("maturity", 1, ["«#1 of #5 («Not at all»)»"]),
    ("maturity", 3, ["«#3 of #5»"]),
    ("maturity", NA, ["«Not applicable»"]),
    ("share", 12.5, ["«#12.5 «%»»"]),
    ("budget", 1250, ["«#1250 «USD m»»"]),
    ("notes", "Free text", ["Free text"]),
    ("adopted", "2024-05-09", ["day 9"]),
    ("adopted", "someday", ["someday"]),
]


@pytest.mark.parametrize(("question_id", "value", "parts"), CASES,
                         ids=[f"{case[0]}-{case[1]}" for case in CASES])
def test_answers_are_worded_through_the_localiser(question_id: str, value: object,
                                                  parts: list[str]) -> None:
    question = COMPLETE.question(question_id)
    description = question.strategy.describe(question, value)
    assert answer_parts(description, MARKED) == parts
    assert word_answer(description, MARKED) == "; ".join(parts)
    assert answer_text(question, value, MARKED) == "; ".join(parts)


def test_unanswered() -> None:
    for value in (None, []):
        assert answer_text(COMPLETE.question("channels"), value, MARKED) == "«Not answered»"


def test_the_plain_localiser_writes_for_machines() -> None:
    plain = Localiser()
    assert word_answer(Quantity(12.5, "%"), plain) == "12.5 %"
    assert plain.score(86.45) == "86.5" and plain.percent(2 / 3) == "67%"
    assert plain.date(dt.date(2024, 5, 9)) == "2024-05-09" and plain.number(3.0) == "3"


def test_code_labels() -> None:
    assert code_label("sector", "mining", MARKED) == "«Mining infrastructure»"
    assert code_label("country", "KZ", MARKED) == "land KZ"
    assert code_label("stage", "unknown-stage", MARKED) == "unknown-stage"
    assert code_label("region", None, MARKED) == ""
    with pytest.raises(KeyError):
        code_label("colour", "red", MARKED)
