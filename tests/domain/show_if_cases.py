"""The shared ``show_if`` cases (``tests/data/show_if_cases.json``) and how to read them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ppp_assess.domain.schema import (
    AllCondition,
    AnyCondition,
    CompareCondition,
    Condition,
    InCondition,
    NotInCondition,
    Operator,
)

CASES_FILE = Path(__file__).resolve().parents[1] / "data" / "show_if_cases.json"


def load_cases() -> list[dict[str, Any]]:
    """Return every case: name, condition, answers, visible, expected."""
    cases: list[dict[str, Any]] = json.loads(CASES_FILE.read_text(encoding="utf-8"))["cases"]
    return cases


def condition_of(data: dict[str, Any]) -> Condition:
    """Return the condition written as ``data`` (the questionnaire file's form)."""
    if "all" in data:
        return AllCondition(conditions=tuple(condition_of(part) for part in data["all"]))
    if "any" in data:
        return AnyCondition(conditions=tuple(condition_of(part) for part in data["any"]))
    if "in" in data:
        return InCondition(question=data["question"], values=tuple(data["in"]))
    if "not_in" in data:
        return NotInCondition(question=data["question"], values=tuple(data["not_in"]))
    operator = next(item for item in Operator if item.value in data)
    return CompareCondition(question=data["question"], operator=operator,
                            value=data[operator.value])
