"""The `[alerts.channels.NAME]` tables: where alerts go, and when (routing and throttling).

Every channel has a `mode`: `immediate` sends each alert as it comes; `hourly` and
`daily at HH:MM` (in `[alerts] timezone`) collect them into one digest per slot. An immediate
channel may cap itself at `max_per_hour` messages; the overflow goes into the next `overflow`
digest, never dropped. A report of a story the analysts know that brings nothing new (a
follow-up) becomes what `followups` says: a digest line (the default), a thread reply, or
nothing. Secrets (passwords, bot tokens, webhook URLs that embed a token) are
read from environment variables named here, or masked wherever they are logged.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

DIGEST_PATTERN = re.compile(r"^(hourly|daily at ([01]\d|2[0-3]):([0-5]\d))$")


def _check_schedule(value: str, *, allow_immediate: bool) -> str:
    if allow_immediate and value == "immediate":
        return value
    if not DIGEST_PATTERN.match(value):
        choices = '"immediate", ' if allow_immediate else ""
        raise ValueError(f'expected {choices}"hourly" or "daily at HH:MM" (got {value!r})')
    return value


class Routing(BaseModel):
    """When a channel's alerts go out; shared by every kind of channel."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    mode: str = Field(
        default="immediate",
        description='"immediate", "hourly" or "daily at HH:MM" (a digest per slot)',
    )
    max_per_hour: int | None = Field(
        default=None,
        gt=0,
        description="cap on immediate messages per hour; the rest go to a digest",
    )
    overflow: str = Field(
        default="hourly", description="the digest that takes what max_per_hour holds back"
    )
    followups: Literal["digest", "thread", "none"] = Field(
        default="digest",
        description="what a report of a known story that brings nothing new becomes: a line in "
        "the `overflow` digest (or the channel's own), a reply in the story's thread, or nothing",
    )

    @field_validator("mode")
    @classmethod
    def _mode(cls, value: str) -> str:
        return _check_schedule(value, allow_immediate=True)

    @field_validator("overflow")
    @classmethod
    def _overflow(cls, value: str) -> str:
        return _check_schedule(value, allow_immediate=False)

    @property
    def digest(self) -> bool:
        return self.mode != "immediate"


class EmailChannelConfig(Routing):
    kind: Literal["email"]
    host: str
    port: int = Field(default=25, gt=0, lt=65536)
    security: Literal["none", "starttls", "ssl"] = "starttls"
    sender: str = Field(pattern=r"^[^@\s]+@[^@\s]+$")
    recipients: list[str] = Field(min_length=1)
    username: str | None = None
    password_env: str | None = Field(
        default=None, description="name of the environment variable holding the SMTP password"
    )
    timeout_seconds: float = Field(default=30.0, gt=0)
    subject: str = Field(
        default="[newswatch] {rule}: {title}",
        description="subject template; fields: rule, title, source, lang, severity",
    )


class SlackChannelConfig(Routing):
    """An incoming webhook, or a bot token and a channel (then follow-ups thread)."""

    kind: Literal["slack"]
    webhook_url: str | None = Field(default=None, pattern=r"^https?://")
    webhook_url_env: str | None = Field(
        default=None, description="environment variable holding the webhook URL instead"
    )
    token_env: str | None = Field(
        default=None, description="environment variable holding the bot token (xoxb-...)"
    )
    channel: str | None = Field(default=None, description="channel ID or name for the bot")
    api_url: str = Field(
        default="https://slack.com/api/", pattern=r"^https?://", description="Web API base URL"
    )
    timeout_seconds: float = Field(default=15.0, gt=0)

    @model_validator(mode="after")
    def _one_transport(self) -> SlackChannelConfig:
        webhook = self.webhook_url is not None or self.webhook_url_env is not None
        bot = self.token_env is not None or self.channel is not None
        if self.webhook_url is not None and self.webhook_url_env is not None:
            raise ValueError("give webhook_url or webhook_url_env, not both")
        if webhook == bot:
            raise ValueError("give a webhook (webhook_url) or a bot (token_env and channel)")
        if bot and (self.token_env is None or self.channel is None):
            raise ValueError("a bot needs both token_env and channel")
        return self


class AppriseChannelConfig(Routing):
    """Any Apprise URL: Teams, Telegram, Discord, Matrix, ntfy, a JSON webhook, ..."""

    kind: Literal["apprise"]
    url: str | None = Field(default=None, description="an Apprise URL (it may hold a token)")
    url_env: str | None = Field(
        default=None, description="environment variable holding the Apprise URL instead"
    )
    timeout_seconds: float = Field(default=15.0, gt=0)

    @model_validator(mode="after")
    def _one_url(self) -> AppriseChannelConfig:
        if (self.url is None) == (self.url_env is None):
            raise ValueError("give url or url_env (exactly one)")
        return self


ChannelConfig = Annotated[
    EmailChannelConfig | SlackChannelConfig | AppriseChannelConfig, Field(discriminator="kind")
]
