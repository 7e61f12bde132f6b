"""What the assessment pages and the API show: the live score and gaps, and conditions.

Values are formatted by :mod:`ppp_assess.presentation`, so the page, the API and the
script that refreshes the page from the API show the same numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask_babel import gettext as _

from ppp_assess.domain.conditions import referenced_questions
from ppp_assess.domain.messages import N_
from ppp_assess.domain.schema import Question, Questionnaire, Section
from ppp_assess.domain.scoring import ScoreReport
from ppp_assess.domain.verification import VerifiedScore
from ppp_assess.presentation import (
    Wording,
    level_label,
    number_text,
    percent_text,
    score_number,
    score_text,
    wording,
)

#: How many gaps the panel beside the questions lists.
GAP_LIMIT = 5


def section_status(section: Section, report: ScoreReport, *,
                   missing: frozenset[str] | None = None,
                   visible_section: bool | None = None) -> str:
    """Return "complete", "started" or "not_started" for a section's answers.

    A section whose condition makes it not apply is "hidden": it is not shown, never
    "not started".

    :param missing: ``report.missing_required`` as a set, for a caller asking for every
        section.
    :param visible_section: whether the section applies, when the caller holds its score.
    """
    if visible_section is None:
        visible_section = section_visible(section.id, report)
    if not visible_section:
        return "hidden"
    if missing is None:
        missing = frozenset(report.missing_required)
    visible = [q for q in section.questions if report.questions[q.id].visible]
    answered = [q for q in visible if report.questions[q.id].answered]
    if not any(question.id in missing for question in visible) and answered:
        return "complete"
    if not any(question.required for question in visible) and not answered:
        return "not_started"
    return "started" if answered else "not_started"


def section_visible(section_id: str, report: ScoreReport) -> bool:
    """Return whether a section applies under the answers that ``report`` scored."""
    return next((item.visible for item in report.sections if item.id == section_id), True)


def applicable_sections(questionnaire: Questionnaire, report: ScoreReport) -> list[Section]:
    """Return the sections that apply under the answers ``report`` scored, in order."""
    return [section for section in questionnaire.sections
            if section_visible(section.id, report)]


def score_payload(
    questionnaire: Questionnaire,
    report: ScoreReport,
    *,
    gap_limit: int | None = GAP_LIMIT,
    question_url: Callable[[str, str], str] | None = None,
    words: Wording | None = None,
) -> dict[str, Any]:
    """Return the live score as JSON-ready data, with translated labels.

    The pages render it beside the questions and the API returns it after every save,
    so the browser can refresh the panel with the same data. Scores and points are the
    rounded numbers that are shown (one decimal, half up); ``*_display`` and
    ``impact_label`` are the same numbers written in the request's language, which the
    script shows as they are.

    :param gap_limit: how many gaps to list (``None`` for all).
    :param question_url: section id, question id -> address of the question.
    :param words: the request's :class:`Wording`, when the caller has it already.
    """
    words = words or wording()
    missing = frozenset(report.missing_required)
    sections = []
    for section_score in report.sections:
        section = questionnaire.section(section_score.id)
        sections.append({
            "id": section.id,
            "title": words.data(section.title),
            "score": score_number(section_score.score),
            "display": words.score(section_score.score),
            "answered": section_score.answered,
            "applicable": section_score.applicable,
            "status": section_status(section, report, missing=missing,
                                     visible_section=section_score.visible),
        })
    gaps = []
    for gap in report.top_gaps(gap_limit):
        question = questionnaire.question(gap.question_id)
        gaps.append({
            "question_id": gap.question_id,
            "section_id": gap.section_id,
            "text": words.data(question.text),
            "action": words.data(gap.action) if gap.action else None,
            "impact": score_number(gap.impact),
            "impact_label": words.text(N_("up to %(points)s points"),
                                       points=words.score(gap.impact)),
            "url": question_url(gap.section_id, gap.question_id) if question_url else None,
        })
    return {
        "overall": score_number(report.overall),
        "overall_display": words.score(report.overall),
        "level": report.level.id if report.level else None,
        "level_label": words.level(questionnaire, report.level.id) if report.level else None,
        "capped": report.capped,
        "completion": report.completion,
        "completion_display": words.percent(report.completion),
        "missing_required": list(report.missing_required),
        "sections": sections,
        "gaps": gaps,
    }


def verified_payload(
    questionnaire: Questionnaire,
    verified: VerifiedScore,
    *,
    question_url: Callable[[str, str], str] | None = None,
    words: Wording | None = None,
) -> dict[str, Any]:
    """Return the verified score beside the self-declared one, as JSON-ready data.

    ``held_back`` lists the answers that count for less for want of evidence, in
    document order, with what each counts (0-1, and the points it loses overall).
    """
    report = verified.report
    words = words or wording()
    held_back = []
    for item in verified.held_back:
        question = questionnaire.question(item.question_id)
        held_back.append({
            "question_id": item.question_id,
            "section_id": item.section_id,
            "text": words.data(question.text),
            "declared": item.declared,
            "counted": item.counted,
            "critical": item.critical,
            "reason": (words.text(N_("Critical question without evidence: counted as not "
                                     "met."))
                       if item.critical else
                       words.text(N_("Counted at %(share)s until a document backs it."),
                                  share=words.percent(item.counted))),
            "url": question_url(item.section_id, item.question_id) if question_url else None,
        })
    return {
        "overall": score_number(report.overall),
        "overall_display": words.score(report.overall),
        "level": report.level.id if report.level else None,
        "level_label": words.level(questionnaire, report.level.id) if report.level else None,
        "capped": report.capped,
        "held_back": held_back,
    }


def condition_data(question: Question) -> dict[str, Any] | None:
    """Return a question's ``show_if`` as the data the browser evaluates."""
    return question.show_if.to_dict() if question.show_if is not None else None


