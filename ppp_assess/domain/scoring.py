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

import heapq
import weakref
from collections.abc import Callable, Container, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, TypeVar

from .answers import AnswerValue
from .conditions import compile_condition, referenced_questions
from .question_types import AnswerError, Scorer, strategy_for
from .question_types.base import never
from .schema import Level, Question, Questionnaire, QuestionType

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
    #: Builds the gaps when first asked for (all of them, or the first ``n``): most
    #: callers (listings) never look at them, and the autosave's panel shows a few.
    _gaps: Callable[[int | None], tuple[Gap, ...]] = field(repr=False, compare=False)
    #: Builds :meth:`with_limits`'s report from the tallies of this one (``None`` when
    #: no answer is above its limit: a closure holding the report itself would make each
    #: report a reference cycle, left to the garbage collector).
    _limited: Callable[[Mapping[str, float]], ScoreReport | None] = field(repr=False,
                                                                          compare=False)

    @cached_property
    def gaps(self) -> tuple[Gap, ...]:
        """Applicable scored questions below 1, largest impact first, then document order."""
        return self._gaps(None)

    def top_gaps(self, limit: int | None) -> tuple[Gap, ...]:
        """Return the first ``limit`` gaps (all for ``None``, none below 1), building only
        the gaps returned."""
        if limit is None:
            return self.gaps
        limit = max(limit, 0)
        if "gaps" in self.__dict__:
            return self.gaps[:limit]
        return self._gaps(limit)

    def with_limits(self, limits: Mapping[str, float]) -> ScoreReport:
        """Return the report of the same answers with each answer to a question in
        ``limits`` counting at most its limit (0-1), as ``score(..., limits=limits)``.

        Limits change no answer's visibility or applicability, only what scored answers
        count, so the report is built from this one's tallies without going over the
        answers again (the verified score beside every autosave's declared one). With no
        answer above its limit, it is this report.
        """
        return self._limited(limits) or self

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


#: How many reports of scored answers a question keeps (scores recur: a choice has a
#: few options, a scale a few points).
_ANSWERED_REPORTS = 32

#: What a cleaner returns for a value its question does not accept.
_REJECTED = object()


def _cleaner(question: Question) -> Callable[[object], object]:
    """Return ``function(value)`` giving the normalised answer, or ``_REJECTED``.

    The same rules as :func:`~ppp_assess.domain.answers.validate_answer`; a choice, the
    commonest type, is checked against a set of its option values without raising.
    """
    if question.type is QuestionType.choice:
        values = frozenset(option.value for option in question.options)

        def clean_choice(value: object) -> object:
            return value if isinstance(value, str) and value in values else _REJECTED

        return clean_choice
    validate = strategy_for(question.type).validate

    def clean(value: object) -> object:
        try:
            return validate(question, value)
        except AnswerError:
            return _REJECTED

    return clean


@dataclass(frozen=True)
class _QuestionPlan:
    question: Question
    id: str
    #: The question's place in the questionnaire (document order).
    position: int
    section_index: int
    weight: float
    required: bool
    critical: bool
    clean: Callable[[object], object]
    #: A choice's option values, checked in the loop without a call; ``None`` otherwise.
    choice_values: frozenset[str] | None
    condition: Callable[[Mapping[str, object], Container[str]], bool] | None
    scorer: Scorer | None
    #: A choice's option value -> score, so the commonest type is scored by one lookup.
    choice_scores: Mapping[str, float | None] | None
    not_applicable: Callable[[object], bool]
    # The reports of the states that do not depend on the answer's value, built once.
    hidden: QuestionScore
    answered_na: QuestionScore
    unanswered: QuestionScore
    answered_unscored: QuestionScore
    #: The reports of scored answers, by score: few distinct scores recur.
    answered: dict[float, QuestionScore]


