"""The verified score: the self-declared score, counting only what evidence backs.

The rules (also in ``docs/questionnaire-format.md``):

* Only questions marked ``evidence: required`` are concerned; every other answer counts
  in the verified score exactly as in the self-declared one.
* Such an answer is *evidenced* when at least one document is attached to it that no
  reviewer has marked insufficient (a document not reviewed yet counts). Evidence links
  do not count: a link is not a frozen copy a reviewer can check.
* An unevidenced answer counts at most at the questionnaire's ``evidence_threshold``
  (0-1, default 0.5): an answer scoring above it is held back to it, one at or below it
  is unchanged.
* An unevidenced answer to a **critical** question counts as not met: 0, so it also
  caps the level like a critical answer scoring 0.
* Everything else (applicability, weights, sections, levels, gaps) follows the ordinary
  scoring rules of :mod:`ppp_assess.domain.scoring`. The self-declared score never
  changes because of evidence.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from .schema import Evidence, Questionnaire
from .scoring import ScoreReport, score


@dataclass(frozen=True)
class HeldBack:
    """An answer that counts for less in the verified score for want of evidence."""

    question_id: str
    section_id: str
    #: Its self-declared score, 0-1.
    declared: float
    #: What it counts in the verified score, 0-1.
    counted: float
    #: A critical question, treated as not met.
    critical: bool


@dataclass(frozen=True)
class VerifiedScore:
    """The verified score report and the answers it held back, in document order."""

    report: ScoreReport
    held_back: tuple[HeldBack, ...]

    @property
    def overall(self) -> float | None:
        """The verified overall score, 0-100."""
        return self.report.overall


def evidence_limits(questionnaire: Questionnaire, evidenced: Collection[str]) -> dict[str, float]:
    """Return the most each unevidenced ``evidence: required`` answer may count (0-1).

    :param questionnaire: the questionnaire answered.
    :param evidenced: ids of the questions that have a document not marked insufficient.
    :return: question id -> limit: 0 for critical questions, the threshold otherwise.
    """
    return {question_id: limit for question_id, limit in _limits_without_evidence(questionnaire)
            if question_id not in evidenced}


@functools.lru_cache(maxsize=64)
def _limits_without_evidence(questionnaire: Questionnaire) -> tuple[tuple[str, float], ...]:
    """Return each ``evidence: required`` question's limit while it lacks evidence, in
    document order (once per questionnaire: every autosave asks)."""
    threshold = questionnaire.evidence_threshold
    return tuple((question.id, 0.0 if question.critical else threshold)
                 for question in questionnaire.all_questions()
                 if question.evidence == Evidence.required)


def _above(declared: float | None, limit: float) -> bool:
    return declared is not None and declared > limit


def verified_score(questionnaire: Questionnaire, answers: Mapping[str, object],
                   evidenced: Collection[str], *,
                   declared: ScoreReport | None = None) -> VerifiedScore:
    """Score the answers counting only what evidence backs.

    :param questionnaire: the questionnaire answered.
    :param answers: question id -> answer value, as stored.
    :param evidenced: ids of the questions with at least one document no reviewer has
        marked insufficient.
    :param declared: the self-declared report of the same answers, if already computed
        (the verified one is then built from its tallies, not by scoring again).
    :return: the verified report and the answers held back.
    """
    limits = evidence_limits(questionnaire, evidenced)
    declared = declared if declared is not None else score(questionnaire, answers)
    if not any(_above(declared.questions[question_id].score, limit)
               for question_id, limit in limits.items()):
        # A limit only lowers an answer that scores above it: none does, nothing changes.
        return VerifiedScore(declared, ())
    report = declared.with_limits(limits)
    held_back = []
    for question_id in limits:
        before = declared.questions[question_id].score
        after = report.questions[question_id].score
        if before is not None and after is not None and after < before:
            held_back.append(HeldBack(
                question_id=question_id,
                section_id=questionnaire.section_of(question_id).id,
                declared=before, counted=after,
                critical=questionnaire.question(question_id).critical))
    return VerifiedScore(report, tuple(held_back))
