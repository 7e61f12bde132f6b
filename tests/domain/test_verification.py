"""Golden cases for the verified score, worked by hand on tests/data/scoring-evidence.yaml.

Threshold 0.4. Sections: law (weight 1: e1 weight 2, e2 weight 1), practice (weight 3:
c1 critical, s1 scale 0-4, weight 1 each). Levels: top >= 80, mid >= 40; cap: mid.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ppp_assess.domain import load_questionnaire, score
from ppp_assess.domain.schema import DEFAULT_EVIDENCE_THRESHOLD
from ppp_assess.domain.verification import HeldBack, evidence_limits, verified_score

DATA = Path(__file__).resolve().parents[1] / "data"
ALL_YES = {"e1": "yes", "e2": "yes", "c1": "yes", "s1": 4}


@pytest.fixture(scope="module")
def questionnaire():
    return load_questionnaire(DATA / "scoring-evidence.yaml")


def exact(value: float) -> object:
    return pytest.approx(value, rel=1e-12, abs=1e-12)


def test_fully_evidenced_answers_count_as_declared(questionnaire) -> None:
    result = verified_score(questionnaire, ALL_YES, {"e1", "c1", "s1"})
    assert result.overall == exact(100.0)
    assert result.held_back == ()
    assert result.report.level.id == "top"


def test_nothing_evidenced_holds_back_to_the_threshold_and_fails_the_critical_item(
        questionnaire) -> None:
    declared = score(questionnaire, ALL_YES)
    result = verified_score(questionnaire, ALL_YES, set(), declared=declared)
    # law: (2 x 0.4 + 1 x 1) / 3 = 0.6 -> 60
    # practice: c1 critical without evidence -> 0; s1 -> 0.4: (0 + 0.4) / 2 -> 20
    # overall: (1 x 60 + 3 x 20) / 4 = 30 -> low (and c1 at 0 would cap at mid anyway)
    assert [s.score for s in result.report.sections] == [exact(60.0), exact(20.0)]
    assert result.overall == exact(30.0)
    assert result.report.level.id == "low"
    assert result.report.cap_reasons == ("c1",)
    assert result.held_back == (
        HeldBack("e1", "law", 1.0, 0.4, False),
        HeldBack("c1", "practice", 1.0, 0.0, True),
        HeldBack("s1", "practice", 1.0, 0.4, False),
    )
    # The self-declared score is untouched.
    assert declared.overall == exact(100.0)
    assert declared.level.id == "top"


def test_a_critical_item_without_evidence_caps_the_level(questionnaire) -> None:
    # Everything evidenced but c1: law 100, practice (0 + 1) / 2 = 50,
    # overall (100 + 150) / 4 = 62.5 -> mid; the cap (mid) is at that level already.
    result = verified_score(questionnaire, ALL_YES, {"e1", "s1"})
    assert result.overall == exact(62.5)
    assert result.report.capped is False and result.report.cap_reasons == ("c1",)
    assert [item.question_id for item in result.held_back] == ["c1"]
    # Once c1 is evidenced too, nothing is held back and the top level is reached.
    assert verified_score(questionnaire, ALL_YES, {"e1", "s1", "c1"}).report.level.id == "top"


def test_answers_at_or_below_the_threshold_are_not_held_back(questionnaire) -> None:
    answers = {"e1": "weak", "e2": "no", "c1": "no", "s1": 1}
    declared = score(questionnaire, answers)
    result = verified_score(questionnaire, answers, set(), declared=declared)
    # e1 0.25 <= 0.4, s1 0.25 <= 0.4, c1 already 0: nothing changes.
    assert result.held_back == ()
    assert result.overall == exact(declared.overall)


def test_a_partial_answer_above_the_threshold_counts_at_the_threshold(questionnaire) -> None:
    answers = {"e1": "partly", "e2": "partly", "c1": "yes", "s1": 2}
    result = verified_score(questionnaire, answers, {"c1"})
    # law: (2 x 0.4 + 0.5) / 3 = 1.3 / 3 -> 43.33; practice: (1 + 0.4) / 2 -> 70
    # overall: (43.333 + 210) / 4 = 63.333
    assert result.overall == exact((100 * 1.3 / 3 + 3 * 70.0) / 4)
    assert [(h.question_id, h.declared, h.counted) for h in result.held_back] == [
        ("e1", 0.5, 0.4), ("s1", 0.5, 0.4)]


def test_not_applicable_and_unanswered_are_left_as_they_are(questionnaire) -> None:
    answers = {"e1": "na", "e2": "yes"}
    declared = score(questionnaire, answers)
    result = verified_score(questionnaire, answers, set(), declared=declared)
    assert result.held_back == ()
    assert result.overall == exact(declared.overall)


def test_limits_name_only_unevidenced_required_questions(questionnaire) -> None:
    assert evidence_limits(questionnaire, {"s1"}) == {"e1": 0.4, "c1": 0.0}


def test_the_threshold_defaults_to_half_marks_and_keeps_old_hashes(questionnaire) -> None:
    text = (DATA / "scoring-evidence.yaml").read_text(encoding="utf-8")
    default = load_questionnaire(text.replace("  evidence_threshold: 0.4\n", ""))
    spelled = load_questionnaire(text.replace("evidence_threshold: 0.4",
                                              "evidence_threshold: 0.5"))
    assert default.evidence_threshold == DEFAULT_EVIDENCE_THRESHOLD == 0.5
    assert "evidence_threshold" not in default.to_dict()["scoring"]
    assert default.content_hash == spelled.content_hash
    assert questionnaire.to_dict()["scoring"]["evidence_threshold"] == 0.4


def test_the_threshold_must_lie_between_0_and_1() -> None:
    from ppp_assess.domain import QuestionnaireError

    text = (DATA / "scoring-evidence.yaml").read_text(encoding="utf-8")
    with pytest.raises(QuestionnaireError):
        load_questionnaire(text.replace("evidence_threshold: 0.4", "evidence_threshold: 1.5"))
