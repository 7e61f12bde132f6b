"""Multilingual text layout on a ReportLab canvas: font choice, bidi, shaping, wrapping.

ReportLab draws one font per string and, without its optional ``rlbidi`` module, no
right-to-left text. This module fills the gap for every script the platform ships:

* **Fonts.** The bundled TrueType fonts (see ``fonts/README.md``) are registered on first
  use. Each locale gets a fallback chain (its own script first), and every character is
  drawn with the first font of the chain that has a glyph for it, so an English
  certificate can still name an Arabic organisation and a Chinese one can show a URL.
* **Bidi.** Embedding levels come from python-bidi (UAX #9 with paired brackets), computed
  per paragraph; each line is then reordered by rules L1 and L2.
* **Shaping.** Arabic runs are shaped with HarfBuzz (uharfbuzz, as used by
  ``reportlab[shaping]``) in their resolved direction, which gives joined letter forms,
  ligatures and mark positions, in visual order.
* **Text extraction.** A shaped glyph has no Unicode code point of its own (or only a
  presentation form). Each glyph is therefore given a code whose ``ToUnicode`` entry is
  the letter it stands for (the letters, for a ligature), so copying or ``pdftotext``
  yields the original letters rather than private-use or presentation-form characters.
"""

from __future__ import annotations

import itertools
import math
import re
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import uharfbuzz
from bidi import algorithm as bidi_algorithm
from bidi import get_display
from bidi.mirror import MIRRORED
from reportlab.lib import colors
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import ShapeData, ShapedStr, TTFont
from reportlab.pdfgen.canvas import Canvas

FONT_DIRECTORY = Path(__file__).resolve().parent / "fonts"

Direction = Literal["ltr", "rtl"]
Family = Literal["sans", "serif"]
Align = Literal["start", "end", "center", "left", "right"]

RTL_LANGUAGES = frozenset({"ar", "fa", "he", "ur", "ps", "sd", "ug", "yi", "dv", "ckb"})
CJK_LANGUAGES = frozenset({"zh", "ja", "ko"})

# Explicit embeddings, overrides and isolates are dropped before layout (levels are resolved
# from the text itself). The implicit marks (LRM, RLM, ALM) take part in resolving levels but
# are never drawn: most fonts have no glyph for them and they would print as boxes.
_BIDI_CONTROLS = dict.fromkeys(map(ord, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))
_BIDI_MARKS = frozenset("\u200e\u200f\u061c")
# Other control characters (tabs, carriage returns from pasted text) have no glyph.
_CONTROLS = {code: " " for code in (*range(0x00, 0x20), *range(0x7F, 0xA0))}
_RTL_BIDI_CLASSES = frozenset({"R", "AL", "AN"})

# Line-breaking rules for CJK text (a practical subset of UAX #14 / JIS X 4051 kinsoku).
_NO_LINE_START = frozenset(
    ")]}〕〉》」』】〙〗〟'\"»›,.:;!?%‰℃°"
    "、。，．：；！？）］｝〉》」』】〕〗〙〛‐゠–ー…‥ゝゞヽヾ々〻ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ”’"
)
_NO_LINE_END = frozenset("([{〔〈《「『【〘〖〝'\"«‹（［｛〈《「『【〔〖〘〚“‘$£¥€")
_SOFT_BREAK_AFTER = frozenset("-/–—‐")

# Synthetic bold: stroke the outline with this fraction of the font size.
_SYNTHETIC_BOLD_STROKE = 0.035


@dataclass(frozen=True)
class Face:
    """One font face the renderer can draw with."""

    name: str
    filename: str
    shaped: bool = False
    synthetic_bold: bool = False


