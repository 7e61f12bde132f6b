"""The published methodology of a questionnaire version as a multi-page A4 PDF."""

from __future__ import annotations

import io

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, CondPageBreak, Flowable, Frame, PageTemplate

from ppp_assess.domain.methodology import MethodologyDocument, MethodologyQuestion
from ppp_assess.pdf import theme
from ppp_assess.pdf.captions import (
    N_,
    FormatDate,
    FormatNumber,
    Translate,
    default_format_date,
    default_format_number,
    identity,
)
from ppp_assess.pdf.document import fix_dates
from ppp_assess.pdf.flowables import TextBlock
from ppp_assess.pdf.text import TextStyle, Typesetter, base_font_name

PAGE_WIDTH, PAGE_HEIGHT = A4
SIDE_MARGIN = 50.0
TOP_MARGIN = 50.0
BOTTOM_MARGIN = 56.0
FRAME_WIDTH = PAGE_WIDTH - 2 * SIDE_MARGIN

BODY = TextStyle(size=9.5, color=theme.INK)
BODY_BOLD = BODY.with_(bold=True)
LABEL = TextStyle(size=8.5, color=theme.MUTED)
SMALL = TextStyle(size=7.5, color=theme.MUTED)
TITLE = TextStyle(size=22, bold=True, family="serif", color=theme.NAVY)
HEADING = TextStyle(size=14, bold=True, color=theme.NAVY)
SUBHEADING = TextStyle(size=11, bold=True, color=theme.NAVY)


def render_methodology(
    document: MethodologyDocument,
    *,
    translate: Translate = identity,
    format_number: FormatNumber = default_format_number,
    format_date: FormatDate = default_format_date,
) -> bytes:
    """Render the methodology of a questionnaire version.

    :param document: the content, strings already in the document's language.
    :param translate: translates the renderer's own captions (msgids marked with ``N_``).
    :param format_number: formats page numbers.
    :param format_date: formats the generation date.
    :return: the PDF bytes, identical for identical arguments.
    """
    return _Builder(document, translate, format_number, format_date).build()


class _Builder:
    def __init__(self, document: MethodologyDocument, translate: Translate,
                 format_number: FormatNumber, format_date: FormatDate) -> None:
        self.document = document
        self.t = translate
        self.format_number = format_number
        self.format_date = format_date
        self.ts = Typesetter(document.locale, document.text_direction)

    def text(self, text: str, style: TextStyle = BODY, *, space_before: float = 0.0,
             space_after: float = 0.0) -> TextBlock:
        return TextBlock(self.ts, text, style, space_before=space_before,
                         space_after=space_after)

    def build(self) -> bytes:
        data = self.document
        buffer = io.BytesIO()
        title = self.t(N_("Methodology"))
        template = BaseDocTemplate(
            buffer, pagesize=A4, leftMargin=SIDE_MARGIN, rightMargin=SIDE_MARGIN,
            topMargin=TOP_MARGIN, bottomMargin=BOTTOM_MARGIN,
            title=f"{title} — {data.title} {data.version}", author="ppp-assess",
            subject=f"{data.title} {data.version}", creator="ppp-assess",
            producer="ppp-assess (ReportLab)", invariant=1, pageCompression=1,
            lang=data.locale.replace("_", "-"), initialFontName=base_font_name(),
        )
        frame = Frame(SIDE_MARGIN, BOTTOM_MARGIN, FRAME_WIDTH,
                      PAGE_HEIGHT - TOP_MARGIN - BOTTOM_MARGIN, leftPadding=0,
                      rightPadding=0, topPadding=0, bottomPadding=0, id="body")
        template.addPageTemplates([PageTemplate("body", [frame], onPage=self._decorate)])
        template.build(self._story())
        return buffer.getvalue()

    def _decorate(self, canvas: Canvas, template: BaseDocTemplate) -> None:
        fix_dates(canvas, self.document.generated_date)
        canvas.saveState()
        canvas.setFillColor(theme.NAVY)
        canvas.rect(0, PAGE_HEIGHT - 14, PAGE_WIDTH, 14, stroke=0, fill=1)
        canvas.setStrokeColor(theme.RULE)
        canvas.setLineWidth(0.6)
        canvas.line(SIDE_MARGIN, 40, PAGE_WIDTH - SIDE_MARGIN, 40)
        canvas.restoreState()
        page = self.t(N_("Page %(page)s")) % {"page": self.format_number(template.page)}
        self.ts.draw_text(canvas, page, SMALL, SIDE_MARGIN, 28, FRAME_WIDTH, "end")
        generated = f"{self.t(N_('Generated on'))} {self.format_date(self.document.generated_date)}"
        self.ts.draw_text(canvas, generated, SMALL, SIDE_MARGIN, 28, FRAME_WIDTH, "start")

    def _story(self) -> list[Flowable]:
        data = self.document
        t = self.t
        story: list[Flowable] = [
            self.text(t(N_("Methodology")), LABEL, space_after=4),
            self.text(data.title, TITLE, space_after=4),
            self.text(t(N_("Version %(version)s")) % {"version": data.version}, BODY_BOLD,
                      space_after=4),
            self.text(data.source, LABEL, space_after=14),
            self.text(t(N_("How the score is computed")), HEADING, space_after=6),
        ]
        story += [self.text(rule, space_after=5) for rule in data.rules]
        story.append(self.text(t(N_("Levels")), HEADING, space_before=10, space_after=6))
        for level in data.levels:
            story.append(self.text(f"{level.label} — {level.band}", BODY_BOLD, space_after=2))
            if level.description:
                story.append(self.text(level.description, space_after=4))
        story.append(self.text(data.cap, space_before=4, space_after=10))
        for section in data.sections:
            story.append(CondPageBreak(120))
            story.append(self.text(f"{section.number}. {section.title}", HEADING,
                                   space_before=10, space_after=4))
            weight = t(N_("Section weight: %(weight)s")) % {"weight": section.weight}
            if section.share is not None:
                weight += " · " + t(N_("Share of the overall score: %(share)s")) % {
                    "share": section.share}
            story.append(self.text(weight, LABEL, space_after=4))
            if section.description:
                story.append(self.text(section.description, space_after=4))
            if section.condition:
                story.append(self.text(section.condition, BODY_BOLD, space_after=4))
            for question in section.questions:
                story += self._question(question)
        return story

    def _question(self, question: MethodologyQuestion) -> list[Flowable]:
        t = self.t
        story: list[Flowable] = [CondPageBreak(60), self.text(
            f"{question.number} {question.text}", SUBHEADING, space_before=8, space_after=3)]
        facts = []
        if question.context:
            facts.append(t(N_("Context, not scored")))
        elif question.share is not None:
            facts.append(t(N_("Effective weight: %(share)s")) % {"share": question.share})
        if question.critical:
            facts.append(t(N_("Critical")))
        if facts:
            story.append(self.text(" · ".join(facts), LABEL, space_after=2))
        for point in question.points:
            story.append(self.text(f"• {point}", space_after=1))
        if question.condition:
            story.append(self.text(question.condition, space_before=2, space_after=1))
        if question.basis:
            story.append(self.text(t(N_("Basis: %(basis)s")) % {"basis": question.basis},
                                   LABEL, space_before=2))
        if question.reference:
            story.append(self.text(question.reference, SMALL, space_before=1))
        return story
