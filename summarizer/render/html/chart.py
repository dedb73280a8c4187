"""Aid by donor over time as inline SVG: one chart per currency, one colour per donor,
amounts on a log scale (packages of $5 million and totals of $40 billion share a chart).

Filled dots are packages and pledges, hollow ones running totals. Every text is escaped;
each dot carries the same `data-*` filter attributes as the report's rows.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

_WIDTH, _HEIGHT = 860, 300
_LEFT, _RIGHT, _TOP, _BOTTOM = 70, 170, 16, 36
PALETTE = ("#1b6ca8", "#c0392b", "#2e8b57", "#8e44ad", "#d35400", "#16a085", "#7f8c8d", "#b7950b")


@dataclass(frozen=True)
class AidPoint:
    """One consolidated amount of aid placed on the chart."""

    cluster_id: str
    donor: str
    recipient: str
    day: dt.date
    amount: float
    currency: str
    text: str
    cumulative: bool
    sources: str
    countries: str
    date_start: str
    date_end: str


def _money(amount: float) -> str:
    for size, suffix in ((1e9, " bn"), (1e6, " m"), (1e3, " k")):
        if amount >= size:
            return f"{amount / size:,.4g}{suffix}"
    return f"{amount:,.0f}"


def _x_scale(points: Sequence[AidPoint]) -> tuple[dt.date, dt.date]:
    first, last = min(p.day for p in points), max(p.day for p in points)
    if first == last:
        first, last = first - dt.timedelta(days=15), last + dt.timedelta(days=15)
    return first, last


def aid_chart(currency: str, points: Sequence[AidPoint], colours: dict[str, str]) -> Markup:
    """One SVG chart of `points` (all in `currency`)."""
    first, last = _x_scale(points)
    low = math.floor(math.log10(min(p.amount for p in points)))
    high = math.ceil(math.log10(max(p.amount for p in points)))
    high = max(high, low + 1)
    plot_w, plot_h = _WIDTH - _LEFT - _RIGHT, _HEIGHT - _TOP - _BOTTOM

    def x(day: dt.date) -> float:
        return _LEFT + plot_w * (day - first).days / max((last - first).days, 1)

    def y(amount: float) -> float:
        return _TOP + plot_h * (1 - (math.log10(amount) - low) / (high - low))

    parts = [
        f'<svg class="aid-chart" viewBox="0 0 {_WIDTH} {_HEIGHT}" role="img" '
        f'aria-label="Aid by donor over time, {escape(currency)}">',
        f'<line class="axis" x1="{_LEFT}" y1="{_TOP + plot_h}" x2="{_LEFT + plot_w}" '
        f'y2="{_TOP + plot_h}"/>',
        f'<line class="axis" x1="{_LEFT}" y1="{_TOP}" x2="{_LEFT}" y2="{_TOP + plot_h}"/>',
    ]
    for power in range(low, high + 1):
        ty = y(10.0**power)
        parts.append(
            f'<line class="grid" x1="{_LEFT}" y1="{ty:.1f}" x2="{_LEFT + plot_w}" y2="{ty:.1f}"/>'
            f'<text class="tick" x="{_LEFT - 6}" y="{ty + 4:.1f}" text-anchor="end">'
            f"{escape(_money(10.0**power))}</text>"
        )
    for tick in _date_ticks(first, last):
        tx = x(tick)
        parts.append(
            f'<text class="tick" x="{tx:.1f}" y="{_TOP + plot_h + 18}" text-anchor="middle">'
            f"{tick:%Y-%m}</text>"
        )
    for point in sorted(points, key=lambda p: (p.day, p.cluster_id)):
        colour = colours[point.donor]
        fill = "none" if point.cumulative else colour
        label = (
            f"{point.donor} → {point.recipient}: {point.text} ({point.day.isoformat()}"
            f"{', running total' if point.cumulative else ''}) — {point.sources}"
        )
        parts.append(
            f'<circle class="dot filterable" cx="{x(point.day):.1f}" cy="{y(point.amount):.1f}" '
            f'r="5" stroke="{colour}" fill="{fill}" data-type="aid" '
            f'data-countries="{escape(point.countries)}" data-date-start="{point.date_start}" '
            f'data-date-end="{point.date_end}" data-cluster="{escape(point.cluster_id)}">'
            f"<title>{escape(label)}</title></circle>"
        )
    for row, donor in enumerate(sorted({p.donor for p in points})):
        ly = _TOP + 10 + 18 * row
        parts.append(
            f'<circle cx="{_WIDTH - _RIGHT + 16}" cy="{ly}" r="5" fill="{colours[donor]}"/>'
            f'<text class="legend" x="{_WIDTH - _RIGHT + 26}" y="{ly + 4}">{escape(donor)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def _date_ticks(first: dt.date, last: dt.date) -> list[dt.date]:
    months = (last.year - first.year) * 12 + last.month - first.month
    step = max(1, math.ceil(months / 8))
    ticks = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        tick = dt.date(year, month, 1)
        if tick >= first:
            ticks.append(tick)
        month += step
        year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    return ticks


def donor_colours(donors: Sequence[str]) -> dict[str, str]:
    """A stable colour per donor (palette order by name; colours repeat past eight)."""
    return {donor: PALETTE[i % len(PALETTE)] for i, donor in enumerate(sorted(set(donors)))}