_LATIN_SANS = Face("PPPAssess-NotoSans", "NotoSans-Regular.ttf")
_LATIN_SANS_BOLD = Face("PPPAssess-NotoSans-Bold", "NotoSans-Bold.ttf")
_LATIN_SERIF = Face("PPPAssess-NotoSerif", "NotoSerif-Regular.ttf")
_LATIN_SERIF_BOLD = Face("PPPAssess-NotoSerif-Bold", "NotoSerif-Bold.ttf")
_ARABIC = Face("PPPAssess-NotoNaskhArabic", "NotoNaskhArabic-Regular.ttf", shaped=True)
_ARABIC_BOLD = Face("PPPAssess-NotoNaskhArabic-Bold", "NotoNaskhArabic-Bold.ttf", shaped=True)
_CJK = Face("PPPAssess-DroidSansFallback", "DroidSansFallbackFull.ttf")
# The CJK font has no bold cut: bold is drawn by stroking the regular outlines.
_CJK_BOLD = replace(_CJK, synthetic_bold=True)

_SCRIPT_FACES: dict[tuple[str, Family, bool], Face] = {
    ("latin", "sans", False): _LATIN_SANS,
    ("latin", "sans", True): _LATIN_SANS_BOLD,
    ("latin", "serif", False): _LATIN_SERIF,
    ("latin", "serif", True): _LATIN_SERIF_BOLD,
    ("arabic", "sans", False): _ARABIC,
    ("arabic", "sans", True): _ARABIC_BOLD,
    ("arabic", "serif", False): _ARABIC,
    ("arabic", "serif", True): _ARABIC_BOLD,
    ("cjk", "sans", False): _CJK,
    ("cjk", "sans", True): _CJK_BOLD,
    ("cjk", "serif", False): _CJK,
    ("cjk", "serif", True): _CJK_BOLD,
}
_SCRIPT_GROUPS = ("latin", "arabic", "cjk")

ALL_FACES: tuple[Face, ...] = tuple(dict.fromkeys(_SCRIPT_FACES.values()))


def language_of(locale: str) -> str:
    """Return the language subtag of a locale such as ``zh_Hans_CN`` or ``ar-EG``."""
    return locale.replace("-", "_").split("_", 1)[0].lower()


def direction_of(locale: str) -> Direction:
    """Return the default text direction of a locale."""
    return "rtl" if language_of(locale) in RTL_LANGUAGES else "ltr"


def primary_script(locale: str) -> str:
    """Return the script group (``latin``, ``arabic`` or ``cjk``) a locale is written in."""
    language = language_of(locale)
    if language in RTL_LANGUAGES:
        return "arabic"
    if language in CJK_LANGUAGES:
        return "cjk"
    return "latin"


# --------------------------------------------------------------------------- fonts


class _TrackedTTFont(TTFont):  # type: ignore[misc]
    """A TrueType font whose shaped glyphs keep the logical text they stand for.

    Shaping produces glyphs (joined Arabic forms, ligatures) that the font's cmap does not
    reach, or reaches only through presentation-form code points. Each such glyph gets a
    private code point per (glyph, text) pair, and the ``ToUnicode`` map written for the
    PDF maps it back to the text of its cluster.
    """

    def __init__(self, name: str, filename: str) -> None:
        super().__init__(name, filename)
        self.code_text: dict[int, str] = {}
        self._private_codes: dict[tuple[int, str], int] = {}
        self._next_private = 0xE000
        self._hb_font: Any = None

    def hb_font(self) -> Any:
        """Return the HarfBuzz font for this face, created once."""
        if self._hb_font is None:
            self._hb_font = uharfbuzz.Font(self.hbFace)
        return self._hb_font

    def code_for(self, glyph: int, text: str) -> int:
        """Return a code point that draws ``glyph`` and extracts as ``text``."""
        face = self.face
        natural = face.glyphToChar.get(glyph)
        if natural and text and chr(natural[0]) == text:
            return int(natural[0])
        key = (glyph, text)
        code = self._private_codes.get(key)
        if code is None:
            code = self._next_private
            while code in face.charToGlyph:
                code += 1
            if code > 0xF8FF:
                raise ValueError(f"{self.fontName}: no private code points left for shaping")
            self._next_private = code + 1
            face.charToGlyph[code] = glyph
            face.charWidths[code] = face._pdfScale(face.hmetrics[glyph][0])
            self._private_codes[key] = code
            self.code_text[code] = text
        return code

    def addObjects(self, doc: Any) -> None:
        """Write the font subsets, then point their ``ToUnicode`` maps at logical text."""
        state = self.state.get(doc)
        if state is None or not self.code_text:
            super().addObjects(doc)
            return
        subsets = [list(subset) for subset in state.subsets]
        internal_names = [self.getSubsetInternalName(n, doc)[1:] for n in range(len(subsets))]
        super().addObjects(doc)
        fonts = doc.idToObject["BasicFonts"].dict
        for internal_name, subset in zip(internal_names, subsets, strict=True):
            if not any(code in self.code_text for code in subset):
                continue
            pdf_font = fonts[internal_name]
            stream = doc.idToObject[pdf_font.ToUnicode.name]
            stream.content = _to_unicode_cmap(pdf_font.BaseFont, subset, self.code_text)


