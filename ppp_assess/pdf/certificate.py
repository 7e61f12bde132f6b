"""The one-page certificate of an approved assessment.

The signed payload and its signature travel inside the PDF as embedded files, so a
certificate can be verified offline: :func:`extract_certificate` reads them back.
Rendering is deterministic: the same data gives byte-identical PDFs.
"""

from __future__ import annotations

import io
import itertools

from reportlab.graphics.barcode import qrencoder
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from ppp_assess.domain.documents import CertificateData
from ppp_assess.pdf import theme
from ppp_assess.pdf.captions import (
    N_,
    FormatDate,
    FormatNumber,
    FormatScore,
    Translate,
    default_format_date,
    default_format_number,
    default_format_score,
    identity,
)
from ppp_assess.pdf.chart import SectionChart
from ppp_assess.pdf.document import Attachment, embed_attachments, fix_dates, read_attachments
from ppp_assess.pdf.text import TextStyle, Typesetter, base_font_name

#: What a certificate is and is not, on the certificate and the verification page alike.
DISCLAIMER = N_(
    "This certificate records a self-assessment against %(questionnaire)s, version "
    "%(version)s, reviewed on this platform. It is not a certification by UNECE or any "
    "other body."
)

PAYLOAD_FILENAME = "certificate-payload.json"
SIGNATURE_FILENAME = "certificate-signature.txt"

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 62.0
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN
_SEAL_WIDTH = 150.0
_SEAL_GAP = 24.0
_QR_SIZE = 108.0
_FACTS_HEIGHT = _QR_SIZE + 34


def render_certificate(
    data: CertificateData,
    *,
    translate: Translate = identity,
    format_score: FormatScore = default_format_score,
    format_number: FormatNumber = default_format_number,
    format_date: FormatDate = default_format_date,
) -> bytes:
    """Render the certificate as a one-page A4 PDF.

    :param data: the facts to print, strings already in the document's language.
    :param translate: translates the renderer's own captions (msgids marked with ``N_``).
    :param format_score: formats scores for the document's locale.
    :param format_number: formats plain numbers (the chart's axis) for the locale.
    :param format_date: formats dates for the document's locale.
    :return: the PDF bytes, identical for identical arguments.
    """
    buffer = io.BytesIO()
    canvas = Canvas(
        buffer,
        pagesize=A4,
        invariant=1,
        pageCompression=1,
        lang=data.locale.replace("_", "-"),
        initialFontName=base_font_name(),
    )
    title = data.title or translate(N_("Certificate of assessment"))
    canvas.setTitle(f"{title} — {data.subject_name}")
    canvas.setAuthor(data.issuer or "ppp-assess")
    canvas.setSubject(f"{data.questionnaire_title} {data.questionnaire_version}")
    canvas.setKeywords(data.serial)
    canvas.setCreator("ppp-assess")
    canvas.setProducer("ppp-assess (ReportLab)")
    fix_dates(canvas, data.issue_date)
    _Layout(canvas, data, title, translate, format_score, format_number, format_date).draw()
    embed_attachments(
        canvas,
        [
            Attachment(
                PAYLOAD_FILENAME,
                data.payload_json,
                "application/json",
                "Signed certificate payload (canonical JSON)",
            ),
            Attachment(
                SIGNATURE_FILENAME,
                data.signature.encode("utf-8"),
                "text/plain",
                "Ed25519 signature of the payload",
            ),
        ],
    )
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def extract_certificate(pdf_bytes: bytes) -> tuple[bytes, str] | None:
    """Return the payload and signature carried by a certificate PDF.

    :param pdf_bytes: a PDF, typically from :func:`render_certificate`.
    :return: ``(payload_json, signature)``, or ``None`` if the PDF carries neither or is
        not a readable PDF.
    """
    try:
        attachments = read_attachments(pdf_bytes)
    except ValueError:
        return None
    payload = attachments.get(PAYLOAD_FILENAME)
    signature = attachments.get(SIGNATURE_FILENAME)
    if payload is None or signature is None:
        return None
    try:
        return payload, signature.decode("utf-8").strip()
    except UnicodeDecodeError:
        return None


