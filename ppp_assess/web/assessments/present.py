"""What the assessment pages and the API show: answers, scores and gaps, translated."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, assert_never

from flask_babel import format_date, format_decimal, format_percent
from flask_babel import gettext as _

from ppp_assess.domain.conditions import referenced_questions
from ppp_assess.domain.question_types import (
    AnswerDescription,
    CalendarDate,
    ChosenOptions,
    FreeText,
    NotApplicable,
    Quantity,
    ScalePoint,
)
from ppp_assess.domain.schema import Question, Questionnaire, Section
from ppp_assess.domain.scoring import ScoreReport
from ppp_assess.domain.workflow import STATUS_LABELS, Status

#: How many gaps the panel beside the questions lists.
GAP_LIMIT = 5


def questionnaire_text(msgid: str | None) -> str:
    """Return a questionnaire text (a msgid from the file) in the request's language.

    Unlike ``_()`` in templates, this never applies %-formatting, so texts such as "%" or
    "50 % of" come out as written.
    """
    return _(msgid) if msgid else ""


def status_label(status: Status) -> str:
    """Return the translated label of a status."""
    return _(STATUS_LABELS[status])


def level_label(questionnaire: Questionnaire, level_id: str | None) -> str | None:
    """Return the translated label of a level of ``questionnaire``, if it has that level."""
    if level_id is None:
        return None
    try:
        return _(questionnaire.level(level_id).label)
    except KeyError:
        return level_id


def format_score(score: float | None) -> str:
    """Return a 0-100 score for display, rounded to a whole number; a dash for none."""
    if score is None:
        return "–"
    return str(format_decimal(round(score), format="#,##0"))


def format_share(share: float) -> str:
    """Return a 0-1 share as a whole percentage."""
    return str(format_percent(share, format="#,##0%"))


def describe_answer(question: Question, value: Any) -> str:
    """Return an answer as the user reads it, in the request's language."""
    if value is None or value == []:
        return _("Not answered")
    return _word(question.strategy.describe(question, value))


def _word(description: AnswerDescription) -> str:
    match description:
        case NotApplicable():
            return _("Not applicable")
        case ChosenOptions(options=options):
            return "; ".join(_(option.label) if option.label else option.value
                             for option in options)
        case ScalePoint(value=value, maximum=maximum, end_label=end):
            if not isinstance(value, int):
                return str(value)
            if end:
                return _("%(number)s of %(max)s (%(label)s)", number=value, max=maximum,
                         label=_(end))
            return _("%(number)s of %(max)s", number=value, max=maximum)
        case Quantity(value=value, unit=unit):
            number = str(format_decimal(value))
            if not unit:
                return number
            return _("%(number)s %(unit)s", number=number, unit=_(unit))
        case CalendarDate(date=date):
            return str(format_date(date, format="long"))
        case FreeText(text=text):
            return text
    assert_never(description)


def section_status(section: Section, report: ScoreReport) -> str:
    """Return "complete", "started" or "not_started" for a section's answers."""
    missing = set(report.missing_required)
    visible = [q for q in section.questions if report.questions[q.id].visible]
    answered = [q for q in visible if report.questions[q.id].answered]
    if not any(question.id in missing for question in visible) and answered:
        return "complete"
    if not any(question.required for question in visible) and not answered:
        return "not_started"
    return "started" if answered else "not_started"


def score_payload(
    questionnaire: Questionnaire,
    report: ScoreReport,
    *,
    gap_limit: int | None = GAP_LIMIT,
    question_url: Callable[[str, str], str] | None = None,
) -> dict[str, Any]:
    """Return the live score as JSON-ready data, with translated labels.

    The pages render it beside the questions and the API returns it after every save,
    so the browser can refresh the panel with the same data.

    :param gap_limit: how many gaps to list (``None`` for all).
    :param question_url: section id, question id -> address of the question.
    """
    sections = []
    for section_score in report.sections:
        section = questionnaire.section(section_score.id)
        sections.append({
            "id": section.id,
            "title": _(section.title),
            "score": section_score.score,
            "display": format_score(section_score.score),
            "answered": section_score.answered,
            "applicable": section_score.applicable,
            "status": section_status(section, report),
        })
    gaps = []
    for gap in report.gaps[:gap_limit] if gap_limit is not None else report.gaps:
        question = questionnaire.question(gap.question_id)
        gaps.append({
            "question_id": gap.question_id,
            "section_id": gap.section_id,
            "text": _(question.text),
            "action": _(gap.action) if gap.action else None,
            "impact": gap.impact,
            "impact_label": _("up to %(points)s points",
                              points=format_decimal(round(gap.impact, 1), format="#,##0.0")),
            "url": question_url(gap.section_id, gap.question_id) if question_url else None,
        })
    return {
        "overall": report.overall,
        "overall_display": format_score(report.overall),
        "level": report.level.id if report.level else None,
        "level_label": level_label(questionnaire, report.level.id) if report.level else None,
        "capped": report.capped,
        "completion": report.completion,
        "completion_display": format_share(report.completion),
        "missing_required": list(report.missing_required),
        "sections": sections,
        "gaps": gaps,
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
