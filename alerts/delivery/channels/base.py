"""What every delivery channel is: something that sends one message or raises `DeliveryError`.

A message is an alert, a follow-up (a later article of an alerted story, threaded under the
first where the target can), a digest (many alerts in one), or a test or operator notice.

Exceptions: a channel raises only `DeliveryError`; `retry` says whether trying again later
may succeed (a server down or slow, a 429, an SMTP 4xx) or not (Slack's `no_service` or
`invalid_token`, an SMTP 5xx, a missing password); `retry_after` is the wait the server
asked for. The outbox is the one place that catches it; anything else a channel raises is
turned into a retryable `DeliveryError.unexpected` there, so it is one failed attempt.
"""

from __future__ import annotations

import hashlib
import html
from dataclasses import dataclass
from typing import Protocol

from alerts.delivery.digest_render import DigestGroup
from alerts.delivery.render import AlertFacts, RenderedAlert
from alerts.delivery.secrets import redact


class DeliveryError(Exception):
    def __init__(
        self,
        message: str,
        *,
        retry: bool,
        retry_after: float | None = None,
        in_doubt: bool = False,
    ) -> None:
        message = redact(message)
        super().__init__(message)
        self.message = message
        self.retry = retry
        self.retry_after = retry_after
        # The server may have taken the message before the failure (a timeout while waiting
        # for its answer, a dropped connection): the next attempt should look before it sends.
        self.in_doubt = in_doubt

    @classmethod
    def unexpected(cls, exc: Exception) -> DeliveryError:
        """An error no channel should raise (a bug, a broken config value) as a failed attempt.

        Retried like a server that is down, so a config fixed in the meantime is picked up;
        `max_attempts` still ends it, and the operator is told.
        """
        return cls(f"unexpected error: {type(exc).__name__}: {exc}", retry=True)


@dataclass(frozen=True, slots=True)
class OutgoingAlert:
    """One message ready to go out: its rendered parts and a Message-ID stable across retries.

    `facts` (absent for test and operator notices) lets a channel lay the alert out its own
    way (Slack's blocks); `groups` is set for a digest instead.
    """

    alert_id: int
    rendered: RenderedAlert
    message_id: str
    facts: AlertFacts | None = None
    followup: bool = False
    # Message-ID of the story's first alert: follow-ups thread under it in mail clients.
    in_reply_to: str | None = None
    # The story's first message on this channel as the target named it (Slack `channel/ts`).
    thread: str | None = None
    # How many other outlets carry the story.
    outlets: int = 0
    groups: tuple[DigestGroup, ...] = ()
    # An earlier attempt may have got through (see DeliveryError.in_doubt).
    in_doubt: bool = False
    # The latest message this channel sent, as the target named it (Slack `channel/ts`): where
    # to look for an earlier attempt when the configured channel is a name, not an ID.
    last_remote: str | None = None


def notice(subject: str, text: str, message_id: str) -> OutgoingAlert:
    """A plain message from Newswatch itself (a channel test, an operator notice)."""
    return OutgoingAlert(
        alert_id=0,
        rendered=RenderedAlert(subject=subject, text=text, html=f"<pre>{html.escape(text)}</pre>"),
        message_id=message_id,
    )


def message_id(alert_id: int, url: str, rule: str) -> str:
    """A Message-ID that is the same for every attempt of one alert.

    Mail clients and servers that see the same alert twice (the one window where a crash
    repeats a send) can then tell it is the same message.
    """
    digest = hashlib.sha256(f"{alert_id}\n{url}\n{rule}".encode()).hexdigest()[:16]
    return f"<alert-{alert_id}.{digest}@newswatch>"


def followup_id(alert_id: int, article_id: int, url: str) -> str:
    """The Message-ID of a follow-up: the same for every attempt of one article of one story."""
    digest = hashlib.sha256(f"{alert_id}\n{article_id}\n{url}".encode()).hexdigest()[:16]
    return f"<alert-{alert_id}.{article_id}.{digest}@newswatch>"


class Channel(Protocol):
    name: str

    def send(self, alert: OutgoingAlert) -> str | None:
        """Deliver `alert` or raise DeliveryError; the target's id for the message, if any."""
        ...
