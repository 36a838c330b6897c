"""The daemon's section of config.toml: `[scheduler]`."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from spiders.config import interval_seconds


def _interval(value: str) -> str:
    if interval_seconds(value) is None:
        raise ValueError("expected an interval such as '30s', '1m', '2h'")
    return value


class SchedulerConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    jitter_seconds: int = Field(
        default=30, ge=0, description="random delay added to each poll, so sources spread out"
    )
    dispatch_interval: str = Field(default="1m", description="how often the outbox is sent")
    misfire_grace_seconds: int = Field(default=300, ge=1)
    poll_on_start: bool = Field(default=True, description="poll every source once at start")

    _dispatch = field_validator("dispatch_interval")(_interval)
