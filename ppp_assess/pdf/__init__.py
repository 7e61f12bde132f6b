"""PDF rendering of certificates and assessment reports (ReportLab, no Flask, no database).

Callers pass the plain documents of :mod:`ppp_assess.domain.documents`, whose strings are
already translated, plus callables translating the renderer's own captions and
formatting numbers and dates.
"""

from ppp_assess.pdf.captions import N_
from ppp_assess.pdf.certificate import extract_certificate, render_certificate
from ppp_assess.pdf.report import render_report
from ppp_assess.pdf.signature import document_signature, sign_document

__all__ = [
    "N_",
    "document_signature",
    "extract_certificate",
    "render_certificate",
    "render_report",
    "sign_document",
]
