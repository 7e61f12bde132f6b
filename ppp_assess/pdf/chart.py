"""Horizontal bar chart of section scores, mirrored for right-to-left locales.

Bars, tracks and grid lines are ``reportlab.graphics`` shapes; labels go through the text
layer so that they are shaped, reordered and drawn with a font that has their script.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.graphics import renderPDF
from reportlab.graphics.shapes import Drawing, Line, Rect
from reportlab.lib.colors import Color
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable

from ppp_assess.pdf import theme
from ppp_assess.pdf.captions import (
    FormatNumber,
    FormatScore,
    default_format_number,
    default_format_score,
)
from ppp_assess.pdf.text import TextLine, TextStyle, Typesetter, base_font_name

_TICKS = (0, 25, 50, 75, 100)


@dataclass(frozen=True)
class _Row:
    lines: tuple[TextLine, ...]
    score: float | None
    value: TextLine
    height: float


class SectionChart(Flowable):
    """A bar per section, score 0-100, labels beside the bars and a value at each end."""

    def __init__(
        self,
        typesetter: Typesetter,
        sections: Sequence[tuple[str, float | None]],
        width: float,
        *,
        format_score: FormatScore = default_format_score,
        format_number: FormatNumber = default_format_number,
        empty_value: str = "–",
        label_size: float = 8.5,
        label_share: float = 0.42,
        max_label_lines: int = 2,
        bar_color: Color = theme.BAR,
        label_color: Color = theme.INK,
    ) -> None:
        super().__init__()
        self.typesetter = typesetter
        self.width = width
        self.bar_color = bar_color
        self.label_style = TextStyle(size=label_size, color=label_color)
        self.value_style = TextStyle(size=label_size, bold=True, color=label_color)
        self.tick_style = TextStyle(size=label_size - 1.5, color=theme.MUTED)
        self.label_width = width * label_share
        self.value_width = (
            max(
                typesetter.width(format_score(100), self.value_style),
                typesetter.width(empty_value, self.value_style),
            )
            + 6
        )
        self.gap = 8.0
        self.bar_width = width - self.label_width - self.gap - self.value_width
        leading = typesetter.leading(self.label_style)
        rows = []
        for title, score in sections:
            texts = typesetter.break_text(title, self.label_style, self.label_width)
            if len(texts) > max_label_lines:
                rest = " ".join(texts[max_label_lines - 1 :])
                texts = [
                    *texts[: max_label_lines - 1],
                    typesetter.truncate(rest, self.label_style, self.label_width),
                ]
            lines = [typesetter.line(text, self.label_style) for text in texts]
            text = empty_value if score is None else format_score(score)
            rows.append(
                _Row(
                    tuple(lines),
                    score,
                    typesetter.line(text, self.value_style),
                    max(18.0, len(lines) * leading + 5),
                )
            )
        self.rows = tuple(rows)
        self.ticks = tuple(typesetter.line(format_number(tick), self.tick_style) for tick in _TICKS)
        self.axis_height = self.tick_style.size + 6
        self.height = sum(row.height for row in self.rows) + self.axis_height

    # Flowable protocol
    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        """Return the chart's fixed size."""
        return self.width, self.height

    def draw(self) -> None:
        """Draw at the flowable origin (bottom left)."""
        self.draw_at(self.canv, 0, 0)

    def _bar_origin(self, x: float) -> float:
        """Return the x where scores start (score 0)."""
        if self.typesetter.rtl:
            return x + self.value_width + self.bar_width
        return x + self.label_width + self.gap

    def _score_x(self, x: float, score: float) -> float:
        origin = self._bar_origin(x)
        length = self.bar_width * max(0.0, min(100.0, score)) / 100
        return origin - length if self.typesetter.rtl else origin + length

    def draw_at(self, canvas: Canvas, x: float, y: float) -> None:
        """Draw the chart with its bottom-left corner at ``(x, y)``."""
        rtl = self.typesetter.rtl
        drawing = Drawing(self.width, self.height)
        # Without this the renderer selects (and the PDF references) Helvetica.
        drawing.initialFontName = base_font_name()
        top = self.height
        plot_bottom = self.axis_height
        for tick in _TICKS:
            tick_x = self._score_x(0, tick)
            drawing.add(
                Line(
                    tick_x,
                    plot_bottom - 2,
                    tick_x,
                    top,
                    strokeColor=theme.GRID,
                    strokeWidth=0.4,
                    strokeDashArray=None if tick in (0, 100) else [1.5, 1.5],
                )
            )
        row_top = top
        bar_thickness = 9.0
        for row in self.rows:
            centre = row_top - row.height / 2
            track_left = self._bar_origin(0) - (self.bar_width if rtl else 0)
            drawing.add(
                Rect(
                    track_left,
                    centre - bar_thickness / 2,
                    self.bar_width,
                    bar_thickness,
                    fillColor=theme.TRACK,
                    strokeColor=None,
                )
            )
            if row.score is not None and row.score > 0:
                end = self._score_x(0, row.score)
                left = min(end, self._bar_origin(0))
                drawing.add(
                    Rect(
                        left,
                        centre - bar_thickness / 2,
                        abs(end - self._bar_origin(0)),
                        bar_thickness,
                        fillColor=self.bar_color,
                        strokeColor=None,
                    )
                )
            row_top -= row.height
        renderPDF.draw(drawing, canvas, x, y)

        # Labels, values and tick numbers.
        leading = self.typesetter.leading(self.label_style)
        label_x = x + (self.width - self.label_width if rtl else 0)
        row_top = y + top
        for row in self.rows:
            centre = row_top - row.height / 2
            block = (len(row.lines) - 1) * leading
            baseline = centre + block / 2 - self.label_style.size * 0.35
            for line in row.lines:
                self.typesetter.draw(canvas, line, label_x, baseline, self.label_width, "start")
                baseline -= leading
            value_baseline = centre - self.value_style.size * 0.35
            # The value sits just past the end of the bar, on the side the bar grows to.
            end = x + self._score_x(0, row.score if row.score is not None else 0)
            if rtl:
                row.value.draw(canvas, end - 4 - row.value.width, value_baseline)
            else:
                row.value.draw(canvas, end + 4, value_baseline)
            row_top -= row.height
        for tick, line in zip(_TICKS, self.ticks, strict=True):
            tick_x = x + self._score_x(0, tick)
            line.draw(canvas, tick_x - line.width / 2, y + 1)