def _utf16_hex(text: str) -> str:
    return text.encode("utf-16-be").hex().upper()


def _to_unicode_cmap(font_name: str, subset: Sequence[int], code_text: dict[int, str]) -> str:
    entries = []
    for index, code in enumerate(subset):
        text = code_text.get(code, chr(code))
        entries.append(f"<{index:02X}> <{_utf16_hex(text)}>")
    lines = [
        "/CIDInit /ProcSet findresource begin",
        "12 dict begin",
        "begincmap",
        f"/CIDSystemInfo << /Registry ({font_name}) /Ordering ({font_name}) /Supplement 0 >> def",
        f"/CMapName /{font_name} def",
        "/CMapType 2 def",
        "1 begincodespacerange",
        f"<00> <{len(subset) - 1:02X}>",
        "endcodespacerange",
    ]
    # A bfchar block holds at most 100 entries.
    for start in range(0, len(entries), 100):
        block = entries[start : start + 100]
        lines.append(f"{len(block)} beginbfchar")
        lines.extend(block)
        lines.append("endbfchar")
    lines += ["endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"]
    return "\n".join(lines)


_REGISTRY_LOCK = threading.RLock()
_FONTS: dict[str, _TrackedTTFont] = {}


def font(face: Face) -> _TrackedTTFont:
    """Return the registered ReportLab font for ``face``, loading it on first use."""
    loaded = _FONTS.get(face.name)
    if loaded is not None:
        return loaded
    with _REGISTRY_LOCK:
        loaded = _FONTS.get(face.name)
        if loaded is None:
            path = FONT_DIRECTORY / face.filename
            if not path.is_file():
                raise FileNotFoundError(f"bundled font missing: {path}")
            loaded = _TrackedTTFont(face.name, str(path))
            pdfmetrics.registerFont(loaded)
            _FONTS[face.name] = loaded
        return loaded


def base_font_name() -> str:
    """Return the registered name of the default Latin face (for a canvas's initial font)."""
    return str(font(_LATIN_SANS).fontName)


def covers(face: Face, character: str) -> bool:
    """Tell whether ``face`` has a glyph for ``character``."""
    return ord(character) in font(face).face.charToGlyph


# --------------------------------------------------------------------------- styles


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
    """A piece of one line drawn with one face in one direction, in visual order."""

    face: Face
    text: str
    width: float


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
        text_object = canvas.beginText(x, y)
        for run in self.runs:
            text_object.setFont(run.face.name, size)
            if run.face.synthetic_bold:
                text_object.setTextRenderMode(2)
            text_object.textOut(run.text)
            if run.face.synthetic_bold:
                text_object.setTextRenderMode(0)
        canvas.drawText(text_object)
        canvas.restoreState()


# --------------------------------------------------------------------------- shaping


