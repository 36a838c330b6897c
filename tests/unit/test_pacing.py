"""Adaptive intervals and backoff, without a clock."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from scheduler.pacing import Bounds, adapted_interval, backoff_delay, next_delay

B = Bounds(base=900, adaptive_min=300, adaptive_max=21600, backoff_max=86400)


def test_quiet_source_slows_down_to_the_bound() -> None:
    interval = None
    seen = []
    for _ in range(12):
        interval = next_delay(B, adaptive=True, current=interval, ok=True, new_items=0, failures=0)
        seen.append(interval)
    assert seen[:3] == [1350, 2025, 3038]
    assert seen[-1] == 21600 and seen == sorted(seen)


def test_busy_source_speeds_up_to_the_bound() -> None:
    interval = 21600
    for _ in range(10):
        interval = adapted_interval(B, interval, new_items=3)
    assert interval == 300


def test_non_adaptive_source_keeps_its_schedule() -> None:
    assert next_delay(B, adaptive=False, current=5000, ok=True, new_items=0, failures=0) == 900


def test_failures_back_off_exponentially_to_a_cap() -> None:
    delays = [backoff_delay(B, n) for n in range(1, 10)]
    assert delays[:5] == [900, 1800, 3600, 7200, 14400]
    assert delays[-1] == 86400
    # A non-adaptive source backs off from its schedule.
    assert next_delay(B, adaptive=False, current=None, ok=False, new_items=0, failures=3) == 3600


def test_backoff_starts_from_the_adapted_interval() -> None:
    # A quiet feed adapted to 6 h that fails is polled after 6 h, then 12 h, then the cap;
    # it is not polled every 15 minutes (the base) as soon as it fails once.
    delays = [
        next_delay(B, adaptive=True, current=21600, ok=False, new_items=0, failures=n)
        for n in (1, 2, 3)
    ]
    assert delays == [21600, 43200, 86400]
    # A busy feed adapted to 5 min backs off from there.
    assert next_delay(B, adaptive=True, current=300, ok=False, new_items=0, failures=3) == 1200


@given(
    current=st.one_of(st.none(), st.integers(1, 10**6)),
    new_items=st.integers(0, 1000),
    failures=st.integers(0, 100),
    ok=st.booleans(),
)
def test_delays_stay_within_bounds(
    current: int | None, new_items: int, failures: int, ok: bool
) -> None:
    delay = next_delay(
        B, adaptive=True, current=current, ok=ok, new_items=new_items, failures=failures
    )
    assert 300 <= delay <= 86400
