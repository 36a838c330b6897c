"""Server-rendered SVG charts of our own: counts per day with spike markers, and bar lists.

A spike is a day whose count stands out against the 14 days before it (Meltwater's rule of
thumb): at least `SPIKE_MIN` articles and more than the mean plus two standard deviations of
those days (and more than twice the mean, so a quiet series does not spike on every article).
Every label is escaped: entity names and titles come from the archive.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
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
    for n, name in enumerate(list(series)[:6]):
        parts.append(
            f'<rect x="{WIDTH - 190}" y="{6 + n * 14}" width="10" height="10" '
            f'fill="{COLOURS[n % len(COLOURS)]}"/><text x="{WIDTH - 176}" y="{15 + n * 14}" '
            f'font-size="11" fill="#222">{escape(name[:28])}</text>'
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


def timeline(title: str, events: Sequence[tuple[str, datetime, str]]) -> str:
    """One lane per outlet, a dot per article at its time, labelled with its language:
    (outlet, published, language) each."""
    lanes = list(dict.fromkeys(outlet for outlet, _when, _lang in events))
    row, left = 26, 170
    height = max(len(lanes), 1) * row + 30
    times = [when.timestamp() for _o, when, _l in events]
    low, high = min(times, default=0.0), max(times, default=0.0)
    spread = (high - low) or 1.0

    def x(when: datetime) -> float:
        return left + (WIDTH - left - PAD) * (
            (when.timestamp() - low) / spread if high > low else 0.5
        )

    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for i, lane in enumerate(lanes):
        y = 14 + i * row
        parts.append(
            f'<text x="0" y="{y + 4}" font-size="12" fill="#222">{escape(lane[:24])}</text>'
            f'<line x1="{left}" y1="{y}" x2="{WIDTH - PAD}" y2="{y}" stroke="#c8c8c8"/>'
        )
    for outlet, when, lang in events:
        y = 14 + lanes.index(outlet) * row
        parts.append(
            f'<circle cx="{x(when):.1f}" cy="{y}" r="5" fill="{COLOURS[0]}">'
            f"<title>{escape(outlet)} · {escape(lang)} · {when:%Y-%m-%d %H:%M}</title></circle>"
            f'<text x="{x(when) + 7:.1f}" y="{y - 6}" font-size="10" fill="#222">'
            f"{escape(lang)}</text>"
        )
    if events:
        zone = events[0][1].tzinfo
        start, end = datetime.fromtimestamp(low, tz=zone), datetime.fromtimestamp(high, tz=zone)
        parts.append(
            f'<text x="{left}" y="{height - 6}" font-size="11" fill="#333">'
            f"{start:%Y-%m-%d %H:%M}</text>"
            f'<text x="{WIDTH - PAD}" y="{height - 6}" font-size="11" fill="#333" '
            f'text-anchor="end">{end:%Y-%m-%d %H:%M}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
