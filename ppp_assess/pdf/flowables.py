"""Platypus flowables drawing through the multilingual text layer."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from reportlab.lib.colors import Color
from reportlab.platypus import Flowable

from ppp_assess.pdf.text import Align, TextLine, TextStyle, Typesetter


class TextBlock(Flowable):
    """A wrapped paragraph of plain text in any script; splits across pages by lines."""

    def __init__(
        self,
        typesetter: Typesetter,
        text: str,
        style: TextStyle,
        *,
        align: Align = "start",
        space_before: float = 0.0,
        space_after: float = 0.0,
        link: str | None = None,
        background: Color | None = None,
        padding: float = 0.0,
        lines: Sequence[TextLine] | None = None,
    ) -> None:
        super().__init__()
        self.typesetter = typesetter
        self.text = text
        self.style = style
        self.align = align
        self.spaceBefore = space_before
        self.spaceAfter = space_after
        self.link = link
        self.background = background
        self.padding = padding
        self.leading = typesetter.leading(style)
        self._fixed = list(lines) if lines is not None else None
        self._cache: tuple[float, list[TextLine]] | None = None
        self.width = 0.0
        self.height = 0.0

    def _layout(self, width: float) -> list[TextLine]:
        if self._fixed is not None:
            return self._fixed
        if self._cache is None or abs(self._cache[0] - width) > 0.01:
            lines = self.typesetter.wrap(self.text, self.style, width - 2 * self.padding)
            self._cache = (width, lines)
        return self._cache[1]

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        """Lay the text out for ``available_width`` and return the size it needs."""
        lines = self._layout(available_width)
        self.width = available_width
        self.height = len(lines) * self.leading + 2 * self.padding
        return self.width, self.height

    def split(self, available_width: float, available_height: float) -> list[Flowable]:
        """Split between lines so that the first part fits ``available_height``."""
        lines = self._layout(available_width)
        fitting = int((available_height - 2 * self.padding) // self.leading)
        if fitting <= 0 or len(lines) <= 1:
            return []
        if fitting >= len(lines):
            return [self]
        common: dict[str, Any] = {
            "align": self.align,
            "link": self.link,
            "background": self.background,
            "padding": self.padding,
        }
        head = TextBlock(
            self.typesetter,
            self.text,
            self.style,
            lines=lines[:fitting],
            space_before=self.spaceBefore,
            **common,
        )
        tail = TextBlock(
            self.typesetter,
            self.text,
            self.style,
            lines=lines[fitting:],
            space_after=self.spaceAfter,
            **common,
        )
        return [head, tail]

    def draw(self) -> None:
        """Draw the lines from the top of the flowable down."""
        canvas = self.canv
        lines = self._layout(self.width)
        if self.background is not None:
            canvas.saveState()
            canvas.setFillColor(self.background)
            canvas.rect(0, 0, self.width, self.height, stroke=0, fill=1)
            canvas.restoreState()
        size = self.style.size
        inner = self.width - 2 * self.padding
        slot_top = self.height - self.padding
        for line in lines:
            baseline = slot_top - (self.leading - size) / 2 - size * 0.8
            left = self.typesetter.left_of(line.width, self.padding, inner, self.align)
            line.draw(canvas, left, baseline)
            if self.link:
                canvas.linkURL(
                    self.link,
                    (left, slot_top - self.leading, left + line.width, slot_top),
                    relative=1,
                )
            slot_top -= self.leading
