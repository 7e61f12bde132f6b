"""How stored answers of every question type read on the pages, for reviewers and in PDFs."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from ppp_assess.domain import NA, QuestionType, load_questionnaire
from ppp_assess.services.certificates.documents import DocumentLocale, _answer_label
from ppp_assess.web.assessments.present import describe_answer
from ppp_assess.web.review.display import answer_labels

COMPLETE = load_questionnaire(Path(__file__).resolve().parents[2] / "tests" / "data"
                              / "complete.yaml")

#: question id, stored value, on the assessment pages, for reviewers, in a PDF.
CASES = [
    ("policy", "partly", "Partly", ["Partly"], "«Partly»"),
    ("policy", "na", "Not applicable", ["Not applicable"], "«Not applicable»"),
    ("channels", ["web", "gazette"], "Website; Official gazette", ["Website", "Official gazette"],
     "«Website»; «Official gazette»"),
    ("maturity", 1, "1 of 5 (Not at all)", ["1 (Not at all)"],
     "«#1.0 on a scale from #1.0 to #5.0»"),
    ("maturity", 3, "3 of 5", ["3"], "«#3.0 on a scale from #1.0 to #5.0»"),
    ("maturity", NA, "Not applicable", ["Not applicable"], "«Not applicable»"),
    ("share", 12.5, "12.5 %", ["12.5 %"], "#12.5 «%»"),
    ("share", NA, "Not applicable", ["Not applicable"], "«Not applicable»"),
    ("budget", 1250, "1,250 USD m", ["1,250 USD m"], "#1250.0 «USD m»"),
    ("notes", "Free text", "Free text", ["Free text"], "Free text"),
    ("adopted", "2024-05-09", "May 9, 2024", ["May 9, 2024"], "day 9"),
    ("adopted", "someday", "someday", ["someday"], "someday"),
]


def test_the_cases_cover_every_question_type() -> None:
    assert {COMPLETE.question(case[0]).type for case in CASES} == set(QuestionType)


@pytest.mark.parametrize(("question_id", "value", "page", "review", "pdf"), CASES,
                         ids=[f"{case[0]}-{case[1]}" for case in CASES])
def test_answers_read_the_same_as_before(app: Flask, question_id: str, value: object,
                                         page: str, review: list[str], pdf: str) -> None:
    question = COMPLETE.question(question_id)
    with app.test_request_context("/?lang=en"):
        assert describe_answer(question, value) == page
        assert answer_labels(question, value) == review
    # The PDF translates with the document's own catalog; here every msgid is marked.
    locale = DocumentLocale(code="en", text_direction="ltr", translate=lambda text: f"«{text}»",
                            format_number=lambda number: f"#{number}",
                            format_date=lambda date: f"day {date.day}",
                            format_percent=lambda share: f"{share}%")
    assert _answer_label(question, value, locale) == pdf


def test_unanswered(app: Flask) -> None:
    question = COMPLETE.question("channels")
    with app.test_request_context("/?lang=en"):
        assert describe_answer(question, None) == "Not answered"
        assert describe_answer(question, []) == "Not answered"
        assert answer_labels(question, None) == []
        assert answer_labels(question, []) == []


def test_answers_are_worded_in_the_request_language(app: Flask) -> None:
    with app.test_request_context("/?lang=fr"):
        assert describe_answer(COMPLETE.question("policy"), "na") == "Sans objet"
        assert describe_answer(COMPLETE.question("budget"), 1250.5) == "1\u202f250,5 USD m"
        assert describe_answer(COMPLETE.question("adopted"), "2024-05-09") == "9 mai 2024"
