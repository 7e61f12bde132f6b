"""Server-rendered, accessible charts: drawing data first, then SVG (or ReportLab).

A chart is built as plain drawing data (:class:`Chart`: rectangles, lines, markers and
texts with their coordinates) from already translated labels and numbers; nothing here
reads the request. :func:`render_svg` turns it into inline SVG for the pages and
:func:`to_reportlab` into a ReportLab drawing for PDFs, so both show the same picture.

Coordinates are *logical*: ``x`` grows from the side where reading starts, ``y`` grows
downwards. For right-to-left charts the renderers mirror every ``x``, so labels sit on
the right and bars grow leftwards; text anchors stay logical (``start`` is where reading
starts) and the SVG carries ``direction="rtl"`` so browsers read them the same way.

Every SVG has ``role="img"`` and is labelled by its ``<title>`` and ``<desc>``; pages
show the same numbers in a table beside it, so nothing is only in the picture.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from markupsafe import Markup, escape

Anchor = Literal["start", "middle", "end"]

#: Colours by role, chosen for at least 3:1 contrast against white for graphics.
PALETTE: dict[str, tuple[str | None, str | None]] = {
    # role: (fill, stroke)
    "track": ("#e8edf2", None),
    "grid": (None, "#b0b7bf"),
    "axis": (None, "#4a4a4a"),
    "box": ("#8fb8d9", "#005a9c"),
    "whisker": (None, "#005a9c"),
    "median": (None, "#003e6b"),
    "subject": ("#a63c00", "#ffffff"),
    "bar": ("#005a9c", None),
    "label": ("#1b1b1b", None),
    "value": ("#1b1b1b", None),
    "muted": ("#4a4a4a", None),
    # Trend lines: the overall score, then one per section (told apart by dash and marker
    # too, never by colour alone).
    "trend-overall": ("#a63c00", "#a63c00"),
    "trend-0": ("#005a9c", "#005a9c"),
    "trend-1": ("#2e7d32", "#2e7d32"),
    "trend-2": ("#6a1b9a", "#6a1b9a"),
    "trend-3": ("#8a6d00", "#8a6d00"),
    "trend-4": ("#00695c", "#00695c"),
    "version": (None, "#4a4a4a"),
}
#: Trend roles for sections, used in turn.
TREND_ROLES = ("trend-0", "trend-1", "trend-2", "trend-3", "trend-4")

FONT_SIZE = 12.0
SMALL_FONT_SIZE = 10.5


@dataclass(frozen=True)
class Rect:
    """A filled rectangle; ``x`` is its logical start edge."""

    x: float
    y: float
    width: float
    height: float
    role: str


@dataclass(frozen=True)
class Line:
    """A straight line."""

    x1: float
    y1: float
    x2: float
    y2: float
    role: str
    width: float = 1.0
    dashed: bool = False


@dataclass(frozen=True)
class Marker:
    """A diamond centred on a point (the subject's value)."""

    x: float
    y: float
    size: float
    role: str


@dataclass(frozen=True)
class Text:
    """A line of text anchored at a point; ``y`` is the baseline."""

    x: float
    y: float
    text: str
    anchor: Anchor = "start"
    role: str = "label"
    size: float = FONT_SIZE
    bold: bool = False


Shape = Rect | Line | Marker | Text


@dataclass(frozen=True)
class Chart:
    """Everything needed to draw one chart."""

    width: float
    height: float
    #: Short name of the chart (already translated).
    title: str
    #: What the chart shows, in words (already translated).
    description: str
    shapes: tuple[Shape, ...]
    rtl: bool = False

    def physical_x(self, x: float) -> float:
        """Return where a logical ``x`` lies from the left edge."""
        return self.width - x if self.rtl else x

    def physical_anchor(self, anchor: Anchor) -> Anchor:
        """Return the anchor seen from the left edge (``start`` means left)."""
        if not self.rtl or anchor == "middle":
            return anchor
        return "end" if anchor == "start" else "start"


# --------------------------------------------------------------------------- layout helpers


def _text_width(text: str, size: float) -> float:
    """Estimate the width of ``text``: wide scripts count double."""
    width = 0.0
    for character in text:
        width += 1.0 if ord(character) >= 0x2E80 else 0.56
    return width * size


def fit_text(text: str, width: float, size: float = FONT_SIZE) -> str:
    """Shorten ``text`` with an ellipsis so that it fits ``width`` (the tables keep it whole)."""
    if _text_width(text, size) <= width:
        return text
    shortened = text
    while shortened and _text_width(shortened + "…", size) > width:
        shortened = shortened[:-1]
    return shortened.rstrip() + "…"


@dataclass(frozen=True)
class PositionRow:
    """One row of a peer-position chart: the peers' spread and the subject's value."""

    label: str
    #: ``None`` when the row's statistics are not shown (group too small).
    q1: float | None = None
    median: float | None = None
    q3: float | None = None
    minimum: float | None = None
    maximum: float | None = None
    subject: float | None = None

    @property
    def has_statistics(self) -> bool:
        """Return whether the peers' spread is drawn."""
        return None not in (self.q1, self.median, self.q3)


@dataclass(frozen=True)
class Legend:
    """Translated words of a peer-position chart's legend."""

    peers: str
    median: str
    subject: str


@dataclass(frozen=True)
class _Frame:
    width: float = 640.0
    label_width: float = 230.0
    gap: float = 14.0
    end_margin: float = 22.0
    row_height: float = 30.0
    top: float = 8.0

    @property
    def plot_start(self) -> float:
        return self.label_width + self.gap

    @property
    def plot_width(self) -> float:
        return self.width - self.plot_start - self.end_margin

    def x_of(self, value: float, maximum: float = 100.0) -> float:
        share = 0.0 if maximum <= 0 else max(0.0, min(value, maximum)) / maximum
        return self.plot_start + share * self.plot_width


def _ticks(frame: _Frame, top: float, bottom: float, values: Sequence[float], maximum: float,
           format_number: Callable[[float], str]) -> list[Shape]:
    shapes: list[Shape] = []
    for value in values:
        x = frame.x_of(value, maximum)
        shapes.append(Line(x, top, x, bottom, "grid", 0.6,
                           dashed=value not in (values[0], values[-1])))
        shapes.append(Text(x, bottom + 14, format_number(value), "middle", "muted",
                           SMALL_FONT_SIZE))
    return shapes


# --------------------------------------------------------------------------- charts


def peer_position_chart(
    rows: Sequence[PositionRow],
    *,
    title: str,
    description: str,
    legend: Legend,
    format_number: Callable[[float], str] = lambda value: f"{value:g}",
    rtl: bool = False,
) -> Chart:
    """Draw one row per score: the peers' quartile box, range and median, and the
    subject's value as a diamond, on a 0-100 scale."""
    frame = _Frame()
    shapes: list[Shape] = []
    plot_top = frame.top
    plot_bottom = plot_top + frame.row_height * len(rows)
    shapes.extend(_ticks(frame, plot_top, plot_bottom, (0, 25, 50, 75, 100), 100.0,
                         format_number))
    for index, row in enumerate(rows):
        centre = plot_top + frame.row_height * (index + 0.5)
        shapes.append(Text(0, centre + 4, fit_text(row.label, frame.label_width), "start",
                           "label"))
        shapes.append(Rect(frame.plot_start, centre - 1.5, frame.plot_width, 3, "track"))
        if row.has_statistics:
            assert row.q1 is not None and row.q3 is not None and row.median is not None
            if row.minimum is not None and row.maximum is not None:
                low, high = frame.x_of(row.minimum), frame.x_of(row.maximum)
                shapes.append(Line(low, centre, high, centre, "whisker", 1.2))
                shapes.append(Line(low, centre - 5, low, centre + 5, "whisker", 1.2))
                shapes.append(Line(high, centre - 5, high, centre + 5, "whisker", 1.2))
            start = frame.x_of(row.q1)
            shapes.append(Rect(start, centre - 7, max(frame.x_of(row.q3) - start, 1.5), 14,
                               "box"))
            median = frame.x_of(row.median)
            shapes.append(Line(median, centre - 9, median, centre + 9, "median", 2.5))
        if row.subject is not None:
            shapes.append(Marker(frame.x_of(row.subject), centre, 7.0, "subject"))
    legend_y = plot_bottom + 40
    # One legend entry per line, from the chart's start: side by side, a long translation
    # of one ran into the next. Each is shortened to the width if need be.
    key_x, text_x = 0.0, 24.0
    room = frame.width - text_x

    def legend_text(y: float, text: str) -> Text:
        return Text(text_x, y, fit_text(text, room, SMALL_FONT_SIZE), "start", "muted",
                    SMALL_FONT_SIZE)

    shapes.append(Rect(key_x, legend_y - 9, 18, 10, "box"))
    shapes.append(legend_text(legend_y, legend.peers))
    median_y = legend_y + 20
    shapes.append(Line(key_x + 9, median_y - 11, key_x + 9, median_y + 2, "median", 2.5))
    shapes.append(legend_text(median_y, legend.median))
    subject_y = median_y + 20
    shapes.append(Marker(key_x + 9, subject_y - 4, 7.0, "subject"))
    shapes.append(legend_text(subject_y, legend.subject))
    return Chart(frame.width, subject_y + 10, title, description, tuple(shapes), rtl)


def histogram_chart(
    counts: Sequence[int],
    *,
    bin_labels: Sequence[str],
    title: str,
    description: str,
    format_number: Callable[[float], str] = lambda value: f"{value:g}",
    rtl: bool = False,
) -> Chart:
    """Draw one vertical bar per bin, with its count above it and its label below."""
    if len(bin_labels) != len(counts):
        raise ValueError("every bin needs a label")
    width, height = 640.0, 260.0
    start, end_margin = 36.0, 12.0
    top, bottom = 24.0, height - 40.0
    plot_width = width - start - end_margin
    slot = plot_width / max(len(counts), 1)
    highest = max(counts, default=0)
    shapes: list[Shape] = [Line(start, bottom, width - end_margin, bottom, "axis", 1.0)]
    for index, count in enumerate(counts):
        x = start + slot * index
        bar_height = 0.0 if highest == 0 else (bottom - top) * count / highest
        if bar_height > 0:
            shapes.append(Rect(x + slot * 0.12, bottom - bar_height, slot * 0.76, bar_height,
                               "bar"))
        shapes.append(Text(x + slot / 2, bottom - bar_height - 6, format_number(count),
                           "middle", "value", SMALL_FONT_SIZE, bold=True))
        shapes.append(Text(x + slot / 2, bottom + 16, fit_text(bin_labels[index], slot,
                                                               SMALL_FONT_SIZE),
                           "middle", "muted", SMALL_FONT_SIZE))
    return Chart(width, height, title, description, tuple(shapes), rtl)


def bar_chart(
    items: Sequence[tuple[str, float]],
    *,
    title: str,
    description: str,
    maximum: float | None = None,
    format_number: Callable[[float], str] = lambda value: f"{value:g}",
    rtl: bool = False,
    width: float = 640.0,
) -> Chart:
    """Draw one horizontal bar per item, the label at the start and the value at the end.

    :param width: the drawing's width; a narrower one keeps its text larger on small
        screens, where the picture is scaled down to fit.
    """
    frame = _Frame(width=width, label_width=width * 0.36, row_height=26.0)
    top = frame.top
    highest = maximum if maximum is not None else max((value for _, value in items), default=0)
    shapes: list[Shape] = []
    for index, (label, value) in enumerate(items):
        centre = top + frame.row_height * (index + 0.5)
        shapes.append(Text(0, centre + 4, fit_text(label, frame.label_width), "start", "label"))
        shapes.append(Rect(frame.plot_start, centre - 7, frame.plot_width, 14, "track"))
        end = frame.x_of(value, highest)
        if end > frame.plot_start:
            shapes.append(Rect(frame.plot_start, centre - 7, end - frame.plot_start, 14, "bar"))
        shapes.append(Text(end + 4, centre + 4, format_number(value), "start", "value",
                           SMALL_FONT_SIZE, bold=True))
    return Chart(frame.width, top * 2 + frame.row_height * len(items), title, description,
                 tuple(shapes), rtl)


@dataclass(frozen=True)
class TrendSeries:
    """One line of a trend chart: a label and a value (or None) per point."""

    label: str
    values: tuple[float | None, ...]


def trend_chart(
    point_labels: Sequence[str],
    series: Sequence[TrendSeries],
    *,
    title: str,
    description: str,
    version_marks: Sequence[tuple[int, str]] = (),
    format_number: Callable[[float], str] = lambda value: f"{value:g}",
    rtl: bool = False,
) -> Chart:
    """Draw scores over time on a 0-100 scale: one line per series, oldest point first.

    The first series is drawn bold (the overall score); the others thinner, dashed in
    turn, each with markers. A legend below names them in order.

    :param point_labels: what each point is (a date, a period), in order.
    :param version_marks: (point index, label): a questionnaire version change before
        that point, drawn as a dashed vertical line with its label.
    """
    if any(len(item.values) != len(point_labels) for item in series):
        raise ValueError("every series needs a value per point")
    width = 640.0
    start, end_margin, top = 40.0, 24.0, 18.0
    plot_height = 200.0
    bottom = top + plot_height
    count = max(len(point_labels), 1)
    slot = (width - start - end_margin) / count

    def x_of(index: int) -> float:
        return start + slot * (index + 0.5)

    def y_of(value: float) -> float:
        return bottom - plot_height * max(0.0, min(value, 100.0)) / 100.0

    shapes: list[Shape] = []
    for tick in (0, 25, 50, 75, 100):
        y = y_of(tick)
        shapes.append(Line(start, y, width - end_margin, y, "grid", 0.6,
                           dashed=tick not in (0, 100)))
        shapes.append(Text(start - 6, y + 4, format_number(tick), "end", "muted",
                           SMALL_FONT_SIZE))
    for index, label in enumerate(point_labels):
        shapes.append(Text(x_of(index), bottom + 16, fit_text(label, slot, SMALL_FONT_SIZE),
                           "middle", "muted", SMALL_FONT_SIZE))
    for index, label in version_marks:
        x = start + slot * index
        shapes.append(Line(x, top - 8, x, bottom, "version", 1.2, dashed=True))
        shapes.append(Text(x + 4, top - 8 + 10, fit_text(label, slot, SMALL_FONT_SIZE),
                           "start", "muted", SMALL_FONT_SIZE))
    for number, item in enumerate(series):
        role = "trend-overall" if number == 0 else TREND_ROLES[(number - 1) % len(TREND_ROLES)]
        weight = 3.0 if number == 0 else 1.6
        dashed = number > 0 and number % 2 == 0
        previous: tuple[float, float] | None = None
        for index, value in enumerate(item.values):
            if value is None:
                previous = None
                continue
            point = (x_of(index), y_of(value))
            if previous is not None:
                shapes.append(Line(previous[0], previous[1], point[0], point[1], role,
                                   weight, dashed=dashed))
            shapes.append(Marker(point[0], point[1], 5.0 if number == 0 else 3.5, role))
            previous = point
    legend_top = bottom + 38
    for number, item in enumerate(series):
        role = "trend-overall" if number == 0 else TREND_ROLES[(number - 1) % len(TREND_ROLES)]
        y = legend_top + 18 * number
        shapes.append(Line(start, y - 4, start + 22, y - 4, role, 3.0 if number == 0 else 1.6,
                           dashed=number > 0 and number % 2 == 0))
        shapes.append(Marker(start + 11, y - 4, 3.5, role))
        shapes.append(Text(start + 30, y, fit_text(item.label, width - start - 40),
                           "start", "label", SMALL_FONT_SIZE, bold=number == 0))
    height = legend_top + 18 * max(len(series), 1)
    return Chart(width, height, title, description, tuple(shapes), rtl)


# --------------------------------------------------------------------------- SVG


def _number(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _paint(role: str) -> str:
    fill, stroke = PALETTE.get(role, ("#1b1b1b", None))
    return f' fill="{fill or "none"}"' + (f' stroke="{stroke}"' if stroke else "")


def _svg_shape(chart: Chart, shape: Shape) -> str:
    role = escape(shape.role)
    if isinstance(shape, Rect):
        x = chart.width - shape.x - shape.width if chart.rtl else shape.x
        return (f'<rect class="chart-{role}" x="{_number(x)}" y="{_number(shape.y)}" '
                f'width="{_number(shape.width)}" height="{_number(shape.height)}"'
                f'{_paint(shape.role)}/>')
    if isinstance(shape, Line):
        _fill, stroke = PALETTE.get(shape.role, (None, "#1b1b1b"))
        dash = ' stroke-dasharray="3 3"' if shape.dashed else ""
        return (f'<line class="chart-{role}" x1="{_number(chart.physical_x(shape.x1))}" '
                f'y1="{_number(shape.y1)}" x2="{_number(chart.physical_x(shape.x2))}" '
                f'y2="{_number(shape.y2)}" stroke="{stroke or "#1b1b1b"}" '
                f'stroke-width="{_number(shape.width)}"{dash}/>')
    if isinstance(shape, Marker):
        x, y, half = chart.physical_x(shape.x), shape.y, shape.size
        points = " ".join(f"{_number(px)},{_number(py)}" for px, py in
                          ((x, y - half), (x + half, y), (x, y + half), (x - half, y)))
        return (f'<polygon class="chart-{role}" points="{points}"{_paint(shape.role)} '
                f'stroke-width="1.5"/>')
    weight = ' font-weight="bold"' if shape.bold else ""
    fill = PALETTE.get(shape.role, ("#1b1b1b", None))[0] or "#1b1b1b"
    return (f'<text class="chart-{role}" x="{_number(chart.physical_x(shape.x))}" '
            f'y="{_number(shape.y)}" text-anchor="{shape.anchor}" '
            f'font-size="{_number(shape.size)}"{weight} fill="{fill}">'
            f"{escape(shape.text)}</text>")


def render_svg(chart: Chart, element_id: str) -> Markup:
    """Return ``chart`` as an inline SVG element labelled by its title and description.

    :param element_id: a page-unique id; the title and description get ``-title`` and
        ``-desc`` appended.
    """
    identifier = escape(element_id)
    direction = "rtl" if chart.rtl else "ltr"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{identifier}" class="chart" role="img" '
        f'aria-labelledby="{identifier}-title {identifier}-desc" '
        f'viewBox="0 0 {_number(chart.width)} {_number(chart.height)}" '
        f'width="{_number(chart.width)}" height="{_number(chart.height)}" '
        f'direction="{direction}" font-family="inherit">',
        f'<title id="{identifier}-title">{escape(chart.title)}</title>',
        f'<desc id="{identifier}-desc">{escape(chart.description)}</desc>',
    ]
    parts.extend(_svg_shape(chart, shape) for shape in chart.shapes)
    parts.append("</svg>")
    # Every piece of text above went through escape(); numbers are formatted here.
    return Markup("\n".join(parts))  # noqa: S704


# --------------------------------------------------------------------------- ReportLab


def to_reportlab(chart: Chart, *, font_name: str = "Helvetica",
                 include_text: bool = True) -> Any:
    """Return ``chart`` as a ``reportlab.graphics.shapes.Drawing`` of the same size.

    ReportLab's y axis points up, so every ``y`` is flipped. Text is drawn with
    ``font_name`` and no shaping: documents in scripts that need shaping pass
    ``include_text=False`` and draw :func:`texts` through their own text layer.
    """
    from reportlab.graphics.shapes import Drawing, Polygon, String
    from reportlab.graphics.shapes import Line as ReportLabLine
    from reportlab.graphics.shapes import Rect as ReportLabRect
    from reportlab.lib.colors import HexColor

    def colour(value: str | None) -> Any:
        return HexColor(value) if value else None

    drawing = Drawing(chart.width, chart.height)
    flip = chart.height
    for shape in chart.shapes:
        fill, stroke = PALETTE.get(shape.role, ("#1b1b1b", None))
        if isinstance(shape, Rect):
            x = chart.width - shape.x - shape.width if chart.rtl else shape.x
            drawing.add(ReportLabRect(x, flip - shape.y - shape.height, shape.width,
                                      shape.height, fillColor=colour(fill),
                                      strokeColor=colour(stroke)))
        elif isinstance(shape, Line):
            drawing.add(ReportLabLine(
                chart.physical_x(shape.x1), flip - shape.y1, chart.physical_x(shape.x2),
                flip - shape.y2, strokeColor=colour(stroke or "#1b1b1b"),
                strokeWidth=shape.width, strokeDashArray=[3, 3] if shape.dashed else None))
        elif isinstance(shape, Marker):
            x, y, half = chart.physical_x(shape.x), flip - shape.y, shape.size
            drawing.add(Polygon([x, y + half, x + half, y, x, y - half, x - half, y],
                                fillColor=colour(fill), strokeColor=colour(stroke)))
        elif include_text:
            anchor = chart.physical_anchor(shape.anchor)
            drawing.add(String(chart.physical_x(shape.x), flip - shape.y, shape.text,
                               fontName=font_name, fontSize=shape.size,
                               fillColor=colour(fill or "#1b1b1b"),
                               textAnchor={"start": "start", "middle": "middle",
                                           "end": "end"}[anchor]))
    return drawing


@dataclass(frozen=True)
class PlacedText:
    """A text of a chart in physical coordinates (from the left, y up), for PDFs."""

    x: float
    y: float
    text: str
    anchor: Anchor
    size: float
    bold: bool = False
    role: str = field(default="label")


def texts(chart: Chart) -> list[PlacedText]:
    """Return the chart's texts placed physically, for a PDF text layer to draw."""
    return [
        PlacedText(chart.physical_x(shape.x), chart.height - shape.y, shape.text,
                   chart.physical_anchor(shape.anchor), shape.size, shape.bold, shape.role)
        for shape in chart.shapes if isinstance(shape, Text)
    ]
