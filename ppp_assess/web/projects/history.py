"""A project's history as the project page shows it: a trend chart, its table, and the
change of each section since the previous approved assessment."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup

from ppp_assess.presentation import (
    code_label,
    data_text,
    date_text,
    level_label,
    number_text,
    points_text,
)
from ppp_assess.services.history import HistoryPoint, InstrumentHistory
from ppp_assess.web import charts


@dataclass(frozen=True)
class HistoryView:
    """One questionnaire's history, ready for the template."""

    entry: InstrumentHistory
    title: str
    chart: Markup
    #: What each point is called (its period, else its approval date), oldest first.
    point_labels: tuple[str, ...]
    #: (section id, translated title) of the sections in the table, in document order.
    sections: tuple[tuple[str, str], ...]
    #: Section id -> translated title, for the changes.
    titles: dict[str, str]

    def level(self, point: HistoryPoint) -> str:
        """Return the translated level of a point, or a dash."""
        return level_label(self.entry.questionnaire, point.level) or "–"


def point_label(point: HistoryPoint) -> str:
    """Return what a history point is called: its period, else its approval date."""
    if point.period:
        return point.period
    return date_text(point.approved_at) if point.approved_at else "–"


def _is_rtl() -> bool:
    locale = get_locale()
    return bool(locale is not None and locale.text_direction == "rtl")


def history_views(histories: Sequence[InstrumentHistory]) -> list[HistoryView]:
    """Return the chart and table data of each questionnaire's history."""
    views = []
    for entry in histories:
        questionnaire = entry.questionnaire
        title = data_text(questionnaire.title)
        titles = {section.id: data_text(section.title) for section in questionnaire.sections}
        sections = tuple((section_id, titles[section_id]) for section_id in entry.section_ids)
        labels = tuple(point_label(point) for point in entry.points)
        series = [charts.TrendSeries(_("Overall score"),
                                     tuple(point.overall for point in entry.points))]
        series.extend(charts.TrendSeries(name, tuple(point.sections.get(section_id)
                                                     for point in entry.points))
                      for section_id, name in sections)
        marks = [(index, _("Version %(version)s", version=point.questionnaire_version))
                 for index, point in enumerate(entry.points) if point.version_changed]
        chart = charts.trend_chart(
            labels, series,
            title=_("Scores over time: %(questionnaire)s", questionnaire=title),
            description=_("The overall score and each section's score (0 to 100) at each "
                          "approved assessment, oldest first; dashed vertical lines mark a "
                          "new questionnaire version. The table gives the same numbers."),
            version_marks=marks, format_number=number_text, rtl=_is_rtl())
        views.append(HistoryView(entry, title,
                                 charts.render_svg(chart, f"history-{questionnaire.id}"),
                                 labels, sections, titles))
    return views


def change_text(change: float | None) -> str:
    """Return a change of score in points with its sign (+12.5, −3, 0)."""
    if change is None:
        return "–"
    text = points_text(abs(change))
    if change > 0:
        return f"+{text}"
    if change < 0:
        return f"\u2212{text}"
    return text


def stage_text(stage: str | None) -> str:
    """Return the translated stage an assessment describes, or a dash."""
    return code_label("assessment_stage", stage) if stage else "–"


def template_helpers() -> dict[str, Any]:
    """Return the helpers the history partial calls."""
    return {"change_text": change_text, "stage_text": stage_text}
