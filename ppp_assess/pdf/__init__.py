"""PDF rendering of certificates and assessment reports (ReportLab, no Flask, no database).

Callers pass plain data (:mod:`ppp_assess.pdf.data`) whose strings are already translated,
plus callables translating the renderer's own captions and formatting numbers and dates.
"""

from ppp_assess.pdf.captions import N_
from ppp_assess.pdf.certificate import extract_certificate, render_certificate
from ppp_assess.pdf.data import (
    CertificateData,
    ReportData,
    ReportGap,
    ReportQuestion,
    ReportSection,
)
from ppp_assess.pdf.report import render_report

__all__ = [
    "N_",
    "CertificateData",
    "ReportData",
    "ReportGap",
    "ReportQuestion",
    "ReportSection",
    "extract_certificate",
    "render_certificate",
    "render_report",
]
