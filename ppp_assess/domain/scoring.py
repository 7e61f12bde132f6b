"""Scoring an assessment: a pure function of a questionnaire and its answers.

The rules (also in ``docs/questionnaire-format.md``):

* A question's score is in [0, 1]. A choice scores its option's score; a multi-choice
  combines the selected options' scores by ``sum`` (capped at 1), ``mean`` or ``max``,
  and an empty selection scores 0; a scale maps ``min..max`` linearly onto 0..1; a
  number scores the first band whose ``min`` it reaches, 0 below every band. Text,
  date, numbers without bands and choices without scores are unscored. Each type's
  rule is its strategy's (:mod:`ppp_assess.domain.question_types`).
* A question is *applicable* when it is visible and not answered "not applicable".
  Hidden questions and not-applicable answers leave both numerator and denominator.
  An applicable scored question that is unanswered counts as 0.
* Section score = 100 x weighted mean of its applicable scored questions; a section
  with none (or with zero total weight) has no score and drops out.
* Overall = weighted mean of the section scores, by section weight.
* Level = the highest level whose ``min`` the overall score reaches. When an
  applicable critical question scores 0 (answered so, or unanswered, which counts as 0),
  the level is capped at the questionnaire's ``critical_cap``.
* Completion = answered applicable required questions / applicable required questions
  (1.0 when there are none).
* A section whose ``show_if`` is false hides all its questions: it has no score, no
  applicable or required questions, and does not count in completion.
* A context question (``scored: false``) is asked and stored but never scored.
* :func:`effective_weights` gives each scored question's share of the overall score
  when everything is shown, as the methodology publishes it.

Scores are exact floats; rounding is for display only.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .answers import AnswerValue, clean_answers
from .conditions import evaluate
from .question_types import Scorer, strategy_for
from .schema import Level, Question, Questionnaire

#: Float noise below this never costs a level: a score of 84.99999999999999 computed
#: for what is exactly 85 reaches a level whose minimum is 85.
LEVEL_TOLERANCE = 1e-9


@dataclass(frozen=True)
class QuestionScore:
    """How one question counted."""

    #: In [0, 1]; 0 for an unanswered applicable scored question; ``None`` when the
    #: question is unscored, hidden or answered "not applicable".
    score: float | None
    weight: float
    #: Visible and not answered "not applicable".
    applicable: bool
    #: Has a (visible) answer, "not applicable" included.
    answered: bool
    visible: bool


@dataclass(frozen=True)
class SectionScore:
    """How one section counted."""

    id: str
    #: 0-100, or ``None`` when nothing in the section is applicable and scored.
    score: float | None
    weight: float
    #: Applicable questions (of every type) that have an answer.
    answered: int
    #: Questions (of every type) that are visible and not answered "not applicable".
    applicable: int
    #: ``False`` when the section's ``show_if`` is false: it is not shown, not counted
    #: in progress and not scored.
    visible: bool = True


@dataclass(frozen=True)
class Gap:
    """A question that scored below full marks, and what full marks would add."""

    question_id: str
    section_id: str
    #: Points the overall score (0-100) would gain if this question scored 1.
    impact: float
    #: The question's ``action`` msgid, if it has one.
    action: str | None


@dataclass(frozen=True)
class ScoreReport:
    """The score of one set of answers."""

    #: 0-100, or ``None`` when no section has a score.
    overall: float | None
    #: The level after any critical cap.
    level: Level | None
    #: The level the overall score alone reaches.
    uncapped_level: Level | None
    #: Whether a critical question lowered the level.
    capped: bool
    #: Ids of the applicable critical questions at 0, unanswered ones included (document order),
    #: whether or not they lowered the level.
    cap_reasons: tuple[str, ...]
    sections: tuple[SectionScore, ...]
    #: Every question, in document order.
    questions: Mapping[str, QuestionScore]
    #: Answered applicable required questions / applicable required questions.
    completion: float
    #: Applicable required questions without an answer, in document order.
    missing_required: tuple[str, ...]
    #: Applicable scored questions below 1, largest impact first, then document order.
    gaps: tuple[Gap, ...]

    def to_dict(self) -> dict[str, Any]:
        """Return the report as JSON-serialisable data (levels by id)."""
        return {
            "overall": self.overall,
            "level": None if self.level is None else self.level.id,
            "uncapped_level": None if self.uncapped_level is None else self.uncapped_level.id,
            "capped": self.capped,
            "cap_reasons": list(self.cap_reasons),
            "sections": [
                {
                    "id": section.id,
                    "score": section.score,
                    "weight": section.weight,
                    "answered": section.answered,
                    "applicable": section.applicable,
                    "visible": section.visible,
                }
                for section in self.sections
            ],
            "questions": {
                question_id: {
                    "score": item.score,
                    "weight": item.weight,
                    "applicable": item.applicable,
                    "answered": item.answered,
                    "visible": item.visible,
                }
                for question_id, item in self.questions.items()
            },
            "completion": self.completion,
            "missing_required": list(self.missing_required),
            "gaps": [
                {
                    "question_id": gap.question_id,
                    "section_id": gap.section_id,
                    "impact": gap.impact,
                    "action": gap.action,
                }
                for gap in self.gaps
            ],
        }


# --------------------------------------------------------------------------- per-question rules


def question_score(question: Question, value: AnswerValue) -> float | None:
    """Return the score in [0, 1] of one valid answer, ``None`` if it does not score.

    :param question: the question.
    :param value: an answer accepted by :func:`~ppp_assess.domain.answers.validate_answer`.
    :return: the score, or ``None`` for an unscored question or a "not applicable" answer.
    """
    if not question.scored or question.is_not_applicable(value):
        return None
    return strategy_for(question.type).scorer(question)(value)


def effective_weights(questionnaire: Questionnaire) -> dict[str, float]:
    """Return each scored question's share of the overall score, the shares summing to 1.

    The share is the one the question has when every section and question is shown and
    applicable: its section's weight over the total weight of the sections that can
    score, times its own weight over the total weight of its section's scored questions.
    Unscored questions (context questions, text, dates, ...) are left out; a question of
    weight 0, or in a section of weight 0, has share 0. When nothing can score, every
    share is 0.

    :param questionnaire: the questionnaire.
    :return: question id -> share in [0, 1], scored questions only, in document order.
    """
    section_totals: list[float] = []
    for section in questionnaire.sections:
        section_totals.append(
            sum(question.weight for question in section.questions if question.scored)
        )
    overall_total = sum(
        section.weight
        for section, total in zip(questionnaire.sections, section_totals, strict=True)
        if total > 0
    )
    shares: dict[str, float] = {}
    for section, total in zip(questionnaire.sections, section_totals, strict=True):
        for question in section.questions:
            if not question.scored:
                continue
            if total > 0 and overall_total > 0:
                shares[question.id] = section.weight / overall_total * question.weight / total
            else:
                shares[question.id] = 0.0
    return shares


# --------------------------------------------------------------------------- precomputation


@dataclass(frozen=True)
class _QuestionPlan:
    question: Question
    section_index: int
    scorer: Scorer | None
    not_applicable: Callable[[object], bool]
    # The reports of the states that do not depend on the answer's value, built once.
    hidden: QuestionScore
    answered_na: QuestionScore
    unanswered: QuestionScore
    answered_unscored: QuestionScore


@dataclass(frozen=True)
class _Plan:
    questions: tuple[_QuestionPlan, ...]
    cap_rank: int


# Scoring runs on every autosave; the per-question rules are built once per questionnaire.
_PLANS: weakref.WeakKeyDictionary[Questionnaire, _Plan] = weakref.WeakKeyDictionary()


def _plan(questionnaire: Questionnaire) -> _Plan:
    plan = _PLANS.get(questionnaire)
    if plan is None:
        items: list[_QuestionPlan] = []
        for section_index, section in enumerate(questionnaire.sections):
            for question in section.questions:
                scored = question.scored
                weight = question.weight
                strategy = strategy_for(question.type)
                items.append(
                    _QuestionPlan(
                        question=question,
                        section_index=section_index,
                        scorer=strategy.scorer(question) if scored else None,
                        not_applicable=strategy.not_applicable_test(question),
                        hidden=QuestionScore(None, weight, False, False, False),
                        answered_na=QuestionScore(None, weight, False, True, True),
                        unanswered=QuestionScore(
                            0.0 if scored else None, weight, True, False, True
                        ),
                        answered_unscored=QuestionScore(None, weight, True, True, True),
                    )
                )
        cap_rank = [level.id for level in questionnaire.levels].index(questionnaire.critical_cap)
        plan = _Plan(tuple(items), cap_rank)
        _PLANS[questionnaire] = plan
    return plan


def _level_rank(levels: tuple[Level, ...], overall: float) -> int:
    for rank, level in enumerate(levels):
        if overall >= level.min - LEVEL_TOLERANCE:
            return rank
    return len(levels) - 1


# --------------------------------------------------------------------------- scoring


def _bounded(value: float) -> float:
    """Clamp a percentage to [0, 100]: a mean of 1.0s can come out as 100.00000000000001."""
    return min(100.0, max(0.0, value))


def score(questionnaire: Questionnaire, answers: Mapping[str, object], *,
          limits: Mapping[str, float] | None = None) -> ScoreReport:
    """Score a set of answers.

    Answers to unknown questions and values the questions do not accept are ignored
    (they count as unanswered); so are answers to hidden questions.

    :param questionnaire: the questionnaire answered.
    :param answers: question id -> answer value, as stored.
    :param limits: question id -> the most (0-1) its answer may count; the verified
        score (:mod:`ppp_assess.domain.verification`) holds unevidenced answers back so.
        A question limited to 0 and critical caps the level like an answer scoring 0.
    :return: the full report: overall score, level, sections, questions, gaps.
    """
    plan = _plan(questionnaire)
    accepted = clean_answers(questionnaire, answers)
    section_count = len(questionnaire.sections)
    numerators = [0.0] * section_count
    denominators = [0.0] * section_count
    answered_counts = [0] * section_count
    applicable_counts = [0] * section_count
    visible: set[str] = set()
    section_visible: list[bool] = [True] * section_count
    current_section = -1
    question_scores: dict[str, QuestionScore] = {}
    scored_items: list[tuple[_QuestionPlan, float]] = []
    cap_reasons: list[str] = []
    missing_required: list[str] = []
    required_total = 0

    for item in plan.questions:
        question = item.question
        question_id = question.id
        if item.section_index != current_section:
            current_section = item.section_index
            condition = questionnaire.sections[current_section].show_if
            section_visible[current_section] = condition is None or evaluate(
                condition, accepted, visible
            )
        if not section_visible[current_section] or (
            question.show_if is not None and not evaluate(question.show_if, accepted, visible)
        ):
            question_scores[question_id] = item.hidden
            continue
        visible.add(question_id)
        value = accepted.get(question_id)
        answered = value is not None
        if answered and item.not_applicable(value):
            question_scores[question_id] = item.answered_na
            continue
        section_index = item.section_index
        applicable_counts[section_index] += 1
        if answered:
            answered_counts[section_index] += 1
        if question.required:
            required_total += 1
            if not answered:
                missing_required.append(question_id)
        if item.scorer is None:
            question_scores[question_id] = item.answered_unscored if answered else item.unanswered
            continue
        weight = question.weight
        denominators[section_index] += weight
        if value is None:
            scored_items.append((item, 0.0))
            question_scores[question_id] = item.unanswered
            # Unanswered counts as 0 in the score, so it caps like a 0 answer: otherwise
            # answering a critical question could lower the level.
            if question.critical:
                cap_reasons.append(question_id)
            continue
        result = item.scorer(value)
        if limits is not None and question_id in limits:
            result = min(result, limits[question_id])
        numerators[section_index] += weight * result
        scored_items.append((item, result))
        if result == 0 and question.critical:
            cap_reasons.append(question_id)
        question_scores[question_id] = QuestionScore(result, weight, True, True, True)

    section_scores: list[SectionScore] = []
    weighted_total = 0.0
    weight_total = 0.0
    for index, section in enumerate(questionnaire.sections):
        section_score = (
            _bounded(100.0 * numerators[index] / denominators[index])
            if denominators[index] > 0
            else None
        )
        if section_score is not None:
            weighted_total += section.weight * section_score
            weight_total += section.weight
        section_scores.append(
            SectionScore(
                id=section.id,
                score=section_score,
                weight=section.weight,
                answered=answered_counts[index],
                applicable=applicable_counts[index],
                visible=section_visible[index],
            )
        )
    overall = _bounded(weighted_total / weight_total) if weight_total > 0 else None

    levels = questionnaire.levels
    level: Level | None = None
    uncapped: Level | None = None
    capped = False
    if overall is not None:
        rank = _level_rank(levels, overall)
        uncapped = levels[rank]
        if cap_reasons and rank < plan.cap_rank:
            rank = plan.cap_rank
            capped = True
        level = levels[rank]

    gaps: list[tuple[float, int, Gap]] = []
    for position, (item, result) in enumerate(scored_items):
        if result >= 1:
            continue
        section_index = item.section_index
        denominator = denominators[section_index]
        section_weight = questionnaire.sections[section_index].weight
        if overall is not None and denominator > 0 and section_weight > 0:
            impact = (
                100.0
                * (1.0 - result)
                * item.question.weight
                * section_weight
                / (denominator * weight_total)
            )
        else:
            impact = 0.0
        gap = Gap(
            question_id=item.question.id,
            section_id=questionnaire.sections[section_index].id,
            impact=impact,
            action=item.question.action,
        )
        gaps.append((-impact, position, gap))
    gaps.sort(key=lambda entry: entry[:2])

    completion = (
        (required_total - len(missing_required)) / required_total if required_total else 1.0
    )
    return ScoreReport(
        overall=overall,
        level=level,
        uncapped_level=uncapped,
        capped=capped,
        cap_reasons=tuple(cap_reasons),
        sections=tuple(section_scores),
        questions=question_scores,
        completion=completion,
        missing_required=tuple(missing_required),
        gaps=tuple(gap for _, _, gap in gaps),
    )
