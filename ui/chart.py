"""Charts as inline SVG: drawn here, shown by the browser, nothing loaded from anywhere.

A line chart puts years on a continuous axis and joins two points only when their
years are adjacent and both have a value, so a missing year breaks the line instead
of being bridged. Every point (and bar) is a link ``#<anchor>`` with a tooltip: the
page turns a click on it into "open this source" (see ``ui.app.OPEN_SOURCE_JS``).
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass

from ingest.cells import format_number

ANCHOR_PREFIX = "xxgk-src-"  # href="#xxgk-src-<key>": a point that opens its cited source
PALETTE = ("#d62728", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf")
WIDTH, HEIGHT = 560, 280  # pixels: the chat's Markdown drops viewBox, so the size is fixed
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 28, 64


@dataclass(frozen=True)
class Point:
    x: int | str  # a year (line chart) or a name (bar chart)
    value: float | None  # None: no value (blank, unread); drawn as a gap
    key: str = ""  # the anchor key of its source; "" when it has none
    tip: str = ""  # the tooltip: value and citation


@dataclass(frozen=True)
class Line:
    name: str
    points: tuple[Point, ...]


def anchor(key: str) -> str:
    return f"#{ANCHOR_PREFIX}{key}"


def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def _scale(values: Sequence[float]) -> tuple[float, float, float]:
    """The value axis: from 0 (or below the lowest negative) to the first round tick at or
    above the highest value, and the tick step (1, 2 or 5 times a power of ten)."""
    low = min(0.0, *values) if values else 0.0
    high = max(values) if values else 1.0
    raw = max(high - low, 1e-9) / 4
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    low = math.floor(low / step) * step
    high = max(math.ceil(high / step) * step, low + step)
    return low, high, step


def _y(value: float, low: float, high: float) -> float:
    return TOP + (HEIGHT - TOP - BOTTOM) * (1 - (value - low) / (high - low))


def _frame(title: str, unit: str, low: float, high: float, step: float) -> list[str]:
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="xxgk-chart" viewBox="0 0 {WIDTH} {HEIGHT}" '
             f'width="{WIDTH}" height="{HEIGHT}" role="img" aria-label="{_esc(title)}">',
             f'<text x="{LEFT}" y="16" font-size="13" font-weight="bold" fill="currentColor">{_esc(title)}'
             + (f'<tspan font-weight="normal" font-size="11">（{_esc(unit)}）</tspan>' if unit else "") + "</text>"]
    for i in range(round((high - low) / step) + 1):
        value = low + step * i
        y = _y(value, low, high)
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ccc" '
                     f'stroke-width="0.5"/><text x="{LEFT - 6}" y="{y + 4:.1f}" font-size="10" '
                     f'text-anchor="end" fill="currentColor">{_esc(format_number(round(value, 6)))}</text>')
    return parts


def _dot(x: float, y: float, color: str, point: Point, shape: str = "circle") -> str:
    mark = (f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4.5" fill="{color}" stroke="white" stroke-width="1">'
            f"<title>{_esc(point.tip)}</title></circle>")
    return f'<a href="{anchor(point.key)}" class="xxgk-point">{mark}</a>' if point.key else mark


def line_chart(lines: Sequence[Line], title: str, unit: str = "") -> str:
    """One line per series over a continuous year axis; a missing year breaks the line."""
    years = sorted({int(p.x) for line in lines for p in line.points})
    values = [p.value for line in lines for p in line.points if p.value is not None]
    if not years or not values:
        return ""
    low, high, step = _scale(values)
    first, last = years[0], years[-1]
    span = max(last - first, 1)
    inner = WIDTH - LEFT - RIGHT - 40

    def x_of(year: int) -> float:
        return LEFT + 20 + inner * ((year - first) / span if last > first else 0.5)

    parts = _frame(title, unit, low, high, step)
    for year in range(first, last + 1):
        parts.append(f'<text x="{x_of(year):.1f}" y="{HEIGHT - BOTTOM + 16}" font-size="11" text-anchor="middle" '
                     f'fill="currentColor">{year}</text>')
    for n, line in enumerate(lines):
        color = PALETTE[n % len(PALETTE)]
        by_year = {int(p.x): p for p in line.points}
        runs: list[list[Point]] = []
        for year in range(first, last + 1):
            point = by_year.get(year)
            if point is None or point.value is None:
                runs.append([])
                continue
            if not runs or not runs[-1]:
                runs.append([])
            runs[-1].append(point)
        for run in (r for r in runs if len(r) > 1):
            path = " ".join(f"{'M' if i == 0 else 'L'}{x_of(int(p.x)):.1f},{_y(p.value or 0, low, high):.1f}"
                            for i, p in enumerate(run))
            parts.append(f'<path class="xxgk-segment" d="{path}" fill="none" stroke="{color}" stroke-width="2"/>')
        for point in line.points:
            if point.value is not None:
                parts.append(_dot(x_of(int(point.x)), _y(point.value, low, high), color, point))
        legend_y = HEIGHT - BOTTOM + 34 + 14 * (n // 3)
        legend_x = LEFT + (n % 3) * 165
        parts.append(f'<g class="xxgk-legend"><rect x="{legend_x}" y="{legend_y - 9}" width="10" height="10" '
                     f'fill="{color}"/><text x="{legend_x + 14}" y="{legend_y}" font-size="11" '
                     f'fill="currentColor">{_esc(line.name)}</text></g>')
    parts.append("</svg>")
    return "".join(parts)


def bar_chart(points: Sequence[Point], title: str, unit: str = "") -> str:
    """One bar per point (agencies of one year), each bar a link to its source."""
    values = [p.value for p in points if p.value is not None]
    if not values:
        return ""
    low, high, step = _scale(values)
    slot = (WIDTH - LEFT - RIGHT) / len(points)
    width = min(56.0, slot * 0.6)
    parts = _frame(title, unit, low, high, step)
    base = _y(max(low, 0.0), low, high)
    for n, point in enumerate(points):
        x = LEFT + slot * n + (slot - width) / 2
        name = _esc(str(point.x) if len(str(point.x)) <= 12 else str(point.x)[:11] + "…")
        parts.append(f'<text x="{x + width / 2:.1f}" y="{HEIGHT - BOTTOM + 16}" font-size="11" '
                     f'text-anchor="middle" fill="currentColor">{name}</text>')
        if point.value is None:
            continue
        top = _y(point.value, low, high)
        bar = (f'<rect x="{x:.1f}" y="{min(top, base):.1f}" width="{width:.1f}" height="{abs(base - top):.1f}" '
               f'fill="{PALETTE[0]}"><title>{_esc(point.tip)}</title></rect>')
        parts.append(f'<a href="{anchor(point.key)}" class="xxgk-point">{bar}</a>' if point.key else bar)
    parts.append("</svg>")
    return "".join(parts)
