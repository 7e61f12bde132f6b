"""The history of a project's approved assessments in the assessment report."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest

from ppp_assess.domain.documents import ReportHistoryPoint, ReportSectionChange
from ppp_assess.pdf.report import render_report
from tests.pdf import samples
from tests.pdf.pdf_checks import without_marks

HISTORY = (
    ReportHistoryPoint("2024", "1.0", "Procurement", 42.5, "Developing"),
    ReportHistoryPoint("2025", "1.0", "Construction", 55.0, "Established"),
    ReportHistoryPoint("2026", "1.1", "Operation", 71.25, "Established", version_changed=True),
)
CHANGES = (
    ReportSectionChange("Stakeholder engagement", 40.0, 80.0),
    ReportSectionChange("Replicability", 70.0, 60.0),
    ReportSectionChange("Access and equity", None, 50.0),
)


def test_the_report_shows_the_history_and_the_changes(
        pdftotext: Callable[..., str], qpdf_check: Callable[[bytes], None]) -> None:
    data = dataclasses.replace(samples.sample_report("en", 4), history=HISTORY,
                               history_changes=CHANGES)
    pdf = render_report(data, **samples.options("en"))
    qpdf_check(pdf)
    text = without_marks(pdftotext(pdf))
    assert "History" in text
    assert "Change since the previous approved assessment" in text
    for point in HISTORY:
        assert point.label in text and point.stage in text
    assert "New version" in text
    assert "+40" in text and "-10" in text
    assert "Stakeholder engagement" in text


def test_a_report_without_history_has_no_history_part(pdftotext: Callable[..., str]) -> None:
    pdf = render_report(samples.sample_report("en", 4), **samples.options("en"))
    assert "Change since the previous approved assessment" not in pdftotext(pdf)


@pytest.mark.parametrize("locale", ["ar", "zh"])
def test_the_history_renders_in_other_scripts(locale: str,
                                              qpdf_check: Callable[[bytes], None]) -> None:
    data = dataclasses.replace(samples.sample_report(locale, 4), history=HISTORY,
                               history_changes=CHANGES)
    qpdf_check(render_report(data, **samples.options(locale)))
