"""The alerting sections of config.toml: `[[rules]]` and `[alerts]` with its channels."""

from __future__ import annotations

from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from alerts.channel_config import (
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
    "RuleConfig",
    "SlackChannelConfig",
    "TermLists",
]

# A group is a list of alternatives; a bare string is a group of one.
TermGroup = list[str]


def _as_groups(value: object) -> object:
    if isinstance(value, list):
        return [[item] if isinstance(item, str) else item for item in value]
    return value


class TermLists(BaseModel):
    """Which terms an article must, may and must not contain.

    Terms match whole words, ignoring case and accents; `word*` matches any word that starts
    with `word` (German and Dutch compounds, Slavic endings); several words match as a phrase.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    all: list[TermGroup] = Field(
        default_factory=list,
        description="every group must be present (a group is a list of alternatives)",
    )
    any: list[str] = Field(default_factory=list, description="at least one of these, if given")
    none: list[str] = Field(default_factory=list, description="none of these may be present")

    _groups = field_validator("all", mode="before")(_as_groups)

    @model_validator(mode="after")
    def _not_empty(self) -> TermLists:
        if not self.all and not self.any:
            raise ValueError("a rule needs terms in 'all' or 'any'")
        if any(not group for group in self.all):
            raise ValueError("'all' has an empty group")
        return self


class RuleConfig(TermLists):
    """One rule. The topic rule decides whether an article is relevant; others alert."""

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    description: str = ""
    topic: bool = Field(default=False, description="this rule decides `relevant`")
    require_topic: bool = Field(default=False, description="fire only on relevant articles")
    severity: Literal["info", "low", "medium", "high"] = "medium"
    channels: list[str] = Field(default_factory=list)
    langs: list[str] = Field(
        default_factory=list, description="only articles in these languages (empty: all)"
    )
    variants: dict[str, TermLists] = Field(
        default_factory=dict,
        description="per-language term lists used instead of the rule's own for that language",
    )


class AlertsConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    retry_base_seconds: float = Field(default=60.0, gt=0)
    retry_max_seconds: float = Field(default=3600.0, gt=0)
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

    @model_validator(mode="after")
    def _operator_known(self) -> AlertsConfig:
        if self.operator_channel is not None and self.operator_channel not in self.channels:
            raise ValueError(f"operator_channel: unknown channel {self.operator_channel!r}")
        return self