@dataclass(frozen=True)
class _Plan:
    questions: tuple[_QuestionPlan, ...]
    #: The same as plain tuples, unpacked in the loop: attribute lookups cost more.
    rows: tuple[tuple[Any, ...], ...]
    cap_rank: int
    section_conditions: tuple[Callable[[Mapping[str, object], Container[str]], bool] | None, ...]
    by_id: Mapping[str, _QuestionPlan]
    #: Each section's questions, in document order.
    section_items: tuple[tuple[_QuestionPlan, ...], ...]


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
                choice_scores = (
                    {option.value: option.score for option in question.options}
                    if scored and question.type is QuestionType.choice
                    else None
                )
                items.append(
                    _QuestionPlan(
                        question=question,
                        id=question.id,
                        position=len(items),
                        section_index=section_index,
                        weight=weight,
                        required=question.required,
                        critical=question.critical,
                        clean=_cleaner(question),
                        choice_values=(
                            frozenset(option.value for option in question.options)
                            if question.type is QuestionType.choice else None
                        ),
                        condition=(
                            None if question.show_if is None
                            else compile_condition(question.show_if)
                        ),
                        scorer=strategy.scorer(question) if scored else None,
                        choice_scores=choice_scores,
                        not_applicable=strategy.not_applicable_test(question),
                        hidden=QuestionScore(None, weight, False, False, False),
                        answered_na=QuestionScore(None, weight, False, True, True),
                        unanswered=QuestionScore(
                            0.0 if scored else None, weight, True, False, True
                        ),
                        answered_unscored=QuestionScore(None, weight, True, True, True),
                        answered={},
                    )
                )
        cap_rank = [level.id for level in questionnaire.levels].index(questionnaire.critical_cap)
        section_conditions = tuple(
            None if section.show_if is None else compile_condition(section.show_if)
            for section in questionnaire.sections
        )
        # Only the answers and visibility of questions some condition reads are kept
        # for the conditions (a set and a dict written for every question cost a score
        # a few per cent).
        conditions = [question.show_if for question in questionnaire.all_questions()]
        conditions += [section.show_if for section in questionnaire.sections]
        read = {question_id for condition in conditions if condition is not None
                for question_id in referenced_questions(condition)}
        rows = tuple(
            (
                item, item.id, item.id in read, item.section_index, item.weight,
                item.required, item.critical,
                item.choice_values, item.clean, item.condition,
                None if item.not_applicable is never else item.not_applicable,
                item.scorer, item.choice_scores, item.hidden, item.answered_na,
                item.unanswered, item.answered_unscored, item.answered,
            )
            for item in items
        )
        plan = _Plan(tuple(items), rows, cap_rank, section_conditions,
                     {item.id: item for item in items},
                     tuple(tuple(item for item in items if item.section_index == index)
                           for index in range(len(questionnaire.sections))))
        _PLANS[questionnaire] = plan
    return plan


def _level_rank(levels: tuple[Level, ...], overall: float) -> int:
    for rank, level in enumerate(levels):
        if overall >= level.min - LEVEL_TOLERANCE:
            return rank
    return len(levels) - 1


# --------------------------------------------------------------------------- scoring


_T = TypeVar("_T")


def _built(cls: type[_T], **values: object) -> _T:
    """Build a frozen report dataclass from every one of its fields, without its __init__.

    A frozen dataclass's __init__ sets each field through ``object.__setattr__``, which
    costs a scoring about a sixth of its time; the instance is the same (equal, hashable,
    still frozen against later changes).
    """
    instance = object.__new__(cls)
    instance.__dict__.update(values)
    return instance


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
    # Answers are cleaned in document order as the loop reaches them: a condition
    # refers only to earlier questions, so it sees every answer it can depend on.
    accepted: dict[str, object] = {}
    section_count = len(questionnaire.sections)
    numerators = [0.0] * section_count
    denominators = [0.0] * section_count
    answered_counts = [0] * section_count
    applicable_counts = [0] * section_count
    visible: set[str] = set()
    section_visible: list[bool] = [True] * section_count
    section_conditions = plan.section_conditions
    current_section = -1
    shown = True
    question_scores: dict[str, QuestionScore] = {}
    scored_items: list[tuple[_QuestionPlan, float]] = []
    cap_reasons: list[str] = []
    missing_required: list[str] = []
    required_total = 0
    rejected = _REJECTED

    for (item, question_id, read, section_index, weight, required, critical, choice_values,
         clean, condition, not_applicable, scorer, choice_scores, hidden, answered_na,
         unanswered, answered_unscored, answered_reports) in plan.rows:
        value: Any = answers.get(question_id)
        if value is not None:
            if choice_values is not None:
                if not (isinstance(value, str) and value in choice_values):
                    value = None
            else:
                value = clean(value)
                if value is rejected:
                    value = None
            if value is not None and read:
                accepted[question_id] = value
        if section_index != current_section:
            current_section = section_index
            section_condition = section_conditions[section_index]
            shown = section_condition is None or section_condition(accepted, visible)
            section_visible[section_index] = shown
        if not shown or (condition is not None and not condition(accepted, visible)):
            question_scores[question_id] = hidden
            continue
        if read:
            visible.add(question_id)
        if value is not None and not_applicable is not None and not_applicable(value):
            question_scores[question_id] = answered_na
            continue
        applicable_counts[section_index] += 1
        if value is not None:
            answered_counts[section_index] += 1
        elif required:
            missing_required.append(question_id)
        if required:
            required_total += 1
        if scorer is None:
            question_scores[question_id] = unanswered if value is None else answered_unscored
            continue
        denominators[section_index] += weight
        if value is None:
            scored_items.append((item, 0.0))
            question_scores[question_id] = unanswered
            # Unanswered counts as 0 in the score, so it caps like a 0 answer: otherwise
            # answering a critical question could lower the level.
            if critical:
                cap_reasons.append(question_id)
            continue
        result: float = choice_scores[value] if choice_scores is not None else scorer(value)
        numerators[section_index] += weight * result
        if result < 1:
            scored_items.append((item, result))
        if result == 0 and critical:
            cap_reasons.append(question_id)
        counted = answered_reports.get(result)  # the common case, without a call
        question_scores[question_id] = counted if counted is not None \
            else _answered_report(item, result)

    tally = _built(_Tally, denominators=denominators, answered_counts=answered_counts,
                   applicable_counts=applicable_counts, section_visible=section_visible,
                   required_total=required_total, missing_required=tuple(missing_required))
    report = _report(questionnaire, plan, tally, numerators, scored_items, cap_reasons,
                     question_scores)
    return report.with_limits(limits) if limits else report


