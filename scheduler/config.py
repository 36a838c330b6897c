"""The daemon's section of config.toml: `[scheduler]`."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from spiders.config import interval_seconds


def _interval(value: str) -> str:
    if interval_seconds(value) is None:
        raise ValueError("expected an interval such as '30s', '1m', '2h'")
    return value


class HealthConfig(BaseModel):
    """`[scheduler.health]`: when a source's trouble is told to the operator channel."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = Field(default=True, description="watch sources and tell the operator")
    failure_score: float = Field(
        default=3.0,
        gt=0,
        description="weighted failures in a row (hard 1, soft 0.5, temporary 0.25) that make "
        "a source failing",
    )
    yield_min_pages: int = Field(
        default=10, ge=1, description="pages each half of the recent polls needs for a yield"
    )


class SchedulerConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    jitter_seconds: int = Field(
        default=30, ge=0, description="random delay added to each poll, so sources spread out"
    )
    dispatch_interval: str = Field(default="1m", description="how often the outbox is sent")
    misfire_grace_seconds: int = Field(default=300, ge=1)
    poll_on_start: bool = Field(default=True, description="poll every source once at start")
    pid_file: Path = Field(
        default=Path("data/newswatch.pid"),
        description="where the daemon writes its pid (`status`, `reload` read it)",
    )
    http_host: str = Field(default="127.0.0.1", description="address of /healthz and /metrics")
    http_port: int = Field(
        default=9464, ge=0, le=65535, description="port of /healthz and /metrics; 0: none"
    )
    maintenance_interval: str = Field(
        default="1d", description="how often retention, ANALYZE and VACUUM run"
    )
    health: HealthConfig = Field(default_factory=HealthConfig)

    _dispatch = field_validator("dispatch_interval", "maintenance_interval")(_interval)
