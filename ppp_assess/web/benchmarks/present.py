"""Turning benchmark results into translated words, numbers, charts and JSON."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import current_app, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from werkzeug.routing import BuildError

from ppp_assess.domain.benchmarking import (
    COMPARABLE_COMPLETION,
    PeerSummary,
    Suppressed,
    comparison_readiness,
)
from ppp_assess.domain.workflow import Status
from ppp_assess.presentation import (
    code_label,
    number_text,
    percent_text,
    score_number,
    score_text,
)
from ppp_assess.services.benchmarks import OVERALL, Benchmark, PeerFilters
from ppp_assess.web import charts

#: Names of the peer filters, for labels and legends.
FILTER_LABELS: Mapping[str, Any] = {
    "sector": _l("Sector"),
    "region": _l("Region"),
    "country": _l("Country"),
    "stage": _l("Project stage"),
    "contract_type": _l("Contract type"),
}


def is_rtl() -> bool:
    """Return whether the request's language is written right to left."""
    locale = get_locale()
    return bool(locale is not None and locale.text_direction == "rtl")


def filter_labels(filters: PeerFilters) -> list[tuple[str, str]]:
    """Return ``(filter name, value)`` pairs of the filters in force, translated."""
    return [(str(FILTER_LABELS[name]), code_label(name, value))
            for name, value in filters.active().items()]


#: Statuses whose scores no longer change: compared as final results.
FINAL_STATUSES = (Status.approved, Status.certified, Status.revoked)


def readiness(assessment: Any) -> dict[str, str]:
    """Return how the panel compares ``assessment``: its stage and what to tell people.

    ``stage`` is ``final``, ``provisional`` or ``too_early`` (see
    :func:`~ppp_assess.domain.benchmarking.comparison_readiness`).
    """
    completion = float(assessment.completion or 0.0)
    stage = comparison_readiness(completion, assessment.status in FINAL_STATUSES)
    if stage == "too_early":
        message = _("The comparison with peers appears once %(needed)s of the required "
                    "questions are answered (%(done)s so far): an unfinished assessment "
                    "would only be compared by its blanks.",
                    needed=percent_text(COMPARABLE_COMPLETION), done=percent_text(completion))
    elif stage == "provisional":
        message = _("Provisional: this assessment's answers may still change before it is "
                    "decided.")
    else:
        message = ""
    return {"stage": stage, "message": message}


def suppressed_message(summary: Suppressed) -> str:
    """Explain why a group shows nothing: the reason and how many results it needs."""
    needed = ngettext("Statistics are shown for groups of at least %(num)d result.",
                      "Statistics are shown for groups of at least %(num)d results.",
                      summary.k)
    have = ngettext("This group has %(num)d result.", "This group has %(num)d results.",
                    summary.n)
    return " ".join((_(summary.reason), needed, have))


def summary_json(summary: PeerSummary | Suppressed) -> dict[str, Any]:
    """Return one summary as the API shows it: aggregates or the reason for none."""
    if isinstance(summary, Suppressed):
        return {"shown": False, "n": summary.n, "k": summary.k,
                "reason": suppressed_message(summary)}
    quartiles = summary.quartiles
    # The numbers the page shows: one decimal, rounded half up.
    return {"shown": True, "n": summary.n, "q1": score_number(quartiles.q1),
            "median": score_number(quartiles.median), "q3": score_number(quartiles.q3),
            "p10": score_number(quartiles.p10), "p90": score_number(quartiles.p90),
            "value": score_number(summary.subject_value),
            "percentile_rank": score_number(summary.percentile_rank)}


def benchmark_json(benchmark: Benchmark) -> dict[str, Any]:
    """Return a benchmark as the API shows it."""
    data: dict[str, Any] = {
        "questionnaire": benchmark.questionnaire_id,
        "title": _(benchmark.questionnaire_title),
        "major_version": benchmark.major,
        "subject": benchmark.subject.value,
        "filters": benchmark.filters.active(),
        "k": benchmark.k,
        "overall": summary_json(benchmark.overall),
        "sections": [{"id": section.id, "title": _(section.title),
                      **summary_json(section.summary)} for section in benchmark.sections],
    }
    if benchmark.assessment_id is not None:
        data["assessment"] = benchmark.assessment_id
        data["available_filters"] = list(benchmark.available_matches)
    return data


def _position_row(label: str, summary: PeerSummary | Suppressed,
                  subject: float | None) -> charts.PositionRow:
    if isinstance(summary, Suppressed):
        return charts.PositionRow(label=label, subject=subject)
    quartiles = summary.quartiles
    return charts.PositionRow(label=label, q1=quartiles.q1, median=quartiles.median,
                              q3=quartiles.q3, minimum=quartiles.p10, maximum=quartiles.p90,
                              subject=subject)


def peer_chart_data(benchmark: Benchmark, subject_values: Mapping[str, float | None]
                    | None = None) -> charts.Chart:
    """Return the peer-position chart of a benchmark (drawing data, for SVG or PDF)."""
    values = subject_values or {}
    rows = [_position_row(_("Overall"), benchmark.overall, values.get(OVERALL))]
    rows.extend(_position_row(_(section.title), section.summary, values.get(section.id))
                for section in benchmark.sections)
    shown = sum(1 for section in benchmark.sections
                if isinstance(section.summary, PeerSummary))
    if isinstance(benchmark.overall, PeerSummary) and benchmark.overall.subject_value is not None:
        description = _(
            "Overall and for each section: peer scores from the 10th to the 90th percentile "
            "as a line, the middle half of the peers as a box, their median as a line and "
            "this assessment as a diamond. "
            "The overall score is %(score)s, at percentile rank %(rank)s among %(count)s "
            "peers. %(shown)s of %(total)s sections have enough peers to show statistics.",
            score=score_text(benchmark.overall.subject_value),
            rank=score_text(benchmark.overall.percentile_rank), count=benchmark.overall.n,
            shown=shown, total=len(benchmark.sections))
    else:
        description = _(
            "Overall and for each section: peer scores from the 10th to the 90th percentile "
            "as a line, the middle half of the peers as a box and their median as a line, "
            "where the group is large enough; the table gives the same numbers.")
    return charts.peer_position_chart(
        rows, title=_("Scores compared with peers"), description=description,
        legend=charts.Legend(peers=_("Middle half of peers (10th to 90th percentile as a line)"),
                             median=_("Peer median"), subject=_("This assessment")),
        format_number=number_text, rtl=is_rtl())


def peer_chart(benchmark: Benchmark, element_id: str = "peer-chart") -> Markup:
    """Return the benchmark's peer-position chart as inline SVG."""
    return charts.render_svg(peer_chart_data(benchmark, benchmark.subject_values), element_id)


def optional_url(endpoint: str, **values: Any) -> str | None:
    """Return the URL of a view that may not be installed, or ``None``."""
    if endpoint not in current_app.view_functions:
        return None
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


#: How each state of a prepared export is named.
EXPORT_STATUS_LABELS = {
    "queued": _l("Waiting to start"),
    "running": _l("Being prepared"),
    "done": _l("Ready to download"),
    "failed": _l("Failed"),
}


def export_status_label(status: str) -> str:
    """Return the name of a prepared export's state, in the request's language."""
    return str(EXPORT_STATUS_LABELS.get(status, status))