class _Layout:
    """Draws the certificate page from the top down."""

    def __init__(
        self,
        canvas: Canvas,
        data: CertificateData,
        title: str,
        translate: Translate,
        format_score: FormatScore,
        format_number: FormatNumber,
        format_date: FormatDate,
    ) -> None:
        self.canvas = canvas
        self.data = data
        self.title = title
        self.t = translate
        self.format_score = format_score
        self.format_date = format_date
        self.ts = Typesetter(data.locale, data.text_direction)
        # Serial numbers and URLs read left to right in every language.
        self.ts_ltr = Typesetter(data.locale, "ltr")
        self.rtl = self.ts.rtl
        sections = len(data.section_scores)
        self.chart = SectionChart(
            self.ts,
            data.section_scores,
            CONTENT_WIDTH - _SEAL_WIDTH - _SEAL_GAP,
            format_score=format_score,
            format_number=format_number,
            label_size=8.5 if sections <= 8 else 7,
            label_share=0.47,
            max_label_lines=3 if sections <= 6 else 2 if sections <= 10 else 1,
        )

    # -- helpers

    def _x(self, x: float, width: float) -> float:
        """Mirror a box placed ``x`` from the left margin when the page runs right to left."""
        return PAGE_WIDTH - MARGIN - x - width if self.rtl else MARGIN + x

    def _centered(self, text: str, style: TextStyle, y: float, minimum: float) -> None:
        fitted = self.ts.fit(text, style, CONTENT_WIDTH, minimum)
        self.ts.draw_text(self.canvas, text, fitted, MARGIN, y, CONTENT_WIDTH, "center")

    def _centered_block(self, text: str, style: TextStyle, top: float, lines: int) -> float:
        return self.ts.draw_paragraph(
            self.canvas, text, style, MARGIN + 20, top, CONTENT_WIDTH - 40, "center", lines
        )

    # -- page

    def draw(self) -> None:
        self._frame()
        y = self._heading(PAGE_HEIGHT - 84)
        y = self._recipient(y - 26)
        # Share the free height evenly between the score panel, the facts and the footnote.
        panel_height = self._panel_height()
        footnote_top = 94.0
        slack = y - footnote_top - panel_height - _FACTS_HEIGHT
        gap = max(14.0, min(56.0, slack / 3))
        panel_top = y - gap
        self._scores(panel_top, panel_height)
        self._facts(panel_top - panel_height - gap)
        self._footnote()

    def _frame(self) -> None:
        canvas = self.canvas
        canvas.saveState()
        canvas.setFillColor(theme.PAPER)
        canvas.rect(0, 0, PAGE_WIDTH, PAGE_HEIGHT, stroke=0, fill=1)
        canvas.setStrokeColor(theme.NAVY)
        canvas.setLineWidth(2.4)
        canvas.rect(22, 22, PAGE_WIDTH - 44, PAGE_HEIGHT - 44, stroke=1, fill=0)
        canvas.setStrokeColor(theme.GOLD)
        canvas.setLineWidth(0.9)
        canvas.rect(29, 29, PAGE_WIDTH - 58, PAGE_HEIGHT - 58, stroke=1, fill=0)
        canvas.setLineWidth(0.35)
        canvas.rect(32.5, 32.5, PAGE_WIDTH - 65, PAGE_HEIGHT - 65, stroke=1, fill=0)
        canvas.setFillColor(theme.GOLD)
        for x, y in (
            (29, 29),
            (29, PAGE_HEIGHT - 29),
            (PAGE_WIDTH - 29, 29),
            (PAGE_WIDTH - 29, PAGE_HEIGHT - 29),
        ):
            self._diamond(x, y, 5)
        canvas.restoreState()

    def _diamond(self, x: float, y: float, radius: float) -> None:
        path = self.canvas.beginPath()
        path.moveTo(x, y + radius)
        path.lineTo(x + radius, y)
        path.lineTo(x, y - radius)
        path.lineTo(x - radius, y)
        path.close()
        self.canvas.drawPath(path, stroke=0, fill=1)

    def _ornament(self, y: float, half_width: float = 90) -> None:
        canvas = self.canvas
        centre = PAGE_WIDTH / 2
        canvas.saveState()
        canvas.setStrokeColor(theme.GOLD)
        canvas.setFillColor(theme.GOLD)
        canvas.setLineWidth(0.8)
        canvas.line(centre - half_width, y, centre - 9, y)
        canvas.line(centre + 9, y, centre + half_width, y)
        self._diamond(centre, y, 4)
        canvas.restoreState()

    def _heading(self, y: float) -> float:
        data = self.data
        if data.issuer:
            self._centered(data.issuer, TextStyle(size=10, color=theme.MUTED), y, 7)
            y -= 40
        else:
            y -= 22
        title_style = TextStyle(size=30, bold=True, family="serif", color=theme.NAVY)
        self._centered(self.title, title_style, y, 18)
        y -= 24
        self._ornament(y)
        return y

    def _recipient(self, y: float) -> float:
        data = self.data
        t = self.t
        caption = TextStyle(size=10, color=theme.MUTED)
        self._centered(t(N_("This certificate is awarded to")), caption, y, 7)
        y -= 32
        name_style = TextStyle(size=23, bold=True, family="serif", color=theme.INK)
        lines, name_style = self._name_lines(data.subject_name, name_style, CONTENT_WIDTH - 40)
        leading = self.ts.leading(name_style) * 0.95
        for line in lines:
            self.ts.draw_text(self.canvas, line, name_style, MARGIN, y, CONTENT_WIDTH, "center")
            y -= leading
        y -= 24 - leading
        place = " · ".join(part for part in (data.organisation_name, data.country_name) if part)
        self._centered(place, TextStyle(size=12.5, color=theme.INK), y, 8)
        y -= 34
        self._centered(t(N_("Assessed against")), caption, y, 7)
        y -= 8
        questionnaire_style = TextStyle(size=14, family="serif", bold=True, color=theme.NAVY)
        y = self._centered_block(data.questionnaire_title, questionnaire_style, y, 2)
        version = t(N_("Version %(version)s")) % {"version": data.questionnaire_version}
        self._centered(version, TextStyle(size=10, color=theme.MUTED), y - 10, 7)
        return y - 16

    def _name_lines(self, name: str, style: TextStyle, width: float) -> tuple[list[str], TextStyle]:
        """Fit a name on one line, shrinking a little, else on two lines, else cut it."""
        for size in (23.0, 22.0, 21.0, 20.0, 19.0, 18.0):
            if self.ts.width(name, style.with_(size=size)) <= width:
                return [name], style.with_(size=size)
        size = 20.0
        while size >= 13.0:
            lines = self.ts.break_text(name, style.with_(size=size), width)
            if len(lines) <= 2:
                return lines, style.with_(size=size)
            size -= 0.5
        small = style.with_(size=13.0)
        lines = self.ts.break_text(name, small, width)
        return [lines[0], self.ts.truncate(" ".join(lines[1:]), small, width)], small

    def _panel_height(self) -> float:
        # The seal needs room below the level for the verified score when there is one.
        seal = 200.0 if self.data.verified_score is None else 236.0
        return max(seal, self.chart.height + 44)

    def _scores(self, top: float, panel_height: float) -> None:
        """Draw the seal with the overall score and the section chart beside it."""
        data = self.data
        t = self.t
        canvas = self.canvas
        chart = self.chart
        seal_width = _SEAL_WIDTH
        chart_width = chart.width
        heading_style = TextStyle(size=10, bold=True, color=theme.NAVY)
        canvas.saveState()
        canvas.setFillColor(theme.SHADE)
        canvas.setStrokeColor(theme.RULE)
        canvas.setLineWidth(0.6)
        canvas.roundRect(
            MARGIN - 10, top - panel_height, CONTENT_WIDTH + 20, panel_height, 8, stroke=1, fill=1
        )
        canvas.restoreState()

        # Seal: overall score in a double gold ring, level below.
        seal_x = self._x(0, seal_width)
        centre_x = seal_x + seal_width / 2
        caption = TextStyle(size=9, color=theme.MUTED)
        self.ts.draw_text(
            canvas,
            t(N_("Overall score")),
            self.ts.fit(t(N_("Overall score")), caption, seal_width, 6.5),
            seal_x,
            top - 20,
            seal_width,
            "center",
        )
        radius = 46.0
        centre_y = top - 30 - radius - 6
        canvas.saveState()
        canvas.setFillColor(theme.PAPER)
        canvas.setStrokeColor(theme.GOLD)
        canvas.setLineWidth(2.2)
        canvas.circle(centre_x, centre_y, radius, stroke=1, fill=1)
        canvas.setLineWidth(0.6)
        canvas.circle(centre_x, centre_y, radius - 5, stroke=1, fill=0)
        canvas.restoreState()
        score_style = TextStyle(size=30, bold=True, family="serif", color=theme.NAVY)
        score_text = self.format_score(data.overall_score)
        score_style = self.ts.fit(score_text, score_style, 2 * radius - 22, 16)
        self.ts.draw_text(
            canvas, score_text, score_style, centre_x - radius, centre_y + 2, 2 * radius, "center"
        )
        out_of = t(N_("out of 100"))
        small = self.ts.fit(out_of, TextStyle(size=8, color=theme.MUTED), 2 * radius - 20, 5.5)
        self.ts.draw_text(
            canvas, out_of, small, centre_x - radius, centre_y - 16, 2 * radius, "center"
        )
        level_top = centre_y - radius - 12
        self.ts.draw_text(
            canvas, t(N_("Level")), caption, seal_x, level_top - 9, seal_width, "center"
        )
        level_style = TextStyle(size=13, bold=True, color=theme.GOLD)
        below_level = self.ts.draw_paragraph(
            canvas, data.level_label, level_style, seal_x, level_top - 13, seal_width, "center", 2
        )
        if data.verified_score is not None:
            # Said in words: the verified score counts only the answers documents back.
            label = t(N_("Verified score (counting what evidence backs)"))
            small_caption = TextStyle(size=7.5, color=theme.MUTED)
            after_label = self.ts.draw_paragraph(
                canvas, label, small_caption, seal_x, below_level - 6, seal_width, "center", 2
            )
            verified_text = t(N_("%(score)s out of 100")) % {
                "score": self.format_score(data.verified_score)}
            verified_style = self.ts.fit(
                verified_text, TextStyle(size=11, bold=True, color=theme.NAVY), seal_width, 7)
            self.ts.draw_text(canvas, verified_text, verified_style, seal_x, after_label - 12,
                              seal_width, "center")

        # Chart with its heading.
        chart_x = self._x(seal_width + _SEAL_GAP, chart_width)
        self.ts.draw_text(
            canvas, t(N_("Section scores")), heading_style, chart_x, top - 20, chart_width, "start"
        )
        chart_top = top - 32
        chart.drawOn(canvas, chart_x, chart_top - chart.height)

    def _facts(self, top: float) -> None:
        data = self.data
        t = self.t
        canvas = self.canvas
        qr_size = _QR_SIZE
        facts_width = CONTENT_WIDTH - qr_size - 60
        column_width = (facts_width - 20) / 2
        facts = (
            (t(N_("Reviewer")), data.reviewer_name),
            (t(N_("Serial number")), data.serial),
            (t(N_("Approved on")), self.format_date(data.approval_date)),
            (t(N_("Issued on")), self.format_date(data.issue_date)),
        )
        caption = TextStyle(size=8.5, color=theme.MUTED)
        value = TextStyle(size=12, color=theme.INK, bold=True)
        row_height = 46.0
        for index, (label, text) in enumerate(facts):
            row, column = divmod(index, 2)
            x = self._x(column * (column_width + 20), column_width)
            y = top - row * row_height
            self.ts.draw_text(canvas, label, caption, x, y - 9, column_width, "start")
            typesetter = self.ts_ltr if text == data.serial else self.ts
            fitted = typesetter.fit(text, value, column_width, 7)
            line = typesetter.line(text, fitted)
            self.ts.draw(canvas, line, x, y - 27, column_width, "start")
            canvas.saveState()
            canvas.setStrokeColor(theme.GOLD_LIGHT)
            canvas.setLineWidth(0.7)
            canvas.line(x, y - 34, x + column_width, y - 34)
            canvas.restoreState()

        # QR code to the public verification page.
        qr_x = self._x(CONTENT_WIDTH - qr_size, qr_size)
        qr_top = top + 4
        canvas.saveState()
        canvas.setFillColorRGB(1, 1, 1)
        canvas.rect(qr_x, qr_top - qr_size, qr_size, qr_size, stroke=0, fill=1)
        canvas.setFillColorRGB(0, 0, 0)
        _draw_qr_code(canvas, data.verify_url, qr_x, qr_top - qr_size, qr_size)
        canvas.restoreState()
        verify_style = TextStyle(size=7.5, color=theme.MUTED)
        label_top = qr_top - qr_size - 3
        url_box = qr_size + 50
        url_x = qr_x - 25
        self.ts.draw_text(
            canvas, t(N_("Verify at")), verify_style, url_x, label_top - 7.5, url_box, "center"
        )
        url_style = TextStyle(size=6.5, color=theme.NAVY)
        baseline = label_top - 17
        for part in _split_url(self.ts_ltr, data.verify_url, url_style, url_box):
            line = self.ts_ltr.line(part, url_style)
            line.draw(canvas, url_x + (url_box - line.width) / 2, baseline)
            baseline -= self.ts_ltr.leading(url_style)
        canvas.linkURL(
            data.verify_url, (qr_x, qr_top - qr_size, qr_x + qr_size, qr_top), relative=0
        )

    def _footnote(self) -> None:
        data = self.data
        scope = self.t(DISCLAIMER) % {"questionnaire": data.questionnaire_title,
                                      "version": data.questionnaire_version}
        note = self.t(
            N_(
                "The signed facts of this certificate are attached to this file. Anyone can "
                "check them offline with the platform's published public key, or online at "
                "the address above."
            )
        )
        style = TextStyle(size=7.5, color=theme.MUTED)
        lines = self.ts.wrap(f"{scope} {note}", style, CONTENT_WIDTH - 60)[:5]
        leading = self.ts.leading(style)
        y = 46 + leading * (len(lines) - 1)
        for line in lines:
            self.ts.draw(self.canvas, line, MARGIN + 30, y, CONTENT_WIDTH - 60, "center")
            y -= leading


