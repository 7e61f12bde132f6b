"""The live score's payload words texts and figures in the request's language."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask_babel import force_locale
from flask_babel import gettext as _

from ppp_assess.domain.loader import load_questionnaire
from ppp_assess.domain.scoring import score
from ppp_assess.domain.verification import verified_score
from ppp_assess.presentation import (
    data_text,
    level_label,
    percent_text,
    score_text,
    wording,
)
from ppp_assess.web.assessments.present import score_payload, verified_payload
from ppp_assess.web.locale import available_locales

ROOT = Path(__file__).resolve().parents[2]
PEOPLE_FIRST = ROOT / "questionnaires" / "people-first.yaml"


def test_the_payload_words_each_text_as_data_text_does_in_every_language(app: Flask) -> None:
    questionnaire = load_questionnaire(PEOPLE_FIRST)
    report = score(questionnaire, {})  # nothing answered: every question is a gap
    verified = verified_score(questionnaire, {}, frozenset(), declared=report)
    with app.test_request_context("/"):
        seen = {}
        for code in available_locales(app):
            with force_locale(code):
                payload = score_payload(questionnaire, report, gap_limit=None)
                verified_payload(questionnaire, verified)
                titles = [section["title"] for section in payload["sections"]]
                assert titles == [data_text(section.title)
                                  for section in questionnaire.sections]
                for gap in payload["gaps"]:
                    question = questionnaire.question(gap["question_id"])
                    assert gap["text"] == data_text(question.text)
                    assert gap["action"] == (data_text(question.action)
                                             if question.action else None)
                words = wording()
                for gap in payload["gaps"]:
                    assert gap["impact_label"] == _("up to %(points)s points",
                                                    points=score_text(gap["impact"]))
                for level in questionnaire.levels:
                    assert words.level(questionnaire, level.id) == level_label(
                        questionnaire, level.id)
                assert words.level(questionnaire, "no-such-level") == "no-such-level"
                assert words.level(questionnaire, None) is None
                reason = "Counted at %(share)s until a document backs it."
                assert words.text(reason, share="50 %") == _(reason, share="50 %")
                assert words.text("Not answered") == _("Not answered")
                assert words.data(None) == words.data("") == ""
                for section_score in report.sections:
                    assert words.score(section_score.score) == score_text(section_score.score)
                for value in (None, 0, -0.0, 0.05, 0.25, 1 / 3, 86.45, 100):
                    assert words.score(value) == score_text(value)
                    share = None if value is None else value / 100
                    assert words.percent(share) == percent_text(share)
                seen[code] = titles
    # The catalogs are the language's own: the titles differ from English's.
    assert all(seen[code] != seen["en"] for code in seen if code != "en")