def _cluster_texts(characters: str, glyphs: int) -> list[str]:
    """Share a cluster's characters among its glyphs, in logical order.

    One glyph (a ligature, or a letter with its marks drawn as one) extracts as the whole
    cluster; otherwise each glyph takes one character, the first one taking any excess
    (a ligature followed by a mark) and glyphs beyond the characters taking none.
    """
    if glyphs == 1:
        return [characters]
    if len(characters) >= glyphs:
        excess = len(characters) - glyphs + 1
        return [characters[:excess], *characters[excess:]]
    return [*characters, *([""] * (glyphs - len(characters)))]


@lru_cache(maxsize=4096)
def _shape(face: Face, text: str, rtl: bool) -> ShapedStr:
    """Shape ``text`` with HarfBuzz; clusters come back in visual order."""
    tracked = font(face)
    buffer = uharfbuzz.Buffer()
    # Marks join their base's cluster, so a letter and its marks are handled together.
    buffer.cluster_level = uharfbuzz.BufferClusterLevel.MONOTONE_GRAPHEMES
    buffer.add_str(text)
    buffer.guess_segment_properties()
    buffer.direction = "rtl" if rtl else "ltr"
    with _REGISTRY_LOCK:
        uharfbuzz.shape(tracked.hb_font(), buffer, {"kern": True, "liga": True})
        infos = buffer.glyph_infos
        positions = buffer.glyph_positions
        scale = tracked.face._pdfScale
        boundaries = [*sorted({info.cluster for info in infos}), len(text)]
        cluster_end = dict(itertools.pairwise(boundaries))
        groups: list[list[int]] = []
        for index, info in enumerate(infos):
            if groups and infos[groups[-1][0]].cluster == info.cluster:
                groups[-1].append(index)
            else:
                groups.append([index])
        characters: list[str] = []
        shape_data: list[ShapeData] = []
        for group in groups:
            cluster = infos[group[0]].cluster
            # Glyphs stay in visual order, the convention readers expect when they reverse
            # right-to-left text; the cluster's characters go to its glyphs in logical order.
            logical = list(reversed(group)) if rtl else group
            texts = _cluster_texts(text[cluster : cluster_end[cluster]], len(logical))
            glyph_texts = dict(zip(logical, texts, strict=True))
            for index in group:
                position = positions[index]
                code = tracked.code_for(infos[index].codepoint, glyph_texts[index])
                characters.append(chr(code))
                shape_data.append(
                    ShapeData(
                        cluster,
                        scale(position.x_advance),
                        scale(position.y_advance),
                        scale(position.x_offset),
                        scale(position.y_offset),
                        tracked.face.charWidths[code],
                    )
                )
    return ShapedStr("".join(characters), shapeData=shape_data)


def _mirror(text: str) -> str:
    return "".join(MIRRORED.get(character, character) for character in text)


def _make_run(face: Face, text: str, level: int, size: float) -> Run:
    rtl = level % 2 == 1
    if face.shaped:
        shaped = _shape(face, text, rtl)
        width = sum(data.x_advance for data in shaped.__shapeData__) * size / 1000
        return Run(face, shaped, width)
    visual = _mirror(text)[::-1] if rtl else text
    return Run(face, visual, pdfmetrics.stringWidth(visual, face.name, size))


# --------------------------------------------------------------------------- bidi


_LEVEL_PATTERN = re.compile(r"Level\(\s*(\d+),?\s*\)")


def _levels(text: str, base_level: int) -> list[int]:
    """Resolve the UAX #9 embedding level of every character of one paragraph.

    python-bidi's Rust implementation (unicode-bidi, current UAX #9 including the paired
    bracket rule N0) reports its levels, one per UTF-8 byte, through ``debug=True``; its
    pure-Python algorithm, which predates N0, is the fallback should that report change.
    """
    if base_level == 0 and not any(
        unicodedata.bidirectional(character) in _RTL_BIDI_CLASSES for character in text
    ):
        return [0] * len(text)
    report = str(get_display(text, base_dir="R" if base_level else "L", debug=True))
    start, end = report.find("levels:"), report.find("paragraphs:")
    byte_levels = [int(level) for level in _LEVEL_PATTERN.findall(report[start:end])]
    sizes = [len(character.encode("utf-8")) for character in text]
    if start >= 0 and len(byte_levels) == sum(sizes):
        levels = []
        offset = 0
        for size in sizes:
            levels.append(byte_levels[offset])
            offset += size
        return levels
    return _python_levels(text, base_level)


