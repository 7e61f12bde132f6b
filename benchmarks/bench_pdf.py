"""Milliseconds per PDF with ReportLab, beside WeasyPrint rendering the same content as HTML.

Certificates are rendered on demand, so they must be cheap: the target is at least ten
times faster than an HTML-to-PDF pipeline, the whole-document (PAdES) signature that
every download carries included. This benchmark renders the sample certificate
(English and Arabic, translated by the compiled catalogs: run ``make translations``
first) and a 60-question English report with :mod:`ppp_assess.pdf`, and in
the same run renders equivalent HTML documents with WeasyPrint: the same text, the same
bundled fonts, the section chart as CSS bars and the QR code as inline SVG (generated
inside the timed part, as ReportLab builds its own).

Run it as ``.venv/bin/python benchmarks/bench_pdf.py``; a benchmark runner calls
:func:`run`, which returns rows with the keys name, value, unit, baseline and ratio
(baseline / value: how many times faster ReportLab is). WeasyPrint is optional
(``pip install weasyprint``, which needs Debian's libpango-1.0-0 and libpangoft2-1.0-0);
without it the baseline and ratio are ``None``.
"""

from __future__ import annotations

import functools
import html
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from reportlab.graphics import renderSVG
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing

from ppp_assess.domain import certificates as certificate_domain
from ppp_assess.domain.documents import CertificateData, ReportData
from ppp_assess.pdf import render_certificate, render_report, sign_document
from ppp_assess.pdf.text import FONT_DIRECTORY, primary_script
from ppp_assess.services import signing

# The sample documents are the PDF tests' own (tests/pdf/samples.py).
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.pdf import samples

CERTIFICATE_RUNS = 30
REPORT_RUNS = 5
REPORT_QUESTIONS = 60


def median_milliseconds(action: Callable[[], object], runs: int) -> float:
    """Return the median wall time of ``action`` in milliseconds, after one warm-up call."""
    action()
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


# --------------------------------------------------------------------------- HTML versions

_FONTS = {
    "latin": (
        ("Noto Sans", 400, "NotoSans-Regular.ttf"),
        ("Noto Sans", 700, "NotoSans-Bold.ttf"),
        ("Noto Serif", 400, "NotoSerif-Regular.ttf"),
        ("Noto Serif", 700, "NotoSerif-Bold.ttf"),
    ),
    "arabic": (
        ("Noto Naskh Arabic", 400, "NotoNaskhArabic-Regular.ttf"),
        ("Noto Naskh Arabic", 700, "NotoNaskhArabic-Bold.ttf"),
    ),
    "cjk": (("Droid Sans Fallback", 400, "DroidSansFallbackFull.ttf"),),
}


def _font_faces(locale: str) -> str:
    """Declare the bundled fonts a locale needs (WeasyPrint loads every declared face)."""
    groups = ["latin", *(group for group in ("arabic", "cjk") if group == primary_script(locale))]
    return "".join(
        f"@font-face {{ font-family: '{family}'; font-weight: {weight}; "
        f"src: url('{(FONT_DIRECTORY / filename).as_uri()}'); }}\n"
        for group in groups
        for family, weight, filename in _FONTS[group]
    )


_STYLE = """
@page { size: A4; margin: 16mm; }
body { font-family: 'Noto Sans', 'Noto Naskh Arabic', 'Droid Sans Fallback'; font-size: 9.5pt;
       color: #1F2328; }
h1, h2, .serif { font-family: 'Noto Serif', 'Noto Naskh Arabic', 'Droid Sans Fallback'; }
.frame { border: 2.4pt solid #17365D; outline: 0.9pt solid #A8843C; outline-offset: -6pt;
         padding: 36pt; height: 230mm; text-align: center; background: #FFFDF7; }
.muted { color: #55606E; font-size: 9pt; }
h1 { color: #17365D; font-size: 30pt; margin: 8pt 0; }
.name { font-size: 23pt; font-weight: 700; }
.panel { display: flex; gap: 20pt; background: #F3F5F8; border: 0.6pt solid #D5DBE3;
         border-radius: 8pt; padding: 12pt; margin: 24pt 0; text-align: start; }
.seal { width: 140pt; text-align: center; }
.score { font-size: 30pt; font-weight: 700; color: #17365D; border: 2pt solid #A8843C;
         border-radius: 50%; width: 92pt; height: 92pt; line-height: 92pt; margin: auto; }
.chart { flex: 1; }
.bar-row { display: flex; align-items: center; margin: 4pt 0; }
.bar-label { width: 47%; font-size: 8.5pt; }
.bar-track { flex: 1; background: #E4E8EE; height: 9pt; }
.bar { background: #2B5C8A; height: 9pt; }
.facts { display: flex; justify-content: space-between; text-align: start; }
.facts dl { display: grid; grid-template-columns: 1fr 1fr; gap: 10pt 20pt; }
dt { color: #55606E; font-size: 8.5pt; } dd { margin: 0; font-weight: 700; font-size: 12pt; }
.qr svg { width: 108pt; height: 108pt; }
table { width: 100%; border-collapse: collapse; margin-bottom: 10pt; page-break-inside: avoid; }
td, th { border: 0.6pt solid #D5DBE3; padding: 4pt 8pt; vertical-align: top; text-align: start; }
th { background: #17365D; color: #FFFDF7; }
td.label { width: 118pt; color: #55606E; font-size: 8.5pt; background: #FFFDF7; }
h2 { background: #17365D; color: #FFFDF7; padding: 7pt 10pt; font-size: 12pt;
     border-bottom: 2.5pt solid #A8843C; }
"""


