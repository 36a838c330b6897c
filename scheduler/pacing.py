"""How long until a source's next poll: its schedule, adapted to its news, backed off on failure.

Pure functions of the source's state, so the rules can be tested without a clock.
"""

from __future__ import annotations

from dataclasses import dataclass

# A quiet poll stretches the interval by this factor; a poll with news halves it.
QUIET_FACTOR = 1.5
BUSY_FACTOR = 0.5


@dataclass(frozen=True, slots=True)
class Bounds:
    base: int  # the configured interval, seconds
    adaptive_min: int
    adaptive_max: int
    backoff_max: int


def backoff_delay(bounds: Bounds, failures: int, start: int | None = None) -> int:
    """Exponential backoff: `start` (the interval the source was polled at; by default the
    base) after one failure, doubling, capped."""
    interval = start or bounds.base
    if failures <= 0:
        return interval
    return int(min(max(bounds.backoff_max, interval), interval * 2 ** (failures - 1)))


def _within_adaptive(bounds: Bounds, interval: int) -> int:
    low = min(bounds.adaptive_min, bounds.base)
    high = max(bounds.adaptive_max, bounds.base)
    return min(high, max(low, interval))


def adapted_interval(bounds: Bounds, current: int | None, new_items: int) -> int:
    """The next interval of an adaptive source that polled successfully."""
    interval = current or bounds.base
    factor = BUSY_FACTOR if new_items > 0 else QUIET_FACTOR
    return _within_adaptive(bounds, round(interval * factor))


def next_delay(
    bounds: Bounds, *, adaptive: bool, current: int | None, ok: bool, new_items: int, failures: int
) -> int:
    """Seconds until the next poll of a source that was just polled."""
    if not ok:
        # An adaptive source backs off from the interval it had reached: a quiet feed adapted
        # to 6 h that fails once is not suddenly polled every 15 minutes.
        start = _within_adaptive(bounds, current) if adaptive and current else None
        return backoff_delay(bounds, failures, start)
    if adaptive:
        return adapted_interval(bounds, current, new_items)
    return bounds.base
