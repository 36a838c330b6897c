"""What every delivery channel is: something that sends one alert or raises `DeliveryError`.

Exceptions: a channel raises only `DeliveryError`; `retry` says whether trying again later
may succeed (a server down, a 4xx reply) or not (a 5xx reply, a missing password). The outbox
is the one place that catches it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Protocol

from alerts.render import RenderedAlert


class DeliveryError(Exception):
    def __init__(self, message: str, *, retry: bool) -> None:
        super().__init__(message)
        self.message = message
        self.retry = retry


@dataclass(frozen=True, slots=True)
class OutgoingAlert:
    """One alert ready to go out: its rendered parts and a Message-ID stable across retries."""

    alert_id: int
    rendered: RenderedAlert
    message_id: str


def message_id(alert_id: int, url: str, rule: str) -> str:
    """A Message-ID that is the same for every attempt of one alert.

    Mail clients and servers that see the same alert twice (the one window where a crash
    repeats a send) can then tell it is the same message.
    """
    digest = hashlib.sha256(f"{alert_id}\n{url}\n{rule}".encode()).hexdigest()[:16]
    return f"<alert-{alert_id}.{digest}@newswatch>"


class Channel(Protocol):
    name: str

    def send(self, alert: OutgoingAlert) -> None:
        """Deliver `alert` or raise DeliveryError."""
        ...