def _qr_svg(url: str) -> str:
    widget = QrCodeWidget(url, barLevel="M", barBorder=2)
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(x1 - x0, y1 - y0)
    drawing.add(widget)
    svg = str(renderSVG.drawToString(drawing))
    return svg[svg.index("<svg") :]


def _chart(sections: tuple[tuple[str, float | None], ...]) -> str:
    rows = "".join(
        f'<div class="bar-row"><div class="bar-label">{html.escape(title)}</div>'
        f'<div class="bar-track"><div class="bar" style="width:{score or 0:.1f}%"></div></div>'
        f"<b>&nbsp;{'' if score is None else f'{score:g}'}</b></div>"
        for title, score in sections
    )
    return f'<div class="chart">{rows}</div>'


def certificate_html(data: CertificateData) -> str:
    """Return the certificate as an HTML page equivalent to the PDF layout."""
    e = html.escape
    return f"""<!doctype html><html lang="{data.locale}" dir="{data.text_direction}">
<head><meta charset="utf-8"><style>{_font_faces(data.locale)}{_STYLE}</style></head>
<body><div class="frame">
<p class="muted">{e(data.issuer)}</p><h1>{e(data.title or "Certificate of assessment")}</h1>
<p class="muted">This certificate is awarded to</p><p class="name serif">{e(data.subject_name)}</p>
<p>{e(data.organisation_name)} · {e(data.country_name)}</p>
<p class="muted">Assessed against</p>
<p class="serif"><b>{e(data.questionnaire_title)}</b><br>Version {e(data.questionnaire_version)}</p>
<div class="panel"><div class="seal"><p class="muted">Overall score</p>
<div class="score serif">{data.overall_score:g}</div><p class="muted">Level</p>
<p><b>{e(data.level_label)}</b></p></div>{_chart(tuple(data.section_scores))}</div>
<div class="facts"><dl><div><dt>Reviewer</dt><dd>{e(data.reviewer_name)}</dd></div>
<div><dt>Serial number</dt><dd>{e(data.serial)}</dd></div>
<div><dt>Approved on</dt><dd>{data.approval_date.isoformat()}</dd></div>
<div><dt>Issued on</dt><dd>{data.issue_date.isoformat()}</dd></div></dl>
<div class="qr">{_qr_svg(data.verify_url)}<p class="muted">{e(data.verify_url)}</p></div></div>
</div></body></html>"""


