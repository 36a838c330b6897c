"""Server-rendered SVG charts of our own: counts per day with spike markers, and bar lists.

A spike is a day whose count stands out against the 14 days before it (Meltwater's rule of
thumb): at least `SPIKE_MIN` articles and more than the mean plus two standard deviations of
those days (and more than twice the mean, so a quiet series does not spike on every article).
Every label is escaped: entity names and titles come from the archive.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from html import escape
from statistics import fmean, pstdev

SPIKE_WINDOW = 14
SPIKE_MIN = 3
WIDTH, HEIGHT, PAD = 720, 160, 28
COLOURS = ("#1f5fa8", "#b3411b", "#2d7a3a", "#6a3d9a", "#8a6d00", "#0f6f75")


@dataclass(frozen=True, slots=True)
class Point:
    day: date
    count: int
    spike: bool


def days_back(end: date, days: int) -> list[date]:
    return [end - timedelta(days=n) for n in range(days - 1, -1, -1)]


def with_spikes(counts: Mapping[date, int], days: Sequence[date]) -> list[Point]:
    """The series over `days` (missing days count 0), each day marked if it spikes."""
    first = days[0] if days else date.today()
    history = [counts.get(first - timedelta(days=n), 0) for n in range(SPIKE_WINDOW, 0, -1)]
    points = []
    for day in days:
        count = counts.get(day, 0)
        mean = fmean(history)
        spike = count >= SPIKE_MIN and count > mean + 2 * pstdev(history) and count > 2 * mean
        points.append(Point(day, count, spike))
        history = [*history[1:], count]
    return points


def line_chart(title: str, series: Mapping[str, Sequence[Point]]) -> str:
    """Counts per day, one line per series, spikes as red circles with a tooltip."""
    top = max((p.count for points in series.values() for p in points), default=0) or 1
    length = max((len(points) for points in series.values()), default=0)
    step = (WIDTH - 2 * PAD) / max(length - 1, 1)

    def xy(i: int, count: int) -> tuple[float, float]:
        return PAD + i * step, HEIGHT - PAD - (HEIGHT - 2 * PAD) * count / top

    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{PAD}" y1="{HEIGHT - PAD}" x2="{WIDTH - PAD}" y2="{HEIGHT - PAD}" '
        'stroke="#555"/>',
        f'<text x="4" y="{PAD}" font-size="11" fill="#333">{top}</text>',
    ]
    for n, (name, points) in enumerate(series.items()):
        colour = COLOURS[n % len(COLOURS)]
        path = " ".join(
            f"{x:.1f},{y:.1f}" for x, y in (xy(i, p.count) for i, p in enumerate(points))
        )
        parts.append(
            f'<polyline fill="none" stroke="{colour}" stroke-width="1.5" points="{path}">'
            f"<title>{escape(name)}</title></polyline>"
        )
        for i, p in enumerate(points):
            if p.spike:
                x, y = xy(i, p.count)
                parts.append(
                    f'<circle class="spike" cx="{x:.1f}" cy="{y:.1f}" r="4" fill="#c00000">'
                    f"<title>spike: {escape(name)} {p.day.isoformat()}: {p.count}</title></circle>"
                )
    if length:
        first = next(iter(series.values()))
        parts.append(
            f'<text x="{PAD}" y="{HEIGHT - 8}" font-size="11" fill="#333">'
            f"{first[0].day.isoformat()}</text>"
            f'<text x="{WIDTH - PAD}" y="{HEIGHT - 8}" font-size="11" fill="#333" '
            f'text-anchor="end">{first[-1].day.isoformat()}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def bar_list(title: str, items: Sequence[tuple[str, int]]) -> str:
    """Horizontal bars, one per (label, count), largest first as given."""
    row = 20
    height = max(len(items), 1) * row + 10
    top = max((n for _label, n in items), default=0) or 1
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for i, (label, count) in enumerate(items):
        y = 5 + i * row
        width = (WIDTH - 260) * count / top
        parts.append(
            f'<text x="0" y="{y + 14}" font-size="12" fill="#222">{escape(label[:32])}</text>'
            f'<rect x="220" y="{y + 3}" width="{width:.1f}" height="14" fill="{COLOURS[0]}"/>'
            f'<text x="{224 + width:.1f}" y="{y + 14}" font-size="12" fill="#222">{count}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