def _python_levels(text: str, base_level: int) -> list[int]:
    storage = bidi_algorithm.get_empty_storage()
    storage["base_level"] = base_level
    storage["base_dir"] = ("L", "R")[base_level]
    bidi_algorithm.get_embedding_levels(text, storage)
    bidi_algorithm.explicit_embed_and_overrides(storage)
    bidi_algorithm.resolve_weak_types(storage)
    bidi_algorithm.resolve_neutral_types(storage, False)
    bidi_algorithm.resolve_implicit_levels(storage, False)
    levels = [int(character["level"]) for character in storage["chars"]]
    if len(levels) != len(text):  # pragma: no cover - controls are stripped beforehand
        raise ValueError("bidi levels do not match the text")
    return levels


def _line_levels(text: str, levels: Sequence[int], base_level: int) -> list[int]:
    """Apply rule L1: whitespace at the end of a line goes back to the paragraph level."""
    result = list(levels)
    index = len(text) - 1
    while index >= 0 and text[index].isspace():
        result[index] = base_level
        index -= 1
    return result


def _visual_order(levels: Sequence[int]) -> list[int]:
    """Return the indices of items in visual order by rule L2."""
    order = list(range(len(levels)))
    if not levels:
        return order
    highest = max(levels)
    lowest_odd = min(level for level in levels) | 1
    for level in range(highest, lowest_odd - 1, -1):
        index = 0
        while index < len(order):
            if levels[order[index]] >= level:
                end = index
                while end < len(order) and levels[order[end]] >= level:
                    end += 1
                order[index:end] = reversed(order[index:end])
                index = end
            else:
                index += 1
    return order


# --------------------------------------------------------------------------- layout


@dataclass
class _Paragraph:
    """One paragraph prepared for layout: per-character faces and bidi levels."""

    text: str
    faces: list[Face]
    levels: list[int]


def _is_cjk(character: str) -> bool:
    code = ord(character)
    return (
        0x2E80 <= code <= 0x9FFF
        or 0xAC00 <= code <= 0xD7AF
        or 0xF900 <= code <= 0xFAFF
        or 0xFF00 <= code <= 0xFFEF
        or 0x20000 <= code <= 0x3FFFF
    )


