"""Server-side SVG charts for pages and PDFs: a monthly trend, horizontal bars and a funnel.

Charts take figures that have already been through `deflection.suppression`, so a hidden figure has no
value to draw: it appears as a hatched mark of one fixed size with its label ("fewer than 11"), never
as a size. Each chart comes with the same figures as a table, which the page shows beneath it
(`reports/_chart.html`). The SVG is built here from escaped text only and has no scripts, event
handlers or style attributes (the Content-Security-Policy forbids inline styles), so it is marked
safe here and nowhere else. It scales by its viewBox, from a 360-pixel phone to an A4 page.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from deflection.suppression import Published, SuppressedSeries, rate, suppression_note

WIDTH = 400  # viewBox units; on a 360-pixel phone a 14-unit font is still about 12 px
FONT_FAMILY = "DejaVu Sans, Helvetica, Arial, sans-serif"
FONT_SIZE = 14
SMALL_FONT_SIZE = 12
TEXT_COLOUR = "#212529"
MUTED_COLOUR = "#6c757d"
GRID_COLOUR = "#dee2e6"
BAR_COLOUR = "#1f5fa8"
# Colour and dash pattern together, so the lines of a trend can be told apart without colour.
SERIES_STYLES = (
    ("#1f5fa8", None),
    ("#c8553d", "7 4"),
    ("#2e7d32", "2 3"),
    ("#6f42c1", "9 3 2 3"),
    ("#b26a00", "4 2"),
    ("#00796b", "1 2"),
)
# Every hidden figure is drawn this size whatever it hides: the mark says "hidden", not "how many".
HIDDEN_MARK_WIDTH = 26
CHART_ID = re.compile(r"[a-z][a-z0-9-]{0,40}")
# XML 1.0 forbids these characters; a label holding one would make the SVG unreadable.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True, kw_only=True)
class ChartTable:
    """The chart's figures as a table: a caption, the column headers and (row label, cells) rows."""

    caption: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, tuple[str, ...]], ...]


@dataclass(frozen=True, kw_only=True)
class Chart:
    chart_id: str
    title: str
    svg: SafeString
    table: ChartTable
    note: str  # the suppression footnote when any figure is hidden, else ""


def _text(value: object) -> str:
    """Text for SVG content or an attribute value: XML-escaped, quotes included."""
    return str(escape(_NOT_XML.sub("", str(value))))


def _clip(label: str, characters: int) -> str:
    """A label on one line, shortened with an ellipsis; the table beneath holds it in full."""
    label = " ".join(_NOT_XML.sub("", str(label)).split())
    return label if len(label) <= characters else label[: characters - 1].rstrip() + "…"


