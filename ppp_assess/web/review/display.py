"""Showing answers, scores and lifecycle errors to the review board, in the user's language."""

from __future__ import annotations

from typing import Any, assert_never
from urllib.parse import urlsplit

from babel.units import format_unit
from flask_babel import format_date, format_decimal, get_locale
from flask_babel import gettext as _

from ppp_assess.domain.question_types import (
    CalendarDate,
    ChosenOptions,
    FreeText,
    NotApplicable,
    Quantity,
    ScalePoint,
)
from ppp_assess.domain.reference import SECTORS
from ppp_assess.domain.schema import Question
from ppp_assess.domain.workflow import STATUS_LABELS, Status


def answer_labels(question: Question, value: Any) -> list[str]:
    """Return an answer as the respondent saw it: option labels, numbers, dates, text.

    :return: one string per selected option (one in all other cases); empty when
        unanswered.
    """
    if value is None:
        return []
    description = question.strategy.describe(question, value)
    match description:
        case NotApplicable():
            return [_("Not applicable")]
        case ChosenOptions(options=options):
            return [_(option.label) if option.label else option.value for option in options]
        case ScalePoint(value=number, end_label=end):
            shown = format_decimal(number)
            return [_("%(value)s (%(label)s)", value=shown, label=_(end))] if end else [shown]
        case Quantity(value=number, unit=unit):
            shown = format_decimal(number)
            return [_("%(value)s %(unit)s", value=shown, unit=_(unit))] if unit else [shown]
        case CalendarDate(date=date):
            return [format_date(date, "long")]
        case FreeText(text=text):
            return [text]
    assert_never(description)


def safe_link(url: object) -> str | None:
    """Return ``url`` if it is a web address that is safe to link to, else ``None``."""
    if not isinstance(url, str):
        return None
    parts = urlsplit(url.strip())
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        return None
    return url.strip()


def score_text(value: float | None) -> str:
    """Return a 0-100 score rounded for display, or a dash when there is none."""
    if value is None:
        return "–"
    return format_decimal(value, format="#,##0.0")


def waiting_text(days: int) -> str:
    """Return a waiting time in whole days, worded by CLDR for the request's language."""
    return format_unit(days, "duration-day", length="long", locale=get_locale() or "en")


def country_name(code: str | None) -> str:
    """Return a country's name from CLDR in the request's language (the code if unknown)."""
    if not code:
        return "–"
    locale = get_locale()
    territories = locale.territories if locale is not None else {}
    return str(territories.get(code.upper(), code))


def status_label(status: Status | str) -> str:
    """Return the translated label of a lifecycle status."""
    return _(STATUS_LABELS[Status(status)])


def sector_label(code: str | None) -> str:
    """Return the translated label of a sector code (a dash for none)."""
    if not code:
        return "–"
    return _(SECTORS[code]) if code in SECTORS else code

