"""The delivery section of config.toml: `[alerts]` and its `[alerts.channels.NAME]` tables."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from alerts.delivery.channel_config import (
    AppriseChannelConfig,
    ChannelConfig,
    EmailChannelConfig,
    SlackChannelConfig,
)

__all__ = [
    "AlertsConfig",
    "AppriseChannelConfig",
    "ChannelConfig",
    "EmailChannelConfig",
    "SlackChannelConfig",
]


# The review UI's inbox: a channel that is always there and needs no table. An alert of a
# rule that names it is shown in the inbox (as every alert is) and has no delivery row.
INBOX = "inbox"


class AlertsConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    @property
    def lease(self) -> timedelta:
        return timedelta(seconds=self.lease_seconds)

    retry_base_seconds: float = Field(default=60.0, gt=0)
    retry_max_seconds: float = Field(default=3600.0, gt=0)
    lease_seconds: float = Field(
        default=600.0,
        ge=1,
        description="a delivery a dispatcher claimed and did not settle (it died) is sent again "
        "after this long; keep it above every channel's timeout",
    )
    snippet_chars: int = Field(default=240, ge=40)
    max_attempts: int = Field(
        default=12, ge=1, description="a delivery that failed this often is marked failed"
    )
    timezone: str = Field(default="UTC", description="time zone of `daily at HH:MM` digests")
    operator_channel: str | None = Field(
        default=None, description="channel told when a delivery fails for good"
    )
    channels: dict[str, ChannelConfig] = Field(default_factory=dict)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @field_validator("channels")
    @classmethod
    def _inbox_is_built_in(cls, channels: dict[str, ChannelConfig]) -> dict[str, ChannelConfig]:
        if INBOX in channels:
            raise ValueError(f"{INBOX!r} is the review UI's built-in channel: choose another name")
        return channels

    @model_validator(mode="after")
    def _operator_known(self) -> AlertsConfig:
        if self.operator_channel is not None and self.operator_channel not in self.channels:
            raise ValueError(f"operator_channel: unknown channel {self.operator_channel!r}")
        return self
