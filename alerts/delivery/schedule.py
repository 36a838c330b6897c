"""Digest slots: when the next `hourly` or `daily at HH:MM` digest of a channel goes out.

Slots are computed in the configured time zone (so `daily at 08:00` stays 08:00 local across
daylight saving time) and returned in UTC, which is what the archive stores.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from alerts.delivery.channel_config import DIGEST_PATTERN


def next_slot(schedule: str, now: datetime, timezone: str) -> datetime:
    """The first slot of `schedule` strictly after `now` (aware), in UTC."""
    found = DIGEST_PATTERN.match(schedule)
    if found is None:
        raise ValueError(f"not a digest schedule: {schedule!r}")
    zone = ZoneInfo(timezone)
    local = now.astimezone(zone)
    if found.group(1) == "hourly":
        # Whole UTC hours are whole local hours in every zone whose offset is whole hours; in
        # the others (India, Nepal) a digest at :30 local is still one per hour.
        top = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
        return top + timedelta(hours=1)
    hour, minute = int(found.group(2)), int(found.group(3))
    day = local.date()
    for offset in range(3):
        wall = datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone) + timedelta(
            days=offset
        )
        # A wall time inside a spring-forward gap does not exist; zoneinfo shifts it forward,
        # and normalising through UTC gives the instant the clock actually shows.
        slot = wall.astimezone(UTC)
        if slot > now.astimezone(UTC):
            return slot
    raise AssertionError("unreachable: a daily slot falls within three days")