def condition_context(section: Section, values: Mapping[str, Any],
                      report: ScoreReport) -> dict[str, Any]:
    """Return the answers outside ``section`` that its conditions read.

    Only visible answers are given: an answer to a hidden question counts as absent.
    """
    inside = {question.id for question in section.questions}
    context: dict[str, Any] = {}
    for question in section.questions:
        if question.show_if is None:
            continue
        for question_id in referenced_questions(question.show_if):
            if question_id in inside or question_id in context:
                continue
            if report.questions[question_id].visible and question_id in values:
                context[question_id] = values[question_id]
    return context


def score_explanation(
    questionnaire: Questionnaire,
    report: ScoreReport,
    *,
    question_url: Callable[[str, str], str] | None = None,
) -> dict[str, Any]:
    """Return how ``report`` was computed, for people: the same rules the scoring follows.

    Sections with their weight and share of the overall score, the points each answer of
    the shared answer sets gives, the levels' thresholds, the critical questions and the
    cap they applied (or would apply), all in the request's language.
    """
    scored_weight = sum(section.weight for section in report.sections
                        if section.score is not None)
    sections = []
    for number, section_score in enumerate(report.sections, start=1):
        section = questionnaire.section(section_score.id)
        counts = section_score.score is not None and scored_weight > 0
        sections.append({
            "id": section.id,
            "number": number,
            "title": _(section.title),
            "weight": number_text(section.weight),
            "share": percent_text(section.weight / scored_weight) if counts else "–",
            "score": score_number(section_score.score),
            "display": score_text(section_score.score),
            "answered": section_score.answered,
            "applicable": section_score.applicable,
        })
    answer_sets = [{
        "options": [{"label": _(option.label), "points": score_text(100 * option.score)}
                    for option in options if option.score is not None],
    } for options in questionnaire.answer_sets.values()
        if any(option.score is not None for option in options)]
    levels = [{"label": _(level.label), "minimum": score_text(level.min),
               "reached": report.level is not None and level.id == report.level.id}
              for level in questionnaire.levels]
    at_zero = set(report.cap_reasons)
    critical = []
    for question in questionnaire.all_questions():
        if not question.critical:
            continue
        counted = report.questions[question.id]
        section = questionnaire.section_of(question.id)
        critical.append({
            "number": questionnaire.number(question.id),
            "text": _(question.text),
            "url": question_url(section.id, question.id) if question_url else None,
            "applicable": counted.applicable,
            "score": percent_text(counted.score) if counted.score is not None else "–",
            "at_zero": question.id in at_zero,
        })
    return {
        "overall": score_text(report.overall),
        "level": level_label(questionnaire, report.level.id) if report.level else None,
        "uncapped_level": (level_label(questionnaire, report.uncapped_level.id)
                           if report.uncapped_level else None),
        "capped": report.capped,
        "cap_level": _(questionnaire.cap_level.label),
        "cap_questions": [item for item in critical if item["at_zero"]],
        "sections": sections,
        "answer_sets": answer_sets,
        "levels": levels,
        "critical": critical,
        "completion": percent_text(report.completion),
    }