def _number(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _element(name: str, content: str | None = None, **attributes) -> str:
    """One SVG element around `content` (markup already built here, or text through `_text`).

    Attribute values are escaped; names use _ for - (stroke_width -> stroke-width).
    """
    parts = [name]
    for key, value in attributes.items():
        if value is None:
            continue
        if isinstance(value, float):
            value = _number(value)
        parts.append(f'{key.rstrip("_").replace("_", "-")}="{_text(value)}"')
    opening = " ".join(parts)
    if content is None:
        return f"<{opening}/>"
    return f"<{opening}>{content}</{name}>"


def _check_figures(figures: Sequence[Published]) -> None:
    for figure in figures:
        if not isinstance(figure, Published):
            raise TypeError("charts take Published figures from deflection.suppression, never raw counts")


def _note(figures: Sequence[Published]) -> str:
    hidden = [figure for figure in figures if figure.is_suppressed]
    return suppression_note(hidden[0].threshold) if hidden else ""


def _nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 times a power of ten that is at least `value`."""
    if value <= 0:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power  # pragma: no cover


def _ticks(top: float) -> list[float]:
    step = top / 4 if top >= 4 else 1
    return [step * n for n in range(int(round(top / step)) + 1)]


def _svg(chart_id: str, title: str, description: str, height: float, body: list[str]) -> SafeString:
    if not CHART_ID.fullmatch(chart_id):
        raise ValueError("a chart id is lower-case letters, digits and hyphens, starting with a letter")
    hatch = (
        f'<pattern id="{chart_id}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)">'
        f'<rect width="6" height="6" fill="#ffffff"/><line x1="0" y1="0" x2="0" y2="6" stroke="{MUTED_COLOUR}" '
        'stroke-width="2"/></pattern>'
    )
    opening = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {_number(height)}" width="100%" '
        f'preserveAspectRatio="xMinYMin meet" role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'class="chart-svg" font-family="{_text(FONT_FAMILY)}" font-size="{FONT_SIZE}" fill="{TEXT_COLOUR}">'
    )
    parts = [
        opening,
        f'<title id="{chart_id}-title">{_text(title)}</title>',
        f'<desc id="{chart_id}-desc">{_text(description)}</desc>',
        f"<defs>{hatch}</defs>",
        *body,
        "</svg>",
    ]
    # Every piece of text above went through _text, and the rest is fixed markup and numbers.
    return mark_safe("".join(parts))  # noqa: S308


def _hidden_mark(chart_id: str, x: float, y: float, height: float) -> str:
    return _element(
        "rect",
        x=float(x),
        y=float(y),
        width=HIDDEN_MARK_WIDTH,
        height=float(height),
        fill=f"url(#{chart_id}-hatch)",
        stroke=MUTED_COLOUR,
        stroke_width=1,
    )


# Horizontal bars ----------------------------------------------------------------------------------


def bar_chart(
    chart_id: str,
    title: str,
    bars: Mapping[str, Published] | SuppressedSeries,
    *,
    label_header: str = "Category",
    value_header: str = "Count",
    total_label: str = "Total",
) -> Chart:
    """One horizontal bar per category (referrals by pathway, by agency), label above each bar.

    Pass a `SuppressedSeries` to list its total in the table too (the total is not drawn as a bar).
    """
    total = bars.total if isinstance(bars, SuppressedSeries) else None
    items = list(bars.values.items() if isinstance(bars, SuppressedSeries) else bars.items())
    figures = [figure for _, figure in items] + ([total] if total else [])
    _check_figures(figures)

    left, value_area, row_height = 8, 104, 44
    plot_width = WIDTH - left - value_area
    # No axis here (each bar carries its figure), so the longest shown bar fills the plot.
    top = max([figure.value for _, figure in items if not figure.is_suppressed] or [1]) or 1
    body = []
    for n, (label, figure) in enumerate(items):
        y = 6 + n * row_height
        parts = [
            _element("title", _text(f"{label}: {figure.display}")),
            _element("text", _text(_clip(label, 46)), x=left, y=y + 13),
        ]
        if figure.is_suppressed:
            parts.append(_hidden_mark(chart_id, left, y + 19, 16))
            end = left + HIDDEN_MARK_WIDTH
            value_colour = MUTED_COLOUR
        else:
            length = plot_width * figure.value / top
            if figure.value:
                parts.append(_element("rect", x=float(left), y=y + 19, width=max(length, 1.0), height=16, fill=BAR_COLOUR))
            end = left + length
            value_colour = TEXT_COLOUR
        parts.append(_element("text", _text(figure.display), x=end + 6, y=y + 32, fill=value_colour))
        body.append(_element("g", "".join(parts)))
    body.append(_element("line", x1=left, y1=4, x2=left, y2=6 + len(items) * row_height, stroke=GRID_COLOUR))
    height = 12 + len(items) * row_height
    rows = [(label, (figure.display,)) for label, figure in items]
    if total is not None:
        rows.append((total_label, (total.display,)))
    description = f"Horizontal bar chart of {len(items)} categories; the figures are in the table below."
    return Chart(
        chart_id=chart_id,
        title=title,
        svg=_svg(chart_id, title, description, height, body),
        table=ChartTable(caption=title, headers=(label_header, value_header), rows=tuple(rows)),
        note=_note(figures),
    )


# Monthly trend ------------------------------------------------------------------------------------


def trend_chart(
    chart_id: str,
    title: str,
    months: Sequence[str],
    series: Mapping[str, Sequence[Published]],
    *,
    period_header: str = "Month",
) -> Chart:
    """One line per series over the months (or any periods, oldest first).

    A hidden month breaks its line and gets a hatched mark in that series' row under the axis, the
    same mark whatever it hides; the scale comes from shown figures only.
    """
    if not series:
        raise ValueError("a trend needs at least one series")
    if len(series) > len(SERIES_STYLES):
        raise ValueError(f"a trend shows at most {len(SERIES_STYLES)} lines; use a table beyond that")
    for name, values in series.items():
        if len(values) != len(months):
            raise ValueError(f"series {name!r} has {len(values)} figures for {len(months)} months")
        _check_figures(values)
    figures = [figure for values in series.values() for figure in values]
    any_hidden = any(figure.is_suppressed for figure in figures)

    left, right, plot_top, plot_bottom = 46, 12, 10, 200
    plot_width, plot_height = WIDTH - left - right, plot_bottom - plot_top
    slot = plot_width / max(len(months), 1)
    mark_width = min(HIDDEN_MARK_WIDTH, slot * 0.8)
    top = _nice_ceiling(max([figure.value for figure in figures if not figure.is_suppressed] or [1]))

    def x_of(n: int) -> float:
        return left + slot * (n + 0.5)

    def y_of(value: float) -> float:
        return plot_bottom - plot_height * value / top

    body = []
    for tick in _ticks(top):
        y = y_of(tick)
        body.append(_element("line", x1=left, y1=y, x2=WIDTH - right, y2=y, stroke=GRID_COLOUR))
        label = f"{tick:,.0f}" if tick == int(tick) else f"{tick:,.1f}"
        body.append(_element("text", label, x=left - 6, y=y + 4, text_anchor="end", font_size=SMALL_FONT_SIZE))
    body.append(_element("line", x1=left, y1=plot_bottom, x2=WIDTH - right, y2=plot_bottom, stroke=MUTED_COLOUR))

    # Each series has its own row of hidden marks under the axis, so two hidden lines never overlap.
    marks_bottom = plot_bottom + (4 + 12 * len(series) if any_hidden else 0)
    every = max(1, math.ceil(len(months) / 5))  # five month labels fit across a phone
    for n, month in enumerate(months):
        if n % every == 0:
            body.append(
                _element(
                    "text",
                    _text(_clip(month, 10)),
                    x=x_of(n),
                    y=marks_bottom + 16,
                    text_anchor="middle",
                    font_size=SMALL_FONT_SIZE,
                )
            )

    for row, ((name, values), (colour, dashes)) in enumerate(zip(series.items(), SERIES_STYLES, strict=False)):
        segments: list[list[str]] = [[]]
        marks = []
        for n, figure in enumerate(values):
            tooltip = _element("title", _text(f"{name}, {months[n]}: {figure.display}"))
            if figure.is_suppressed:
                segments.append([])
                mark = _element(
                    "rect",
                    x=x_of(n) - mark_width / 2,
                    y=float(plot_bottom + 4 + 12 * row),
                    width=mark_width,
                    height=9,
                    fill=f"url(#{chart_id}-hatch)",
                    stroke=colour,
                    stroke_width=1,
                )
                marks.append(_element("g", tooltip + mark))
                continue
            x, y = x_of(n), y_of(figure.value)
            segments[-1].append(f"{_number(x)},{_number(y)}")
            marks.append(_element("circle", tooltip, cx=x, cy=y, r=3.5, fill=colour))
        lines = [
            _element(
                "polyline",
                points=" ".join(points),
                fill="none",
                stroke=colour,
                stroke_width=2.5,
                stroke_dasharray=dashes,
            )
            for points in segments
            if len(points) > 1
        ]
        body.append(_element("g", "".join(lines + marks)))

    legend = []
    if len(series) > 1:
        for name, (colour, dashes) in zip(series, SERIES_STYLES, strict=False):
            sample = _element("line", x1=0, y1=-4, x2=28, y2=-4, stroke=colour, stroke_width=2.5, stroke_dasharray=dashes)
            legend.append((sample, name))
    if any_hidden:
        sample = _element(
            "rect", x=4, y=-9, width=20, height=9, fill=f"url(#{chart_id}-hatch)", stroke=MUTED_COLOUR, stroke_width=1
        )
        legend.append((sample, "hidden to protect privacy (see the table)"))
    y = marks_bottom + 40
    for sample, name in legend:
        body.append(
            _element(
                "g",
                sample + _element("text", _text(_clip(name, 44)), x=36, y=0),
                transform=f"translate({left} {_number(y)})",
            )
        )
        y += 20
    height = y - 6

    rows = tuple((month, tuple(values[n].display for values in series.values())) for n, month in enumerate(months))
    description = f"Line chart of {', '.join(series)} over {len(months)} periods; the figures are in the table below."
    return Chart(
        chart_id=chart_id,
        title=title,
        svg=_svg(chart_id, title, description, height, body),
        table=ChartTable(caption=title, headers=(period_header, *series), rows=rows),
        note=_note(figures),
    )


# Funnel -------------------------------------------------------------------------------------------


def funnel_chart(chart_id: str, title: str, stages: Mapping[str, Published], *, stage_header: str = "Stage") -> Chart:
    """Centred bars narrowing from the first stage (referred -> contacted -> engaged -> retained).

    Each stage is labelled with its share of the first stage, which `rate` hides whenever either
    figure is hidden. Pass stages from `suppress_funnel`, so that no two shown stages differ by a
    small count.
    """
    items = list(stages.items())
    if not items:
        raise ValueError("a funnel needs at least one stage")
    figures = [figure for _, figure in items]
    _check_figures(figures)
    first_label, first = items[0]
    threshold = first.threshold
    shares = [rate(figure, first, threshold) for figure in figures]

    row_height, bar_height = 48, 20
    top = max([figure.value for figure in figures if not figure.is_suppressed] or [1]) or 1
    full_width = WIDTH - 16
    body = []
    for n, ((label, figure), share) in enumerate(zip(items, shares, strict=True)):
        y = 6 + n * row_height
        caption = f"{label}: {figure.display}"
        if n and not share.is_suppressed:
            caption += f" ({share.display})"
        parts = [
            _element("title", _text(caption)),
            _element("text", _text(_clip(caption, 48)), x=WIDTH / 2, y=y + 14, text_anchor="middle"),
        ]
        if figure.is_suppressed:
            parts.append(_hidden_mark(chart_id, WIDTH / 2 - HIDDEN_MARK_WIDTH / 2, y + 20, bar_height))
        elif figure.value:
            width = max(full_width * figure.value / top, 2.0)
            parts.append(_element("rect", x=(WIDTH - width) / 2, y=y + 20, width=width, height=bar_height, fill=BAR_COLOUR))
        body.append(_element("g", "".join(parts)))
    height = 10 + len(items) * row_height

    share_header = f"Share of {first_label.lower()}"
    rows = tuple((label, (figure.display, share.display)) for (label, figure), share in zip(items, shares, strict=True))
    description = f"Funnel of {len(items)} stages from {first_label.lower()}; the figures are in the table below."
    return Chart(
        chart_id=chart_id,
        title=title,
        svg=_svg(chart_id, title, description, height, body),
        table=ChartTable(caption=title, headers=(stage_header, "People", share_header), rows=rows),
        note=_note(figures),
    )