def report_html(data: ReportData) -> str:
    """Return the report as an HTML document equivalent to the PDF layout."""
    e = html.escape
    parts = [
        f'<!doctype html><html lang="{data.locale}" dir="{data.text_direction}"><head>'
        f'<meta charset="utf-8"><style>{_font_faces(data.locale)}{_STYLE}</style></head><body>'
        f"<p class='muted'>{e(data.issuer)}</p><h1>Assessment report</h1>"
        f"<p class='name serif'>{e(data.subject_name)}</p><table>"
        f"<tr><td class='label'>Organisation</td><td>{e(data.organisation_name)}</td></tr>"
        f"<tr><td class='label'>Questionnaire</td><td>{e(data.questionnaire_title)}</td></tr>"
        f"<tr><td class='label'>Status</td><td>{e(data.status)}</td></tr></table>"
        f"<div class='panel'><div class='seal'><div class='score'>"
        f"{data.overall_score or 0:g}</div></div>"
        f"{_chart(tuple((s.title, s.score) for s in data.sections))}</div>"
    ]
    for section in data.sections:
        parts.append(f"<h2>{e(section.title)} — {section.score or 0:g}</h2>")
        for question in section.questions:
            links = "<br>".join(
                f"<a href='{e(link)}'>{e(link)}</a>" for link in question.evidence_links
            )
            parts.append(
                f"<table><tr><th colspan=2>{e(question.id)}<br>{e(question.text)}<br>"
                f"<small>{e(question.guidance)}</small></th></tr>"
                f"<tr><td class='label'>Answer</td><td><b>{e(question.answer_label)}</b></td></tr>"
                f"<tr><td class='label'>Comment</td><td>{e(question.comment)}</td></tr>"
                f"<tr><td class='label'>Evidence</td><td>{links}</td></tr>"
                f"<tr><td class='label'>Reviewer comment</td>"
                f"<td>{e(question.reviewer_comment)}</td></tr>"
                f"<tr><td class='label'>Score</td><td>{question.score}</td></tr></table>"
            )
    parts.append(
        "<h2>Gaps and recommended actions</h2><table>"
        "<tr><th>Question</th><th>Points lost</th><th>Recommended action</th></tr>"
    )
    parts.extend(
        f"<tr><td>{e(gap.question_text)}</td><td>{gap.lost_points:g}</td>"
        f"<td>{e(gap.action)}</td></tr>"
        for gap in data.gaps
    )
    parts.append("</table></body></html>")
    return "".join(parts)


# --------------------------------------------------------------------------- measurements

#: A throwaway key, with the document key and self-issued certificate the platform derives.
_KEY = certificate_domain.load_private_key(certificate_domain.generate_private_key_pem())
_DOCUMENT_KEY = signing.derived_document_key(_KEY)
_DOCUMENT_CERTIFICATE = signing.self_issued_certificate(_KEY, "ppp-assess benchmark")


def _signed(pdf: bytes) -> bytes:
    """Sign a rendered document over its whole bytes, as every download is."""
    return sign_document(pdf, private_key=_DOCUMENT_KEY, certificate=_DOCUMENT_CERTIFICATE)


def _signed_certificate(data: CertificateData, locale: str) -> bytes:
    """Render and sign a certificate, as a download does (signing included)."""
    return _signed(render_certificate(data, **samples.options(locale)))



def _weasyprint() -> Callable[[str], bytes] | None:
    try:
        from weasyprint import HTML
    except (ImportError, OSError):  # not installed, or pango missing
        return None

    def render(document: str) -> bytes:
        return bytes(HTML(string=document).write_pdf())

    return render


def _row(name: str, value: float, baseline: float | None) -> dict[str, Any]:
    return {
        "name": name,
        "value": round(value, 2),
        "unit": "ms",
        "baseline": None if baseline is None else round(baseline, 2),
        "ratio": None if baseline is None else round(baseline / value, 1),
    }


def run(
    certificate_runs: int = CERTIFICATE_RUNS, report_runs: int = REPORT_RUNS
) -> list[dict[str, Any]]:
    """Measure certificate and report rendering; one row per document kind."""
    weasyprint = _weasyprint()
    rows = []
    for locale in ("en", "ar"):
        data = samples.sample_certificate(locale)
        render = functools.partial(_signed_certificate, data, locale)
        ours = median_milliseconds(render, certificate_runs)
        baseline = (
            None
            if weasyprint is None
            else median_milliseconds(
                functools.partial(weasyprint, certificate_html(data)),
                max(3, certificate_runs // 5),
            )
        )
        rows.append(_row(f"certificate ({locale}), ReportLab + PAdES vs WeasyPrint", ours,
                         baseline))
    report = samples.sample_report("en", REPORT_QUESTIONS)
    ours = median_milliseconds(lambda: _signed(render_report(report)), report_runs)
    document = report_html(report)
    baseline = (
        None
        if weasyprint is None
        else median_milliseconds(lambda: weasyprint(document), max(2, report_runs // 2))
    )
    rows.append(
        _row(f"report, {REPORT_QUESTIONS} questions (en), ReportLab + PAdES vs WeasyPrint", ours,
             baseline)
    )
    return rows


def main() -> None:
    """Print the measurements as a table."""
    rows = run()
    print(f"{'benchmark':<60} {'value':>9} {'baseline':>9} {'ratio':>6}  unit")
    for row in rows:
        baseline = "-" if row["baseline"] is None else f"{row['baseline']:.1f}"
        ratio = "-" if row["ratio"] is None else f"{row['ratio']:.1f}"
        print(f"{row['name']:<60} {row['value']:>9.1f} {baseline:>9} {ratio:>6}  {row['unit']}")


if __name__ == "__main__":
    main()