def _answered_report(item: _QuestionPlan, result: float) -> QuestionScore:
    """Return the report of an answer to ``item`` scoring ``result`` (kept for reuse)."""
    reports = item.answered
    report = reports.get(result)
    if report is None:
        report = QuestionScore(result, item.weight, True, True, True)
        if len(reports) < _ANSWERED_REPORTS:
            reports[result] = report
    return report


@dataclass(frozen=True)
class _Tally:
    """What one pass over the answers counted that limits on scores do not change."""

    denominators: list[float]
    answered_counts: list[int]
    applicable_counts: list[int]
    section_visible: list[bool]
    required_total: int
    missing_required: tuple[str, ...]


def _report(questionnaire: Questionnaire, plan: _Plan, tally: _Tally, numerators: list[float],
            scored_items: list[tuple[_QuestionPlan, float]], cap_reasons: list[str],
            question_scores: dict[str, QuestionScore]) -> ScoreReport:
    """Build the report from one pass's tallies and what each scored answer counted.

    :param scored_items: the applicable scored questions counting below 1, with what
        each counts, in document order.
    :param cap_reasons: the applicable critical questions counting 0, in document order.
    """
    denominators = tally.denominators
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
            _built(
                SectionScore,
                id=section.id,
                score=section_score,
                weight=section.weight,
                answered=tally.answered_counts[index],
                applicable=tally.applicable_counts[index],
                visible=tally.section_visible[index],
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

    sections = questionnaire.sections

    def gaps(limit: int | None) -> tuple[Gap, ...]:
        # Ranked by (-impact, position): positions are unique, so the items themselves
        # are never compared, and a Gap is built only for what is returned.
        ranked: list[tuple[float, int, _QuestionPlan]] = []
        for position, (item, result) in enumerate(scored_items):
            section_index = item.section_index
            denominator = denominators[section_index]
            section_weight = sections[section_index].weight
            if overall is not None and denominator > 0 and section_weight > 0:
                impact = (
                    100.0
                    * (1.0 - result)
                    * item.weight
                    * section_weight
                    / (denominator * weight_total)
                )
            else:
                impact = 0.0
            ranked.append((-impact, position, item))
        chosen = sorted(ranked) if limit is None else heapq.nsmallest(limit, ranked)
        return tuple(
            _built(
                Gap,
                question_id=item.id,
                section_id=sections[item.section_index].id,
                impact=-negative_impact,
                action=item.question.action,
            )
            for negative_impact, _position, item in chosen
        )

    def limited(limits: Mapping[str, float]) -> ScoreReport | None:
        # The answers that count for less: those scoring above their limit.
        held: list[tuple[_QuestionPlan, float, float]] = []
        for question_id, limit in limits.items():
            counted = question_scores.get(question_id)
            if counted is not None and counted.score is not None and counted.score > limit:
                held.append((plan.by_id[question_id], counted.score, limit))
        if not held:
            return None
        new_scores = dict(question_scores)
        lowered = {item.id: limit for item, _result, limit in held}
        new_items = [(item, lowered.pop(item.id, result)) for item, result in scored_items]
        new_caps = list(cap_reasons)
        joined = capping = False
        for item, _result, limit in held:
            new_scores[item.id] = _answered_report(item, limit)
            if item.id in lowered:  # it counted 1: now below, it joins the gaps
                new_items.append((item, limit))
                joined = True
            if limit == 0 and item.critical:
                new_caps.append(item.id)
                capping = True
        # A section's sum again in document order, as the pass adds it (the same float).
        new_numerators = list(numerators)
        for section_index in {item.section_index for item, _result, _limit in held}:
            total = 0.0
            for item in plan.section_items[section_index]:
                counted = new_scores[item.id]
                if counted.applicable and counted.score is not None:
                    total += item.weight * counted.score
            new_numerators[section_index] = total
        by_id = plan.by_id
        if joined:
            new_items.sort(key=lambda pair: pair[0].position)
        if capping:
            new_caps.sort(key=lambda question_id: by_id[question_id].position)
        return _report(questionnaire, plan, tally, new_numerators, new_items, new_caps,
                       new_scores)

    completion = (
        (tally.required_total - len(tally.missing_required)) / tally.required_total
        if tally.required_total else 1.0
    )
    return _built(
        ScoreReport,
        overall=overall,
        level=level,
        uncapped_level=uncapped,
        capped=capped,
        cap_reasons=tuple(cap_reasons),
        sections=tuple(section_scores),
        questions=question_scores,
        completion=completion,
        missing_required=tally.missing_required,
        _gaps=gaps,
        _limited=limited,
    )
