"""Multilingual text on a ReportLab canvas: fonts per script, bidi order, shaping, lines.

ReportLab shapes TrueType text with HarfBuzz (``reportlab[shaping]``), but it reorders
right-to-left text only through its optional ``rlbidi`` module, which is not published
on PyPI, and its paragraphs shape each space-separated word as a whole, in the word's
first font and in the direction HarfBuzz guesses for it, so a word mixing fonts or
directions (``وزارة(2025)``) comes out garbled. This module therefore breaks and orders
lines itself and leaves the rest to the libraries:

* **Fonts.** The bundled TrueType fonts (``fonts/README.md``) are registered on first
  use. A locale's fallback chain starts with the fonts of its script (CLDR likely
  subtags, through Babel); each character takes the first font with a glyph for it, so
  an English certificate can name an Arabic organisation.
* **Bidi.** python-bidi's :func:`bidi.get_display` gives each line in visual order,
  with the direction of every character. Right-to-left runs with letters are turned
  back into logical order, because HarfBuzz shapes logical text and lays right-to-left
  glyphs out in visual order itself; other right-to-left characters (brackets between
  Arabic words) are mirrored.
* **Shaping and drawing.** Right-to-left runs are shaped with ReportLab's
  :func:`~reportlab.pdfbase.ttfonts.shapeStr` and drawn through the canvas's text
  object; their widths come from HarfBuzz (uharfbuzz) with the same features.
* **Line breaking** at spaces and between CJK characters (no line starts with closing
  or other punctuation, none ends with opening punctuation, from the Unicode
  categories). A word longer than the line is cut after its last ``/`` or ``-`` that
  fits, else by characters; a hyphenated word that fits is never cut, since readers
  such as pdftotext drop a hyphen at the end of a line.
* **Text extraction.** A shaped glyph often has no code point of its own (ligatures) or
  only an Arabic presentation form, and ReportLab's ``ToUnicode`` map then gives
  private-use characters or presentation forms to whoever copies the text.
  :class:`LogicalTextFont` rewrites that map so that each glyph extracts as the letters
  it stands for. ReportLab has no public hook for this; it is the one place here that
  uses ReportLab's internals (see the class).
"""

from __future__ import annotations

import itertools
import math
import threading
import unicodedata
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import uharfbuzz
from babel import Locale, UnknownLocaleError
from babel.core import get_global, parse_locale
from bidi import get_display
from bidi.mirror import MIRRORED
from reportlab.lib import colors
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont, shapeStr
from reportlab.pdfgen.canvas import Canvas

FONT_DIRECTORY = Path(__file__).resolve().parent / "fonts"

Direction = Literal["ltr", "rtl"]
Family = Literal["sans", "serif"]
Align = Literal["start", "end", "center", "left", "right"]

# Explicit embeddings and overrides are dropped before layout (levels come from the text
# itself). Isolates (LRI, RLI, FSI, PDI: what people typed, set apart from the sentence
# around it) and the implicit marks (LRM, RLM, ALM) take part in ordering but are never
# drawn: the fonts have no glyph for them.
_BIDI_CONTROLS = dict.fromkeys(map(ord, "\u202a\u202b\u202c\u202d\u202e"))
_ISOLATES = "\u2066\u2067\u2068\u2069"
_NO_ISOLATES = dict.fromkeys(map(ord, _ISOLATES))
_INVISIBLE = frozenset("\u200e\u200f\u061c" + _ISOLATES)
# Other control characters (tabs, carriage returns from pasted text) have no glyph.
_CONTROLS = {code: " " for code in (*range(0x00, 0x20), *range(0x7F, 0xA0))}
_RIGHT_TO_LEFT = frozenset({"R", "AL"})
# INVISIBLE PLUS, a boundary neutral that no text of ours contains: see _visual_order.
_PROBE = "\u2064"
# The same features and clusters as ReportLab's shapeStr, so that measured widths match.
_FEATURES = {"kern": True, "liga": True, "dlig": True}
# Line breaking: no line starts with closing, final or other punctuation (，。：？%),
# none ends with opening or initial punctuation (（“).
_NO_LINE_START = frozenset({"Pe", "Pf", "Po"})
_NO_LINE_END = frozenset({"Ps", "Pi"})
# Synthetic bold: stroke the outline with this fraction of the font size.
_SYNTHETIC_BOLD_STROKE = 0.035


