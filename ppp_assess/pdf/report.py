"""The full assessment report: cover, score summary, every answer, gaps and actions."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    KeepTogether,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Spacer,
    Table,
    TableStyle,
)

from ppp_assess.domain.documents import ReportData, ReportQuestion, ReportSection
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
from ppp_assess.pdf.document import fix_dates
from ppp_assess.pdf.flowables import TextBlock
from ppp_assess.pdf.text import Align, TextStyle, Typesetter, base_font_name

PAGE_WIDTH, PAGE_HEIGHT = A4
SIDE_MARGIN = 50.0
TOP_MARGIN = 58.0
BOTTOM_MARGIN = 56.0
FRAME_WIDTH = PAGE_WIDTH - 2 * SIDE_MARGIN

BODY = TextStyle(size=9.5, color=theme.INK)
BODY_BOLD = BODY.with_(bold=True)
LABEL = TextStyle(size=8.5, color=theme.MUTED)
SMALL = TextStyle(size=7.5, color=theme.MUTED)
HEADING = TextStyle(size=15, bold=True, color=theme.NAVY)
WHITE_HEADING = TextStyle(size=12, bold=True, color=theme.PAPER)
# Smallest piece (points) of a table row left at the foot of a page when a row splits.
_MINIMUM_SPLIT = 36


def render_report(
    data: ReportData,
    *,
    translate: Translate = identity,
    format_score: FormatScore = default_format_score,
    format_number: FormatNumber = default_format_number,
    format_date: FormatDate = default_format_date,
) -> bytes:
    """Render the assessment report as a multi-page A4 PDF.

    :param data: the report content, strings already in the document's language.
    :param translate: translates the renderer's own captions (msgids marked with ``N_``).
    :param format_score: formats scores and points lost for the document's locale.
    :param format_number: formats plain numbers (page numbers, the chart's axis).
    :param format_date: formats dates for the document's locale.
    :return: the PDF bytes, identical for identical arguments.
    """
    builder = _ReportBuilder(data, translate, format_score, format_number, format_date)
    return builder.build()


class _ReportBuilder:
    def __init__(
        self,
        data: ReportData,
        translate: Translate,
        format_score: FormatScore,
        format_number: FormatNumber,
        format_date: FormatDate,
    ) -> None:
        self.data = data
        self.t = translate
        self.format_score = format_score
        self.format_number = format_number
        self.format_date = format_date
        self.ts = Typesetter(data.locale, data.text_direction)
        self.ts_ltr = Typesetter(data.locale, "ltr")
        self.rtl = self.ts.rtl
        # Cells hold flowables only, but Table still selects its default font (Helvetica,
        # which would then be referenced unembedded) unless told otherwise.
        self.base_table_style: list[tuple[Any, ...]] = [
            ("FONTNAME", (0, 0), (-1, -1), base_font_name())
        ]

    # -- helpers

    def text(self, text: str, style: TextStyle = BODY, **options: Any) -> TextBlock:
        return TextBlock(self.ts, text, style, **options)

    def row(self, cells: Sequence[Any]) -> list[Any]:
        """Return table cells in visual order: mirrored in a right-to-left document."""
        return list(reversed(cells)) if self.rtl else list(cells)

    def widths(self, widths: Sequence[float]) -> list[float]:
        return list(reversed(widths)) if self.rtl else list(widths)

    def column(self, index: int, count: int) -> int:
        """Return the visual column of logical column ``index``."""
        return count - 1 - index if self.rtl else index

    def score_text(self, score: float | None) -> str:
        if score is None:
            return self.t(N_("Not scored"))
        return self.format_score(score)

    # -- document

    def build(self) -> bytes:
        data = self.data
        buffer = io.BytesIO()
        title = self.t(N_("Assessment report"))
        document = BaseDocTemplate(
            buffer,
            pagesize=A4,
            leftMargin=SIDE_MARGIN,
            rightMargin=SIDE_MARGIN,
            topMargin=TOP_MARGIN,
            bottomMargin=BOTTOM_MARGIN,
            title=f"{title} — {data.subject_name}",
            author=data.issuer or "ppp-assess",
            subject=f"{data.questionnaire_title} {data.questionnaire_version}",
            creator="ppp-assess",
            producer="ppp-assess (ReportLab)",
            invariant=1,
            pageCompression=1,
            lang=data.locale.replace("_", "-"),
            initialFontName=base_font_name(),
        )
        frame = Frame(
            SIDE_MARGIN,
            BOTTOM_MARGIN,
            FRAME_WIDTH,
            PAGE_HEIGHT - TOP_MARGIN - BOTTOM_MARGIN,
            leftPadding=0,
            rightPadding=0,
            topPadding=0,
            bottomPadding=0,
            id="body",
        )
        document.addPageTemplates(
            [
                PageTemplate(
                    "cover", [frame], onPage=self._decorate_cover, onPageEnd=self._watermark
                ),
                PageTemplate(
                    "body", [frame], onPage=self._decorate_page, onPageEnd=self._watermark
                ),
            ]
        )
        story: list[Flowable] = []
        story += self._cover()
        story += self._sections()
        story += self._gaps()
        story += self._history()
        story += self._evidence_annex()
        document.build(story)
        return buffer.getvalue()

    # -- page decoration

    def _watermark(self, canvas: Canvas, document: BaseDocTemplate) -> None:
        """Print DRAFT across the page, over the content, when the report is a draft."""
        if not self.data.is_draft:
            return
        word = self.t(N_("DRAFT"))
        # Stroked (synthetic) bold shows its overlaps through a translucent fill.
        bold = not self.ts.face(TextStyle(bold=True)).synthetic_bold
        style = TextStyle(size=120, bold=bold, color=theme.DRAFT_WATERMARK)
        style = self.ts.fit(word, style, 560, 40)
        line = self.ts.line(word, style)
        canvas.saveState()
        canvas.translate(PAGE_WIDTH / 2, PAGE_HEIGHT / 2)
        canvas.rotate(50)
        line.draw(canvas, -line.width / 2, -style.size * 0.35)
        canvas.restoreState()

    def _decorate_cover(self, canvas: Canvas, document: BaseDocTemplate) -> None:
        fix_dates(canvas, self.data.generated_date)
        canvas.saveState()
        canvas.setFillColor(theme.NAVY)
        canvas.rect(0, PAGE_HEIGHT - 14, PAGE_WIDTH, 14, stroke=0, fill=1)
        canvas.setFillColor(theme.GOLD)
        canvas.rect(0, PAGE_HEIGHT - 17, PAGE_WIDTH, 3, stroke=0, fill=1)
        canvas.restoreState()
        self._footer(canvas, document)

    def _decorate_page(self, canvas: Canvas, document: BaseDocTemplate) -> None:
        data = self.data
        header = f"{data.subject_name} · {data.questionnaire_title} {data.questionnaire_version}"
        style = SMALL
        width = FRAME_WIDTH - 80
        header = self.ts.truncate(header, style, width)
        self.ts.draw_text(canvas, header, style, SIDE_MARGIN, PAGE_HEIGHT - 36, FRAME_WIDTH)
        if data.is_draft:
            marker = TextStyle(size=8, bold=True, color=theme.DRAFT_RED)
            self.ts.draw_text(
                canvas,
                self.t(N_("DRAFT")),
                marker,
                SIDE_MARGIN,
                PAGE_HEIGHT - 36,
                FRAME_WIDTH,
                "end",
            )
        canvas.saveState()
        canvas.setStrokeColor(theme.RULE)
        canvas.setLineWidth(0.6)
        canvas.line(SIDE_MARGIN, PAGE_HEIGHT - 42, PAGE_WIDTH - SIDE_MARGIN, PAGE_HEIGHT - 42)
        canvas.restoreState()
        self._footer(canvas, document)

    def _footer(self, canvas: Canvas, document: BaseDocTemplate) -> None:
        data = self.data
        canvas.saveState()
        canvas.setStrokeColor(theme.RULE)
        canvas.setLineWidth(0.6)
        canvas.line(SIDE_MARGIN, 40, PAGE_WIDTH - SIDE_MARGIN, 40)
        canvas.restoreState()
        page = self.t(N_("Page %(page)s")) % {"page": self.format_number(document.page)}
        self.ts.draw_text(canvas, page, SMALL, SIDE_MARGIN, 28, FRAME_WIDTH, "end")
        generated = f"{self.t(N_('Generated on'))} {self.format_date(data.generated_date)}"
        self.ts.draw_text(canvas, generated, SMALL, SIDE_MARGIN, 28, FRAME_WIDTH, "start")

    # -- cover

    def _cover(self) -> list[Flowable]:
        data = self.data
        t = self.t
        story: list[Flowable] = [Spacer(1, 30)]
        if data.issuer:
            story.append(
                self.text(data.issuer, TextStyle(size=10, color=theme.MUTED), space_after=10)
            )
        story.append(
            self.text(
                t(N_("Assessment report")),
                TextStyle(size=28, bold=True, family="serif", color=theme.NAVY),
                space_after=6,
            )
        )
        story.append(
            self.text(
                data.subject_name,
                TextStyle(size=18, bold=True, family="serif", color=theme.INK),
                space_after=18,
            )
        )
        if data.is_draft:
            story.append(self._draft_banner())
            story.append(Spacer(1, 16))
        facts = [
            (t(N_("Subject")), data.subject_name),
            (t(N_("Organisation")), data.organisation_name),
            (
                t(N_("Questionnaire")),
                f"{data.questionnaire_title} — "
                + t(N_("Version %(version)s")) % {"version": data.questionnaire_version},
            ),
            (t(N_("Status")), data.status),
            (t(N_("Generated on")), self.format_date(data.generated_date)),
            *data.cover_facts,
        ]
        story.append(self._facts_table(facts))
        story.append(Spacer(1, 24))
        story.append(self.text(t(N_("Score summary")), HEADING, space_after=10))
        story.append(self._score_summary())
        story.append(NextPageTemplate("body"))
        story.append(PageBreak())
        return story

    def _draft_banner(self) -> Flowable:
        t = self.t
        word = self.text(
            t(N_("DRAFT")), TextStyle(size=16, bold=True, color=theme.PAPER), align="center"
        )
        note = self.text(
            t(N_("Draft: not reviewed, not certified")),
            TextStyle(size=10, bold=True, color=theme.DRAFT_RED),
        )
        word_width = max(110.0, self.ts.width(t(N_("DRAFT")), word.style) + 28)
        table = Table(
            [self.row([word, note])],
            colWidths=self.widths([word_width, FRAME_WIDTH - word_width]),
        )
        word_column = self.column(0, 2)
        table.setStyle(
            TableStyle(
                [
                    *self.base_table_style,
                    ("BOX", (0, 0), (-1, -1), 1.2, theme.DRAFT_RED),
                    ("BACKGROUND", (word_column, 0), (word_column, 0), theme.DRAFT_RED),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                    ("TOPPADDING", (0, 0), (-1, -1), 8),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
                    ("LEFTPADDING", (0, 0), (-1, -1), 10),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 10),
                ]
            )
        )
        return table

    def _facts_table(self, facts: Sequence[tuple[str, str]]) -> Table:
        label_width = 130.0
        rows = [
            self.row([self.text(label, LABEL), self.text(value, BODY_BOLD)])
            for label, value in facts
        ]
        table = Table(rows, colWidths=self.widths([label_width, FRAME_WIDTH - label_width]))
        table.setStyle(
            TableStyle(
                [
                    *self.base_table_style,
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LINEBELOW", (0, 0), (-1, -1), 0.5, theme.RULE),
                    ("TOPPADDING", (0, 0), (-1, -1), 5),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
                    ("LEFTPADDING", (0, 0), (-1, -1), 2),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 2),
                ]
            )
        )
        return table

    def _score_summary(self) -> Flowable:
        data = self.data
        t = self.t
        seal_width = 140.0
        overall = self.score_text(data.overall_score)
        seal: list[Flowable] = [
            self.text(t(N_("Overall score")), LABEL, align="center"),
            self.text(
                overall,
                TextStyle(size=34, bold=True, family="serif", color=theme.NAVY),
                align="center",
                space_before=4,
            ),
            self.text(t(N_("out of 100")), LABEL, align="center", space_after=10),
            self.text(t(N_("Level")), LABEL, align="center"),
            self.text(
                data.level_label or "–",
                TextStyle(size=13, bold=True, color=theme.GOLD),
                align="center",
            ),
        ]
        chart_width = FRAME_WIDTH - seal_width - 30
        chart = SectionChart(
            self.ts,
            [(section.title, section.score) for section in data.sections],
            chart_width - 12,
            format_score=self.format_score,
            format_number=self.format_number,
            max_label_lines=2,
        )
        chart_cell: list[Flowable] = [
            self.text(t(N_("Section scores")), BODY_BOLD.with_(color=theme.NAVY), space_after=8),
            chart,
        ]
        table = Table(
            [self.row([seal, chart_cell])],
            colWidths=self.widths([seal_width, FRAME_WIDTH - seal_width]),
        )
        table.setStyle(
            TableStyle(
                [
                    *self.base_table_style,
                    ("BACKGROUND", (0, 0), (-1, -1), theme.SHADE),
                    ("BOX", (0, 0), (-1, -1), 0.6, theme.RULE),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                    ("TOPPADDING", (0, 0), (-1, -1), 14),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 14),
                    ("LEFTPADDING", (0, 0), (-1, -1), 12),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 12),
                ]
            )
        )
        return table

    # -- sections

    def _sections(self) -> list[Flowable]:
        story: list[Flowable] = []
        for section in self.data.sections:
            story.append(CondPageBreak(160))
            heading: list[Flowable] = [self._section_heading(section), Spacer(1, 10)]
            if not section.questions:
                story.extend(heading)
            for index, question in enumerate(section.questions):
                card = [self._question(question), Spacer(1, 10)]
                # The heading stays on the page of the section's first question.
                story.append(KeepTogether(heading + card if index == 0 else card))
            story.append(Spacer(1, 8))
        return story

    def _section_heading(self, section: ReportSection) -> Table:
        score_width = 110.0
        score = self.score_text(section.score)
        title = self.text(section.title, WHITE_HEADING)
        value = self.text(score, WHITE_HEADING, align="end")
        table = Table(
            [self.row([title, value])],
            colWidths=self.widths([FRAME_WIDTH - score_width, score_width]),
        )
        table.setStyle(
            TableStyle(
                [
                    *self.base_table_style,
                    ("BACKGROUND", (0, 0), (-1, -1), theme.NAVY),
                    ("LINEBELOW", (0, 0), (-1, -1), 2.5, theme.GOLD),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                    ("TOPPADDING", (0, 0), (-1, -1), 7),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 7),
                    ("LEFTPADDING", (0, 0), (-1, -1), 10),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 10),
                ]
            )
        )
        return table

    def _question(self, question: ReportQuestion) -> Table:
        t = self.t
        label_width = 118.0
        value_width = FRAME_WIDTH - label_width
        head: list[Flowable] = [
            TextBlock(self.ts_ltr, question.id, SMALL, align="right" if self.rtl else "left"),
            self.text(question.text, BODY_BOLD, space_before=1),
        ]
        if question.guidance:
            head.append(self.text(question.guidance, LABEL.with_(size=8), space_before=3))
        # The heading row spans both columns; a span shows its first cell's content.
        rows: list[list[Any]] = [[head, ""]]
        details: list[tuple[str, list[Flowable]]] = [
            (t(N_("Answer")), [self.text(question.answer_label or "–", BODY_BOLD)]),
        ]
        if question.comment:
            details.append((t(N_("Comment")), [self.text(question.comment)]))
        if question.evidence_links:
            links: list[Flowable] = [
                TextBlock(
                    self.ts_ltr,
                    link,
                    BODY.with_(color=theme.BAR, size=8.5),
                    align="right" if self.rtl else "left",
                    link=link,
                )
                for link in question.evidence_links
            ]
            details.append((t(N_("Evidence")), links))
        if question.reviewer_comment:
            details.append((t(N_("Reviewer comment")), [self.text(question.reviewer_comment)]))
        details.append((t(N_("Score")), [self.text(self.score_text(question.score), BODY_BOLD)]))
        for label, value in details:
            rows.append(self.row([self.text(label, LABEL), value]))
        # A very long answer or comment may split inside its row across pages.
        table = Table(
            rows, colWidths=self.widths([label_width, value_width]), splitInRow=_MINIMUM_SPLIT
        )
        label_column = self.column(0, 2)
        table.setStyle(
            TableStyle(
                [
                    *self.base_table_style,
                    ("SPAN", (0, 0), (1, 0)),
                    ("BOX", (0, 0), (-1, -1), 0.6, theme.RULE),
                    ("LINEBELOW", (0, 0), (-1, 0), 0.6, theme.RULE),
                    ("BACKGROUND", (0, 0), (-1, 0), theme.SHADE),
                    ("BACKGROUND", (label_column, 1), (label_column, -1), theme.PAPER),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("TOPPADDING", (0, 0), (-1, -1), 4),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
                    ("TOPPADDING", (0, 0), (-1, 0), 6),
                    ("BOTTOMPADDING", (0, 0), (-1, 0), 6),
                    ("LEFTPADDING", (0, 0), (-1, -1), 8),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 8),
                ]
            )
        )
        return table

    # -- evidence annex

    def _evidence_annex(self) -> list[Flowable]:
        """List every evidence document by question, with its SHA-256 and verdict."""
        t = self.t
        data = self.data
        if not data.documents:
            return []
        story: list[Flowable] = [
            CondPageBreak(200),
            Spacer(1, 6),
            self.text(t(N_("Annex: evidence documents")), HEADING, space_after=6),
            self.text(t(N_("Each document's SHA-256 identifies its exact content: a reader "
                           "holding a copy can check that it is the one submitted.")),
                      LABEL, space_after=8),
        ]
        widths = [FRAME_WIDTH * 0.32, FRAME_WIDTH * 0.24, FRAME_WIDTH * 0.28,
                  FRAME_WIDTH * 0.16]
        header_style = LABEL.with_(bold=True, color=theme.PAPER)
        captions = (t(N_("Question")), t(N_("Document")), "SHA-256", t(N_("Review")))
        rows = [self.row([self.text(caption, header_style) for caption in captions])]
        for document in data.documents:
            rows.append(self.row([
                self.text(f"{document.question_number or document.question_id} · "
                          f"{document.question_text}", LABEL),
                self.text(document.name),
                # In groups of eight, as fingerprints are printed, so that it wraps.
                TextBlock(self.ts_ltr, " ".join(document.sha256[index:index + 8]
                                                for index in range(0, 64, 8)), SMALL,
                          align="right" if self.rtl else "left"),
                self.text(document.verdict or "–", LABEL),
            ]))
        table = Table(rows, colWidths=self.widths(widths), repeatRows=1,
                      splitInRow=_MINIMUM_SPLIT)
        table.setStyle(TableStyle([
            *self.base_table_style,
            ("BACKGROUND", (0, 0), (-1, 0), theme.NAVY),
            ("ROWBACKGROUNDS", (0, 1), (-1, -1), [theme.PAPER, theme.SHADE]),
            ("BOX", (0, 0), (-1, -1), 0.6, theme.RULE),
            ("LINEBELOW", (0, 1), (-1, -1), 0.4, theme.RULE),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("TOPPADDING", (0, 0), (-1, -1), 5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
            ("LEFTPADDING", (0, 0), (-1, -1), 6),
            ("RIGHTPADDING", (0, 0), (-1, -1), 6),
        ]))
        story.append(table)
        return story

    # -- history

    def _history(self) -> list[Flowable]:
        """The subject's approved assessments over time: the overall score of each as a
        chart and a table, and each section's change since the previous one."""
        t = self.t
        data = self.data
        if not data.history:
            return []
        story: list[Flowable] = [
            CondPageBreak(240),
            Spacer(1, 6),
            self.text(t(N_("History")), HEADING, space_after=6),
            self.text(t(N_("Overall score at each approved assessment, oldest first.")),
                      LABEL, space_after=8),
            SectionChart(
                self.ts,
                [(point.label, point.overall) for point in data.history],
                FRAME_WIDTH,
                format_score=self.format_score,
                format_number=self.format_number,
                label_share=0.3,
                max_label_lines=1,
            ),
            Spacer(1, 10),
        ]
        header_style = LABEL.with_(bold=True, color=theme.PAPER)
        captions = (t(N_("Assessment")), t(N_("Stage")), t(N_("Questionnaire version")),
                    t(N_("Overall score")), t(N_("Level")))
        rows = [self.row([self.text(caption, header_style) for caption in captions])]
        for point in data.history:
            version = point.questionnaire_version
            if point.version_changed:
                version = f"{version} · {t(N_('New version'))}"
            rows.append(self.row([
                self.text(point.label), self.text(point.stage or "–"), self.text(version),
                self.text(self.score_text(point.overall), BODY_BOLD),
                self.text(point.level or "–"),
            ]))
        story.append(self._history_table(rows, [0.24, 0.2, 0.22, 0.14, 0.2]))
        if data.history_changes:
            story += [
                Spacer(1, 10),
                self.text(t(N_("Change since the previous approved assessment")), BODY_BOLD,
                          space_after=6),
            ]
            change_captions = (t(N_("Section")), t(N_("Before")), t(N_("Now")),
                               t(N_("Change in points")))
            rows = [self.row([self.text(caption, header_style)
                              for caption in change_captions])]
            for change in data.history_changes:
                rows.append(self.row([
                    self.text(change.title), self.text(self.score_text(change.before)),
                    self.text(self.score_text(change.after)),
                    self.text(self._change_text(change.change), BODY_BOLD),
                ]))
            story.append(self._history_table(rows, [0.46, 0.16, 0.16, 0.22]))
        return story

    def _change_text(self, change: float | None) -> str:
        if change is None:
            return "–"
        text = self.format_score(abs(change))
        return f"+{text}" if change > 0 else (f"-{text}" if change < 0 else text)

    def _history_table(self, rows: list[Any], shares: Sequence[float]) -> Table:
        table = Table(rows, colWidths=self.widths([FRAME_WIDTH * share for share in shares]),
                      repeatRows=1, splitInRow=_MINIMUM_SPLIT)
        table.setStyle(TableStyle([
            *self.base_table_style,
            ("BACKGROUND", (0, 0), (-1, 0), theme.NAVY),
            ("ROWBACKGROUNDS", (0, 1), (-1, -1), [theme.PAPER, theme.SHADE]),
            ("BOX", (0, 0), (-1, -1), 0.6, theme.RULE),
            ("LINEBELOW", (0, 1), (-1, -1), 0.4, theme.RULE),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("TOPPADDING", (0, 0), (-1, -1), 4),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ("LEFTPADDING", (0, 0), (-1, -1), 6),
            ("RIGHTPADDING", (0, 0), (-1, -1), 6),
        ]))
        return table

    # -- gaps

    def _gaps(self) -> list[Flowable]:
        t = self.t
        data = self.data
        story: list[Flowable] = [
            CondPageBreak(200),
            Spacer(1, 6),
            self.text(t(N_("Gaps and recommended actions")), HEADING, space_after=10),
        ]
        if not data.gaps:
            story.append(self.text(t(N_("No gaps: every scored question reached the maximum."))))
            return story
        widths = [FRAME_WIDTH * 0.46, FRAME_WIDTH * 0.14, FRAME_WIDTH * 0.40]
        header_style = LABEL.with_(bold=True, color=theme.PAPER)
        aligns: tuple[Align, Align, Align] = ("start", "center", "start")
        header = [
            self.text(caption, header_style, align=align)
            for caption, align in zip(
                (t(N_("Question")), t(N_("Points lost")), t(N_("Recommended action"))),
                aligns,
                strict=True,
            )
        ]
        rows = [self.row(header)]
        for gap in data.gaps:
            rows.append(
                self.row(
                    [
                        self.text(gap.question_text),
                        self.text(self.format_score(gap.lost_points), BODY_BOLD, align="center"),
                        self.text(gap.action or "–"),
                    ]
                )
            )
        table = Table(rows, colWidths=self.widths(widths), repeatRows=1, splitInRow=_MINIMUM_SPLIT)
        table.setStyle(
            TableStyle(
                [
                    *self.base_table_style,
                    ("BACKGROUND", (0, 0), (-1, 0), theme.NAVY),
                    ("ROWBACKGROUNDS", (0, 1), (-1, -1), [theme.PAPER, theme.SHADE]),
                    ("BOX", (0, 0), (-1, -1), 0.6, theme.RULE),
                    ("LINEBELOW", (0, 1), (-1, -1), 0.4, theme.RULE),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("TOPPADDING", (0, 0), (-1, -1), 5),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
                    ("LEFTPADDING", (0, 0), (-1, -1), 6),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 6),
                ]
            )
        )
        story.append(table)
        return story
