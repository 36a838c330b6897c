"""The collectors' sections of config.toml: `[crawl]` defaults and `[[sources]]`."""

from __future__ import annotations

import fnmatch
import functools
import re
from typing import Literal

from apscheduler.triggers.cron import CronTrigger
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

_INTERVAL = re.compile(r"^\s*(\d+)\s*([smhd])\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def interval_seconds(schedule: str) -> int | None:
    """Seconds of an interval schedule such as `30s`, `15m`, `2h`, `1d`; None for a cron one."""
    found = _INTERVAL.match(schedule)
    if found is None:
        return None
    return int(found.group(1)) * _UNIT_SECONDS[found.group(2)]


def check_schedule(schedule: str) -> str:
    seconds = interval_seconds(schedule)
    if seconds is not None:
        if seconds < 1:
            raise ValueError("an interval must be at least 1s")
        return schedule.strip()
    try:
        CronTrigger.from_crontab(schedule)
    except ValueError as exc:
        raise ValueError(
            "expected an interval such as '30s', '15m', '2h', '1d' or a 5-field cron "
            f"expression such as '*/20 6-22 * * *' ({exc})"
        ) from exc
    return schedule.strip()


def check_interval(value: str) -> str:
    if interval_seconds(value) is None:
        raise ValueError("expected an interval such as '30s', '15m', '2h', '1d'")
    return value.strip()


def check_pattern(pattern: str) -> str:
    """A URL pattern: `re:REGEX`, or a glob matched against the whole URL (`*` spans '/')."""
    if pattern.startswith("re:"):
        try:
            re.compile(pattern[3:])
        except re.error as exc:
            raise ValueError(f"bad regular expression {pattern[3:]!r}: {exc}") from exc
    elif not pattern:
        raise ValueError("an empty URL pattern")
    return pattern


@functools.lru_cache(maxsize=1024)
def compile_pattern(pattern: str) -> re.Pattern[str]:
    if pattern.startswith("re:"):
        return re.compile(pattern[3:])
    return re.compile(fnmatch.translate(pattern))


class CrawlConfig(BaseModel):
    """How every source is fetched, unless the source says otherwise."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    user_agent: str = "Newswatch/0.1 (news monitoring; +https://example.org/newswatch)"
    obey_robots_txt: bool = True
    download_timeout_seconds: float = Field(default=30.0, gt=0)
    max_page_bytes: int = Field(default=5_000_000, gt=0)
    concurrent_requests: int = Field(default=16, ge=1)
    concurrent_requests_per_domain: int = Field(default=4, ge=1)
    autothrottle: bool = True
    autothrottle_start_delay_seconds: float = Field(default=1.0, ge=0)
    retry_times: int = Field(default=1, ge=0)
    schedule: str = "30m"
    max_age_days: int = Field(default=7, ge=1)
    min_text_chars: int = Field(default=200, ge=1)
    adaptive: bool = Field(
        default=True, description="feeds poll less often when quiet, more often when busy"
    )
    adaptive_min_interval: str = "5m"
    adaptive_max_interval: str = "6h"
    backoff_max_interval: str = Field(
        default="1d", description="a failing source is polled at most this rarely"
    )
    retry_rejected_after: list[str] = Field(
        default_factory=lambda: ["1h", "6h", "1d"],
        description="a page that held no article is fetched again after each of these waits, "
        "then given up",
    )

    _schedule = field_validator("schedule")(check_schedule)
    _intervals = field_validator(
        "adaptive_min_interval", "adaptive_max_interval", "backoff_max_interval"
    )(check_interval)

    @field_validator("retry_rejected_after")
    @classmethod
    def _retry_waits(cls, waits: list[str]) -> list[str]:
        return [check_interval(wait) for wait in waits]

    @property
    def rejected_retry_seconds(self) -> tuple[int, ...]:
        return tuple(interval_seconds(wait) or 0 for wait in self.retry_rejected_after)


class SourceConfig(BaseModel):
    """One source to watch."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    kind: Literal["feed", "sitemap", "listing"]
    url: str = Field(pattern=r"^https?://")
    schedule: str | None = None
    lang: str | None = None
    max_age_days: int | None = Field(default=None, ge=1)
    enabled: bool = True
    allow: list[str] = Field(
        default_factory=list,
        description="URL patterns an article must match (listing: which links are articles)",
    )
    deny: list[str] = Field(default_factory=list, description="URL patterns never followed")
    pages: list[str] = Field(
        default_factory=list,
        description="listing: URL patterns of further listing pages (pagination), see depth",
    )
    depth: int = Field(default=1, ge=1, le=5, description="listing: listing pages deep")
    headers: dict[str, str] = Field(default_factory=dict, description="extra request headers")
    adaptive: bool | None = Field(
        default=None, description="adapt the interval to how often news comes; default: feeds"
    )

    @field_validator("schedule")
    @classmethod
    def _schedule(cls, value: str | None) -> str | None:
        return None if value is None else check_schedule(value)

    @field_validator("allow", "deny", "pages")
    @classmethod
    def _patterns(cls, values: list[str]) -> list[str]:
        return [check_pattern(value) for value in values]

    @model_validator(mode="after")
    def _listing_needs_allow(self) -> SourceConfig:
        if self.kind == "listing" and not self.allow:
            raise ValueError("a listing source needs 'allow' patterns that pick its article links")
        return self

    def is_adaptive(self, crawl: CrawlConfig) -> bool:
        if self.adaptive is not None:
            return self.adaptive
        return crawl.adaptive and self.kind == "feed"

    def wants(self, url: str) -> bool:
        """Whether an article URL passes this source's allow and deny patterns."""
        if any(compile_pattern(p).match(url) for p in self.deny):
            return False
        return not self.allow or any(compile_pattern(p).match(url) for p in self.allow)

    def effective_schedule(self, crawl: CrawlConfig) -> str:
        return self.schedule or crawl.schedule

    def effective_max_age_days(self, crawl: CrawlConfig) -> int:
        return self.max_age_days or crawl.max_age_days