@dataclass(frozen=True)
class Face:
    """One font face the renderer can draw with."""

    name: str
    filename: str
    synthetic_bold: bool = False


_SANS, _SANS_BOLD = Face("PPPAssess-NotoSans", "NotoSans-Regular.ttf"), Face(
    "PPPAssess-NotoSans-Bold", "NotoSans-Bold.ttf"
)
_SERIF, _SERIF_BOLD = Face("PPPAssess-NotoSerif", "NotoSerif-Regular.ttf"), Face(
    "PPPAssess-NotoSerif-Bold", "NotoSerif-Bold.ttf"
)
_ARABIC, _ARABIC_BOLD = Face("PPPAssess-NotoNaskhArabic", "NotoNaskhArabic-Regular.ttf"), Face(
    "PPPAssess-NotoNaskhArabic-Bold", "NotoNaskhArabic-Bold.ttf"
)
_CJK = Face("PPPAssess-DroidSansFallback", "DroidSansFallbackFull.ttf")
# The CJK font has no bold cut: bold is drawn by stroking the regular outlines.
_CJK_BOLD = replace(_CJK, synthetic_bold=True)
# Faces by font group, family (sans, serif) and weight (regular, bold).
_FACES = {
    "latin": {"sans": (_SANS, _SANS_BOLD), "serif": (_SERIF, _SERIF_BOLD)},
    "arabic": dict.fromkeys(("sans", "serif"), (_ARABIC, _ARABIC_BOLD)),
    "cjk": dict.fromkeys(("sans", "serif"), (_CJK, _CJK_BOLD)),
}
# ISO 15924 scripts whose locales come with fonts of their own before the Latin ones.
_SCRIPT_GROUPS = {"Arab": "arabic", "Hans": "cjk", "Hant": "cjk", "Jpan": "cjk", "Kore": "cjk"}


