"""The rule-matching sections of config.toml: `[[rules]]`, `[groups]`, `[[entities]]`."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = ["EntityConfig", "GroupDefinition", "RuleConfig"]

# A named term group: one query, or a list of queries any of which may match (`a OR b OR ...`).
GroupDefinition = str | list[str]

EntityKind = Literal[
    "person", "organisation", "company", "unit", "place", "weapon_system", "programme"
]


class RuleConfig(BaseModel):
    """One rule: a query (alerts.rules.query). The topic rule decides `relevant`; others alert."""

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
