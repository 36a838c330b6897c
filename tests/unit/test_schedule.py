"""Digest slots in a configured time zone, on a frozen clock (no sleeping, no wall time)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from alerts.delivery.schedule import next_slot


def test_hourly_is_the_next_top_of_the_hour() -> None:
    now = datetime(2026, 11, 23, 10, 17, 5, tzinfo=UTC)
    assert next_slot("hourly", now, "UTC") == datetime(2026, 11, 23, 11, 0, tzinfo=UTC)
    on_the_hour = datetime(2026, 11, 23, 11, 0, tzinfo=UTC)
    assert next_slot("hourly", on_the_hour, "Europe/Berlin") == datetime(
        2026, 11, 23, 12, 0, tzinfo=UTC
    )


def test_daily_is_local_wall_time() -> None:
    # 07:30 UTC is 08:30 in Berlin (winter): today's 08:00 has passed, so tomorrow's.
    now = datetime(2026, 11, 23, 7, 30, tzinfo=UTC)
    assert next_slot("daily at 08:00", now, "Europe/Berlin") == datetime(
        2026, 11, 24, 7, 0, tzinfo=UTC
    )
    assert next_slot("daily at 09:15", now, "Europe/Berlin") == datetime(
        2026, 11, 23, 8, 15, tzinfo=UTC
    )


def test_daily_follows_daylight_saving_time() -> None:
    # Berlin moves to summer time on 2026-03-29: 08:00 local is 07:00 UTC before, 06:00 after.
    before = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)
    assert next_slot("daily at 08:00", before, "Europe/Berlin") == datetime(
        2026, 3, 29, 6, 0, tzinfo=UTC
    )
    # 02:30 does not exist that night; the digest goes at the first instant after the gap.
    gap = next_slot("daily at 02:30", before, "Europe/Berlin")
    assert gap.astimezone(UTC) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)


def test_not_a_schedule() -> None:
    with pytest.raises(ValueError, match="not a digest schedule"):
        next_slot("weekly", datetime(2026, 1, 1, tzinfo=UTC), "UTC")