def _split_url(typesetter: Typesetter, url: str, style: TextStyle, width: float) -> list[str]:
    """Return ``url`` on one line, or on two cut after its last slash when too wide."""
    if typesetter.width(url, style) <= width or "/" not in url.rstrip("/"):
        return [url]
    cut = url.rstrip("/").rindex("/") + 1
    return [url[:cut], url[cut:]]


def _draw_qr_code(canvas: Canvas, text: str, x: float, y: float, size: float, *,
                  border: int = 2) -> None:
    """Draw ``text`` as a QR code (error correction M) in a ``size`` square at ``x, y``.

    The code is encoded once and drawn as one filled path, a rectangle per run of dark
    modules in a row. ReportLab's QR widget encodes it twice (once to measure) and builds
    a shape object per run, which made the QR code half the time of a certificate.
    """
    code = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
    code.addData(text)
    code.make()
    box = size / (code.getModuleCount() + 2 * border)
    path = canvas.beginPath()
    for row_number, row in enumerate(code.modules):
        column = 0
        for dark, run in itertools.groupby(bool(module) for module in row):
            length = sum(1 for _ in run)
            if dark:
                path.rect(x + (column + border) * box, y + size - (row_number + border + 1) * box,
                          length * box, box)
            column += length
    canvas.drawPath(path, stroke=0, fill=1)
