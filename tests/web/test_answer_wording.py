"""How stored answers of every question type read: the same on the pages, for reviewers,
in PDFs and in exports."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from ppp_assess import presentation
from ppp_assess.domain import NA, QuestionType, load_questionnaire
from ppp_assess.domain.display import answer_text
from ppp_assess.domain.question_types import FreeText
from ppp_assess.services.exports import answer_cells

COMPLETE = load_questionnaire(Path(__file__).resolve().parents[2] / "tests" / "data"
                              / "complete.yaml")

#: question id, stored value, the answer in words (one part per selected option).
CASES = [
    ("policy", "partly", ["Partly"]),
    ("policy", "na", ["Not applicable"]),
    ("channels", ["web", "gazette"], ["Website", "Official gazette"]),
    ("maturity", 1, ["1 of 5 (Not at all)"]),
    ("maturity", 3, ["3 of 5"]),
    ("maturity", NA, ["Not applicable"]),
    ("share", 12.5, ["12.5 %"]),
    ("share", NA, ["Not applicable"]),
    ("budget", 1250, ["1,250 USD m"]),
    ("notes", "Free text", ["Free text"]),
    ("adopted", "2024-05-09", ["May 9, 2024"]),
    ("adopted", "someday", ["someday"]),
]


def test_the_cases_cover_every_question_type() -> None:
    assert {COMPLETE.question(case[0]).type for case in CASES} == set(QuestionType)


@pytest.mark.parametrize(("question_id", "value", "parts"), CASES,
                         ids=[f"{case[0]}-{case[1]}" for case in CASES])
def test_answers_read_the_same_everywhere(app: Flask, question_id: str, value: object,
                                          parts: list[str]) -> None:
    question = COMPLETE.question(question_id)
    words = "; ".join(parts)
    with app.test_request_context("/?lang=en"):
        localiser = presentation.localiser()
        # The assessment pages, and the review board (one line per selected option).
        assert presentation.answer_text(question, value) == words
        assert presentation.answer_parts(question, value) == parts
        # The report PDF: the certificates service words answers with the localiser.
        assert answer_text(question, value, localiser) == words
        # The export's label column, empty where the code says it all: free text, or a
        # stored value no longer readable as its type.
        code, label = answer_cells(question, value, localiser)
        shown_as_is = isinstance(question.strategy.describe(question, value), FreeText)
        assert label == (None if shown_as_is else words)
        assert code is not None


def test_unanswered(app: Flask) -> None:
    question = COMPLETE.question("channels")
    with app.test_request_context("/?lang=en"):
        assert presentation.answer_text(question, None) == "Not answered"
        assert presentation.answer_text(question, []) == "Not answered"
        assert presentation.answer_parts(question, None) == []
        assert presentation.answer_parts(question, []) == []
        assert answer_cells(question, None, presentation.localiser()) == (None, None)


def test_answers_are_worded_in_the_request_language(app: Flask) -> None:
    with app.test_request_context("/?lang=fr"):
        assert presentation.answer_text(COMPLETE.question("policy"), "na") == "Sans objet"
        assert presentation.answer_text(COMPLETE.question("budget"), 1250.5) == (
            "1\u202f250,5 USD m")
        assert presentation.answer_text(COMPLETE.question("adopted"), "2024-05-09") == (
            "9 mai 2024")
