"""The alerting sections of config.toml: `[[rules]]`, `[groups]`, `[[entities]]`, `[alerts]`."""

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
    "EntityConfig",
    "GroupDefinition",
    "RuleConfig",
    "SlackChannelConfig",
]

# A named term group: one query, or a list of queries any of which may match (`a OR b OR ...`).
GroupDefinition = str | list[str]

EntityKind = Literal[
    "person", "organisation", "company", "unit", "place", "weapon_system", "programme"
]


class RuleConfig(BaseModel):
    """One rule: a query (see alerts.query). The topic rule decides `relevant`; others alert."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    description: str = ""
    query: str = Field(min_length=1, description="the query, in the rule language")
    topic: bool = Field(default=False, description="this rule decides `relevant`")
    require_topic: bool = Field(default=False, description="fire only on relevant articles")
    severity: Literal["info", "low", "medium", "high"] = "medium"
    channels: list[str] = Field(default_factory=list)
    novelty: bool = Field(
        default=False,
        description="fire only when a watchlisted entity it found is new to relevant coverage",
    )
    novelty_days: int | None = Field(
        default=None, gt=0, description="new within this many days (default: the whole archive)"
    )

    @model_validator(mode="after")
    def _novelty_days_need_novelty(self) -> RuleConfig:
        if self.novelty_days is not None and not self.novelty:
            raise ValueError("novelty_days is set but novelty is not true")
        return self


class EntityConfig(BaseModel):
    """A watchlisted entity: its name and aliases (any language or script) and its tags."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    kind: EntityKind
    aliases: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    description: str = ""

    @field_validator("tags")
    @classmethod
    def _tags_are_names(cls, tags: list[str]) -> list[str]:
        for tag in tags:
            if not tag or any(ch.isspace() or ch == "#" for ch in tag):
                raise ValueError(f"a tag is one word without '#', found {tag!r}")
        return tags


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