def _break_opportunities(text: str) -> list[int]:
    """Return the indices before which a line may break."""
    result = []
    for index in range(1, len(text)):
        previous, current = text[index - 1], text[index]
        if current.isspace():
            continue
        if previous.isspace():
            result.append(index)
        elif current in _NO_LINE_START or previous in _NO_LINE_END:
            continue
        elif (
            _is_cjk(previous)
            or _is_cjk(current)
            or (
                previous in _SOFT_BREAK_AFTER
                and current.isalnum()
                and index >= 2
                and text[index - 2].isalnum()
            )
        ):
            result.append(index)
    return result


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
        groups = (self.script, *(group for group in _SCRIPT_GROUPS if group != self.script))
        self._chains: dict[tuple[Family, bool], tuple[Face, ...]] = {
            (family, bold): tuple(_SCRIPT_FACES[(group, family, bold)] for group in groups)
            for family in ("sans", "serif")
            for bold in (False, True)
        }

    # -- metrics

    def leading(self, style: TextStyle) -> float:
        """Return the baseline-to-baseline distance for ``style``."""
        if style.leading is not None:
            return style.leading
        factor = {"arabic": 1.75, "cjk": 1.5}.get(self.script, 1.3)
        return style.size * factor

    def face(self, style: TextStyle) -> Face:
        """Return the main face of this locale for ``style``."""
        return self._chains[(style.family, style.bold)][0]

    # -- preparation

    def _prepare(self, text: str, style: TextStyle) -> _Paragraph:
        text = text.translate(_BIDI_CONTROLS).translate(_CONTROLS)
        chain = self._chains[(style.family, style.bold)]
        faces: list[Face] = []
        previous: Face | None = None
        for character in text:
            category = unicodedata.category(character)
            chosen: Face | None = None
            if previous is not None and (
                category[0] == "M" or (category[0] != "L" and covers(previous, character))
            ):
                chosen = previous
            else:
                for candidate in chain:
                    if covers(candidate, character):
                        chosen = candidate
                        break
                else:
                    chosen = previous or chain[0]
            faces.append(chosen)
            previous = chosen
        return _Paragraph(text, faces, _levels(text, 1 if self.rtl else 0))

    def _runs(self, paragraph: _Paragraph, start: int, end: int, size: float) -> tuple[Run, ...]:
        text = paragraph.text[start:end]
        if not text:
            return ()
        base_level = 1 if self.rtl else 0
        levels = _line_levels(text, paragraph.levels[start:end], base_level)
        faces = paragraph.faces[start:end]
        # Group consecutive characters sharing face and level into logical runs.
        spans: list[tuple[int, int]] = []
        span_start = 0
        for index in range(1, len(text) + 1):
            if (
                index == len(text)
                or faces[index] != faces[span_start]
                or levels[index] != levels[span_start]
            ):
                spans.append((span_start, index))
                span_start = index
        span_levels = [levels[a] for a, _ in spans]
        runs = []
        for index in _visual_order(span_levels):
            span_start, span_end = spans[index]
            drawn = "".join(ch for ch in text[span_start:span_end] if ch not in _BIDI_MARKS)
            if drawn:
                runs.append(_make_run(faces[span_start], drawn, span_levels[index], size))
        return tuple(runs)

    def _measure(self, paragraph: _Paragraph, start: int, end: int, size: float) -> float:
        return sum(run.width for run in self._runs(paragraph, start, end, size))

    # -- public API

    def line(self, text: str, style: TextStyle) -> TextLine:
        """Lay out ``text`` on one line (line breaks become spaces)."""
        paragraph = self._prepare(" ".join(text.split("\n")), style)
        runs = self._runs(paragraph, 0, len(paragraph.text), style.size)
        return TextLine(runs, sum(run.width for run in runs), style)

    def width(self, text: str, style: TextStyle) -> float:
        """Return the width of ``text`` set on one line."""
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

    def wrap(self, text: str, style: TextStyle, width: float) -> list[TextLine]:
        """Break ``text`` into lines no wider than ``width`` (newlines force breaks)."""
        lines: list[TextLine] = []
        for raw_paragraph in text.split("\n"):
            paragraph = self._prepare(raw_paragraph.strip(), style)
            for start, end in self._break_lines(paragraph, style.size, width):
                runs = self._runs(paragraph, start, end, style.size)
                lines.append(TextLine(runs, sum(run.width for run in runs), style))
        return lines

    def break_text(self, text: str, style: TextStyle, width: float) -> list[str]:
        """Return the logical text of each line ``wrap`` would produce."""
        result: list[str] = []
        for raw_paragraph in text.split("\n"):
            paragraph = self._prepare(raw_paragraph.strip(), style)
            result.extend(
                paragraph.text[start:end]
                for start, end in self._break_lines(paragraph, style.size, width)
            )
        return result

    def truncate(self, text: str, style: TextStyle, width: float, ellipsis: str = "…") -> str:
        """Return ``text`` cut at a word (or character) boundary, with ``ellipsis``, to fit."""
        if self.width(text, style) <= width:
            return text
        words = text.split()
        kept: list[str] = []
        for word in words:
            if self.width(" ".join([*kept, word]) + ellipsis, style) > width:
                break
            kept.append(word)
        if kept:
            return " ".join(kept) + ellipsis
        characters = ""
        for character in text:
            if self.width(characters + character + ellipsis, style) > width:
                break
            characters += character
        return characters + ellipsis

    def _break_lines(
        self, paragraph: _Paragraph, size: float, width: float
    ) -> list[tuple[int, int]]:
        text = paragraph.text
        if not text:
            return [(0, 0)]
        boundaries = [0, *_break_opportunities(text), len(text)]
        result: list[tuple[int, int]] = []
        line_start = 0
        for segment_start, segment_end in itertools.pairwise(boundaries):
            trimmed_end = self._trim(text, segment_start, segment_end)
            if self._measure(paragraph, line_start, trimmed_end, size) <= width:
                continue
            if line_start < segment_start:
                result.append((line_start, self._trim(text, line_start, segment_start)))
                line_start = segment_start
            if self._measure(paragraph, line_start, trimmed_end, size) > width:
                # A single word wider than the line (a long URL): break it by characters.
                line_start = self._split_long(
                    paragraph, line_start, trimmed_end, size, width, result
                )
        if line_start < len(text):
            result.append((line_start, self._trim(text, line_start, len(text))))
        return result or [(0, 0)]

    @staticmethod
    def _trim(text: str, start: int, end: int) -> int:
        while end > start and text[end - 1].isspace():
            end -= 1
        return end

    def _split_long(
        self,
        paragraph: _Paragraph,
        start: int,
        end: int,
        size: float,
        width: float,
        result: list[tuple[int, int]],
    ) -> int:
        text = paragraph.text
        while self._measure(paragraph, start, end, size) > width:
            low, high = start + 1, end
            # Largest prefix that fits (at least one character, so progress is guaranteed).
            while low < high:
                middle = (low + high + 1) // 2
                if self._measure(paragraph, start, middle, size) <= width:
                    low = middle
                else:
                    high = middle - 1
            cut = low
            while cut > start + 1 and unicodedata.category(text[cut])[0] == "M":
                cut -= 1
            result.append((start, cut))
            start = cut
        return start

    # -- drawing

    def draw(
        self,
        canvas: Canvas,
        line: TextLine,
        x: float,
        y: float,
        width: float,
        align: Align = "start",
    ) -> None:
        """Draw ``line`` in the box ``[x, x + width]`` with the given alignment.

        ``start`` and ``end`` follow the paragraph direction (``start`` is the right edge
        in a right-to-left locale); ``left``, ``right`` and ``center`` are absolute.
        """
        line.draw(canvas, self.left_of(line.width, x, width, align), y)

    def left_of(self, line_width: float, x: float, width: float, align: Align) -> float:
        """Return where a line of ``line_width`` starts inside ``[x, x + width]``."""
        if align == "center":
            return x + (width - line_width) / 2
        absolute = align
        if align == "start":
            absolute = "right" if self.rtl else "left"
        elif align == "end":
            absolute = "left" if self.rtl else "right"
        return x + width - line_width if absolute == "right" else x

    def draw_text(
        self,
        canvas: Canvas,
        text: str,
        style: TextStyle,
        x: float,
        y: float,
        width: float,
        align: Align = "start",
    ) -> float:
        """Draw ``text`` on one line and return its width."""
        line = self.line(text, style)
        self.draw(canvas, line, x, y, width, align)
        return line.width

    def draw_paragraph(
        self,
        canvas: Canvas,
        text: str,
        style: TextStyle,
        x: float,
        top: float,
        width: float,
        align: Align = "start",
        max_lines: int | None = None,
    ) -> float:
        """Draw wrapped ``text`` from ``top`` (first baseline one size below) down.

        :return: the y coordinate below the last line drawn.
        """
        lines = self.wrap(text, style, width)
        if max_lines is not None:
            lines = lines[:max_lines]
        leading = self.leading(style)
        baseline = top - style.size
        for line in lines:
            self.draw(canvas, line, x, baseline, width, align)
            baseline -= leading
        return top - leading * len(lines)