def _locale(locale: str) -> Locale | None:
    try:
        return Locale.parse(locale.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return None


def direction_of(locale: str) -> Direction:
    """Return the default text direction of a locale, from CLDR."""
    parsed = _locale(locale)
    return "rtl" if parsed is not None and parsed.text_direction == "rtl" else "ltr"


def primary_script(locale: str) -> str:
    """Return the font group (``latin``, ``arabic`` or ``cjk``) a locale is written in."""
    parsed = _locale(locale)
    if parsed is None:
        return "latin"
    script = parsed.script
    if script is None:
        likely = get_global("likely_subtags").get(parsed.language, parsed.language)
        script = parse_locale(likely)[2]
    return _SCRIPT_GROUPS.get(script or "", "latin")


# --------------------------------------------------------------------------- fonts


class LogicalTextFont(TTFont):
    """A TrueType font whose shaped glyphs extract as the letters they stand for.

    ReportLab draws a shaped glyph with the first character its cmap gives the glyph (an
    Arabic presentation form for most joined letters) or, for glyphs without one (the
    lam-alef ligature, stacked marks), with a private-use code, and writes that code in
    the font's ``ToUnicode`` map. Copying such text, or ``pdftotext``, then gives
    presentation forms and private-use characters. This font remembers the text of
    every glyph HarfBuzz produced while measuring, and after ReportLab has written the
    font rewrites its ``ToUnicode`` maps with those texts (presentation forms become
    their letters).

    ReportLab offers no public way to do this: :meth:`addObjects` reads the subsets of
    the document's font state and the written ``ToUnicode`` streams, which are
    ReportLab internals. Everything else in this module uses public APIs.
    """

    def __init__(self, name: str, filename: str) -> None:
        super().__init__(name, filename)
        self.glyph_text: dict[int, str] = {}
        self.hb_font = uharfbuzz.Font(self.hbFace)
        self.units_per_em = self.hbFace.upem
        self.characters = frozenset(map(chr, self.hbFace.unicodes))

    def text_of(self, code: int) -> str:
        """Return the text that the character code ``code`` of this font stands for."""
        character = chr(code)
        if 0xE000 <= code <= 0xF8FF:
            return self.glyph_text.get(self.face.charToGlyph.get(code, -1), character)
        if unicodedata.decomposition(character).startswith(
            ("<initial>", "<medial>", "<final>", "<isolated>")
        ):
            return unicodedata.normalize("NFKC", character)
        return character

    def addObjects(self, doc: Any) -> None:
        """Write the font subsets, then point their ``ToUnicode`` maps at the letters."""
        state = self.state.get(doc)
        subsets = [list(subset) for subset in state.subsets] if state is not None else []
        names = [self.getSubsetInternalName(index, doc)[1:] for index in range(len(subsets))]
        super().addObjects(doc)
        fonts = doc.idToObject["BasicFonts"].dict
        for name, subset in zip(names, subsets, strict=True):
            texts = [self.text_of(code) for code in subset]
            if texts != [chr(code) for code in subset]:
                stream = doc.idToObject[fonts[name].ToUnicode.name]
                stream.content = to_unicode_cmap(fonts[name].BaseFont, texts)


def to_unicode_cmap(font_name: str, texts: list[str]) -> str:
    """Return a ``ToUnicode`` CMap mapping one-byte codes ``0..n-1`` to ``texts``."""
    entries = [f"<{code:02X}> <{text.encode('utf-16-be').hex().upper()}>"
               for code, text in enumerate(texts)]
    lines = [
        "/CIDInit /ProcSet findresource begin",
        "12 dict begin",
        "begincmap",
        f"/CIDSystemInfo << /Registry ({font_name}) /Ordering ({font_name}) /Supplement 0 >> def",
        f"/CMapName /{font_name} def",
        "/CMapType 2 def",
        "1 begincodespacerange",
        f"<00> <{len(texts) - 1:02X}>",
        "endcodespacerange",
    ]
    # A bfchar block holds at most 100 entries.
    for start in range(0, len(entries), 100):
        block = entries[start : start + 100]
        lines += [f"{len(block)} beginbfchar", *block, "endbfchar"]
    lines += ["endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"]
    return "\n".join(lines)


_LOCK = threading.RLock()
_FONTS: dict[str, LogicalTextFont] = {}


def font(face: Face) -> LogicalTextFont:
    """Return the registered ReportLab font for ``face``, loading it on first use."""
    loaded = _FONTS.get(face.name)
    if loaded is None:
        with _LOCK:
            loaded = _FONTS.get(face.name)
            if loaded is None:
                path = FONT_DIRECTORY / face.filename
                if not path.is_file():
                    raise FileNotFoundError(f"bundled font missing: {path}")
                loaded = LogicalTextFont(face.name, str(path))
                pdfmetrics.registerFont(loaded)
                _FONTS[face.name] = loaded
    return loaded


def base_font_name() -> str:
    """Return the registered name of the default Latin face (for a canvas's initial font)."""
    return str(font(_SANS).fontName)


@lru_cache(maxsize=8192)
def _shaped_width(face: Face, text: str) -> float:
    """Return the advance of shaped ``text`` at size 1, remembering each glyph's text."""
    loaded = font(face)
    buffer = uharfbuzz.Buffer()
    buffer.cluster_level = uharfbuzz.BufferClusterLevel.MONOTONE_CHARACTERS
    buffer.add_str(text)
    buffer.guess_segment_properties()
    with _LOCK:
        uharfbuzz.shape(loaded.hb_font, buffer, _FEATURES)
        infos = buffer.glyph_infos
        starts = sorted({info.cluster for info in infos})
        ends = dict(itertools.pairwise([*starts, len(text)]))
        named: set[int] = set()
        for info in infos:
            # The first glyph of a cluster stands for its characters (all of them, for a
            # ligature); any further glyph of the cluster for nothing more.
            if info.cluster not in named:
                named.add(info.cluster)
                cluster = text[info.cluster : ends[info.cluster]]
                loaded.glyph_text.setdefault(info.codepoint, cluster)
    advance = sum(position.x_advance for position in buffer.glyph_positions)
    return float(advance) / loaded.units_per_em


@lru_cache(maxsize=4096)
def _shape(font_name: str, text: str, size: float) -> str:
    """Return ``text`` shaped by ReportLab (a ``str`` carrying the glyph positions)."""
    with _LOCK:  # ReportLab numbers the glyphs without a character as it meets them
        shaped: str = shapeStr(text, font_name, size)
    return shaped


# --------------------------------------------------------------------------- lines


@dataclass(frozen=True)
class TextStyle:
    """How a piece of text is drawn."""

    size: float = 10.0
    bold: bool = False
    family: Family = "sans"
    color: colors.Color = field(default_factory=lambda: colors.black)
    leading: float | None = None

    def with_(self, **changes: Any) -> TextStyle:
        """Return a copy with some attributes changed."""
        return replace(self, **changes)


@dataclass(frozen=True)
class Run:
    """A piece of one line drawn with one face, in visual order.

    A shaped run holds right-to-left letters in logical order: HarfBuzz draws them
    right to left. Any other run holds its characters in visual order.
    """

    face: Face
    text: str
    width: float
    shaped: bool = False


@dataclass(frozen=True)
class TextLine:
    """A laid-out line: runs in visual (left-to-right) order."""

    runs: tuple[Run, ...]
    width: float
    style: TextStyle

    def draw(self, canvas: Canvas, x: float, y: float) -> None:
        """Draw the line with its left end at ``x`` and its baseline at ``y``."""
        if not self.runs:
            return
        size = self.style.size
        canvas.saveState()
        canvas.setFillColor(self.style.color)
        if any(run.face.synthetic_bold for run in self.runs):
            canvas.setStrokeColor(self.style.color)
            canvas.setLineWidth(size * _SYNTHETIC_BOLD_STROKE)
        text_object = canvas.beginText()
        for run in self.runs:
            text_object.setTextOrigin(x, y)
            text_object.setFont(run.face.name, size)
            text_object.setTextRenderMode(2 if run.face.synthetic_bold else 0)
            if run.shaped:
                text_object.textOut(_shape(run.face.name, run.text, size))
            else:
                text_object.textOut(run.text)
            x += run.width
        canvas.drawText(text_object)
        canvas.restoreState()


def _visual_order(text: str, rtl: bool) -> list[tuple[str, bool]]:
    """Return the characters of one line in visual order, each with its direction.

    python-bidi's :func:`~bidi.get_display` reorders but does not report levels, and
    unlike the drawing it does not mirror brackets. Each character is therefore followed
    by an invisible boundary-neutral probe: the bidi algorithm gives such a character the
    level of the one before it and keeps the two together, so in visual order the probe
    comes after its character on a left-to-right level and before it on a right-to-left
    one.

    :return: ``(character, right_to_left)`` pairs, left to right.
    """
    if not rtl and not any(unicodedata.bidirectional(ch) in _RIGHT_TO_LEFT for ch in text):
        return [(character, False) for character in text]
    # Rule L1 would take a probe at the very end back to the paragraph level, away from
    # its character: a strong letter of the paragraph's direction closes the line
    # instead, with the effect the end of the paragraph has, and is dropped afterwards.
    probed = "".join(character + _PROBE for character in text.replace(_PROBE, ""))
    visual = str(get_display(probed + ("\u05d0" if rtl else "a") + _PROBE,
                             base_dir="R" if rtl else "L"))
    visual = visual[2:] if rtl else visual[:-2]
    return [
        (visual[index + 1], True) if visual[index] == _PROBE else (visual[index], False)
        for index in range(0, len(visual), 2)
    ]


def _break_opportunities(text: str) -> list[int]:
    """Return the indices before which a line may break."""
    result = []
    for index in range(1, len(text)):
        previous, current = text[index - 1], text[index]
        if current.isspace():
            continue
        if previous.isspace():
            result.append(index)
        elif (
            unicodedata.category(current) in _NO_LINE_START
            or unicodedata.category(previous) in _NO_LINE_END
        ):
            continue
        elif unicodedata.east_asian_width(previous) in "WF" or (
            unicodedata.east_asian_width(current) in "WF"
        ):
            result.append(index)
    return result


def _trim(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1].isspace():
        end -= 1
    return end


# Faces with a glyph for a character, by fallback chain.
_COVERING: dict[tuple[Face, ...], dict[str, tuple[Face, ...]]] = {}


class Typesetter:
    """Lays out text for one locale and paragraph direction."""

    def __init__(self, locale: str, direction: str | None = None) -> None:
        self.locale = locale
        resolved = (direction or direction_of(locale)).lower()
        if resolved not in ("ltr", "rtl"):
            raise ValueError(f"text direction must be 'ltr' or 'rtl', not {direction!r}")
        self.direction: Direction = "rtl" if resolved == "rtl" else "ltr"
        self.rtl = self.direction == "rtl"
        self.script = primary_script(locale)
        groups = (self.script, *(group for group in _FACES if group != self.script))
        self._chains = {
            (family, bold): tuple(_FACES[group][family][bold] for group in groups)
            for family in ("sans", "serif")
            for bold in (False, True)
        }

    # -- metrics

    def leading(self, style: TextStyle) -> float:
        """Return the baseline-to-baseline distance for ``style``."""
        if style.leading is not None:
            return style.leading
        return style.size * {"arabic": 1.75, "cjk": 1.5}.get(self.script, 1.3)

    def face(self, style: TextStyle) -> Face:
        """Return the main face of this locale for ``style``."""
        return self._chains[style.family, style.bold][0]

    # -- lines

    def line(self, text: str, style: TextStyle) -> TextLine:
        """Lay out ``text`` on one line (line breaks become spaces)."""
        text = " ".join(text.split("\n")).translate(_BIDI_CONTROLS).translate(_CONTROLS)
        chain = self._chains[style.family, style.bold]
        if not self.rtl and not any(
                unicodedata.bidirectional(character) in _RIGHT_TO_LEFT for character in text):
            # Left to right throughout: isolates change nothing.
            text = text.translate(_NO_ISOLATES)
        if not self.rtl and self._one_face(text, chain):
            # The common case: one font, left to right.
            run = Run(chain[0], text, pdfmetrics.stringWidth(text, chain[0].name, style.size))
            return TextLine((run,) if text else (), run.width, style)
        covering_of = _COVERING.setdefault(chain, {})
        pieces: list[tuple[Face, bool, str]] = []
        previous: Face | None = None
        for character, right_to_left in _visual_order(text, self.rtl):
            if character in _INVISIBLE:
                continue
            covering = covering_of.get(character)
            if covering is None:
                covering = tuple(face for face in chain if character in font(face).characters)
                covering_of[character] = covering
            if previous is not None and (
                unicodedata.category(character)[0] == "M"
                or (unicodedata.category(character)[0] != "L" and previous in covering)
            ):
                face = previous  # marks, digits and punctuation stay with the font before
            else:
                face = covering[0] if covering else previous or chain[0]
            if pieces and pieces[-1][:2] == (face, right_to_left):
                pieces[-1] = (face, right_to_left, pieces[-1][2] + character)
            else:
                pieces.append((face, right_to_left, character))
            previous = face
        runs = tuple(self._run(face, right_to_left, piece, style.size)
                     for face, right_to_left, piece in pieces)
        return TextLine(runs, sum(run.width for run in runs), style)

    @staticmethod
    def _run(face: Face, right_to_left: bool, visual: str, size: float) -> Run:
        if right_to_left and any(
            unicodedata.bidirectional(character) in _RIGHT_TO_LEFT for character in visual
        ):
            # HarfBuzz shapes the logical text and lays it out right to left itself,
            # mirroring any bracket inside.
            logical = visual[::-1]
            return Run(face, logical, size * _shaped_width(face, logical), shaped=True)
        if right_to_left:
            visual = "".join(MIRRORED.get(character, character) for character in visual)
        return Run(face, visual, pdfmetrics.stringWidth(visual, face.name, size))

    @staticmethod
    def _one_face(text: str, chain: tuple[Face, ...]) -> bool:
        """Tell whether ``text`` is drawn with the chain's first face only, unshaped."""
        characters = set(text)
        return characters <= font(chain[0]).characters and not any(
            unicodedata.bidirectional(character) in _RIGHT_TO_LEFT for character in characters
        )

    def width(self, text: str, style: TextStyle) -> float:
        """Return the width of ``text`` set on one line."""
        chain = self._chains[style.family, style.bold]
        text = text.translate(_CONTROLS)
        if self._one_face(text, chain):  # the order of the characters changes nothing
            return float(pdfmetrics.stringWidth(text, chain[0].name, style.size))
        return self.line(text, style).width

    def fit(self, text: str, style: TextStyle, width: float, minimum_size: float) -> TextStyle:
        """Return ``style`` shrunk, not below ``minimum_size``, until ``text`` fits ``width``."""
        natural = self.width(text, style)
        if natural <= width or natural == 0:
            return style
        size = max(minimum_size, math.floor(style.size * width / natural * 4) / 4)
        while size > minimum_size and self.width(text, style.with_(size=size)) > width:
            size = max(minimum_size, size - 0.25)
        return style.with_(size=size)

    def break_text(self, text: str, style: TextStyle, width: float) -> list[str]:
        """Return the logical text of each line ``wrap`` would produce (newlines break)."""
        lines: list[str] = []
        for paragraph in text.split("\n"):
            paragraph = paragraph.strip().translate(_BIDI_CONTROLS).translate(_CONTROLS)
            lines.extend(self._break_paragraph(paragraph, style, width))
        return lines

    def wrap(self, text: str, style: TextStyle, width: float) -> list[TextLine]:
        """Break ``text`` into lines no wider than ``width`` (newlines force breaks)."""
        return [self.line(line, style) for line in self.break_text(text, style, width)]

    def _break_paragraph(self, text: str, style: TextStyle, width: float) -> list[str]:
        if not text:
            return [""]
        lines: list[str] = []
        start = 0
        used = 0.0  # the width of text[start:segment_start], spaces included
        for segment_start, segment_end in itertools.pairwise(
            [0, *_break_opportunities(text), len(text)]
        ):
            end = _trim(text, segment_start, segment_end)
            word = self.width(text[segment_start:end], style)
            # Widths add up: shaping and kerning never reach across a break opportunity.
            if start < segment_start and used + word > width:
                lines.append(text[start : _trim(text, start, segment_start)])
                start, used = segment_start, 0.0
            while used + word > width:
                # A single word wider than the line (a long address) is cut by characters.
                start = self._cut(text, start, end, style, width, lines)
                word = self.width(text[start:end], style)
            used += word + self.width(text[end:segment_end], style)
        if start < len(text):
            lines.append(text[start : _trim(text, start, len(text))])
        return lines

    def _cut(
        self, text: str, start: int, end: int, style: TextStyle, width: float, lines: list[str]
    ) -> int:
        """Add the longest prefix of ``text[start:end]`` that fits to ``lines``; return its end."""
        low, high = start + 1, end
        while low < high:  # one character at least, so that the text always advances
            middle = (low + high + 1) // 2
            if self.width(text[start:middle], style) <= width:
                low = middle
            else:
                high = middle - 1
        # Rather after a slash or a hyphen (an address, a compound), never before a mark.
        soft = max(text.rfind("/", start + 1, low), text.rfind("-", start + 1, low))
        if soft > start:
            low = soft + 1
        while low > start + 1 and unicodedata.category(text[low])[0] == "M":
            low -= 1
        lines.append(text[start:low])
        return low

    def truncate(self, text: str, style: TextStyle, width: float, ellipsis: str = "…") -> str:
        """Return ``text`` cut at a word (or character) boundary, with ``ellipsis``, to fit."""
        if self.width(text, style) <= width:
            return text
        kept = ""
        for word in text.split():
            candidate = f"{kept} {word}".strip()
            if self.width(candidate + ellipsis, style) > width:
                break
            kept = candidate
        if not kept:
            for character in text:
                if self.width(kept + character + ellipsis, style) > width:
                    break
                kept += character
        return kept + ellipsis

    # -- drawing

    def left_of(self, line_width: float, x: float, width: float, align: Align) -> float:
        """Return where a line of ``line_width`` starts inside ``[x, x + width]``.

        ``start`` and ``end`` follow the paragraph direction (``start`` is the right edge
        in a right-to-left locale); ``left``, ``right`` and ``center`` are absolute.
        """
        if align == "center":
            return x + (width - line_width) / 2
        if align in ("start", "end"):
            align = "right" if (align == "start") == self.rtl else "left"
        return x + width - line_width if align == "right" else x

    def draw(
        self, canvas: Canvas, line: TextLine, x: float, y: float, width: float,
        align: Align = "start",
    ) -> None:
        """Draw ``line`` in the box ``[x, x + width]`` with the given alignment."""
        line.draw(canvas, self.left_of(line.width, x, width, align), y)

    def draw_text(
        self, canvas: Canvas, text: str, style: TextStyle, x: float, y: float, width: float,
        align: Align = "start",
    ) -> float:
        """Draw ``text`` on one line and return its width."""
        line = self.line(text, style)
        self.draw(canvas, line, x, y, width, align)
        return line.width

    def draw_paragraph(
        self, canvas: Canvas, text: str, style: TextStyle, x: float, top: float, width: float,
        align: Align = "start", max_lines: int | None = None,
    ) -> float:
        """Draw wrapped ``text`` from ``top`` (first baseline one size below) down.

        :return: the y coordinate below the last line drawn.
        """
        lines = self.wrap(text, style, width)[:max_lines]
        leading = self.leading(style)
        baseline = top - style.size
        for line in lines:
            self.draw(canvas, line, x, baseline, width, align)
            baseline -= leading
        return top - leading * len(lines)
