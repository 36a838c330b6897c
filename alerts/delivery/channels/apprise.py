"""Any Apprise URL (Teams, Telegram, Discord, Matrix, ntfy, a JSON webhook, ...).

Apprise answers only success or failure; the reason is in the log entries it captures for the
call. A 4xx reply (other than 408 and 429) means the URL or its token is wrong and fails for
good; anything else (a 5xx, a timeout, a refused connection) is retried by the outbox, which
gives up after `max_attempts` so nothing is retried forever.
"""

from __future__ import annotations

import os
import re

import apprise

from alerts.delivery.channel_config import AppriseChannelConfig
from alerts.delivery.channels.base import DeliveryError, OutgoingAlert
from alerts.delivery.secrets import mask_url, redact, register

_STATUS = re.compile(r"error=(\d{3})")


def _classify(reasons: list[str]) -> DeliveryError:
    detail = redact("; ".join(reasons) or "Apprise reported a failure without a reason")
    for found in _STATUS.finditer(detail):
        status = int(found.group(1))
        if 400 <= status < 500 and status not in (408, 425, 429):
            return DeliveryError(f"Apprise: {detail}", retry=False)
    return DeliveryError(f"Apprise: {detail}", retry=True)


class AppriseChannel:
    """One Apprise URL; the message goes as plain text, which Apprise escapes per service."""

    def __init__(self, name: str, config: AppriseChannelConfig) -> None:
        self.name = name
        self.config = config
        self._url = config.url
        if config.url_env is not None:
            self._url = os.environ.get(config.url_env)
        if self._url is not None:
            register(self._url, mask_url(self._url))

    def describe(self) -> str:
        return f"apprise {mask_url(self._url or '')}"

    def send(self, alert: OutgoingAlert) -> str | None:
        if self._url is None:
            raise DeliveryError(
                f"environment variable {self.config.url_env} is not set", retry=False
            )
        client = apprise.Apprise()
        if not client.add(self._url):
            raise DeliveryError(f"not a usable Apprise URL: {mask_url(self._url)}", retry=False)
        reasons: list[str] = []
        result = client.notify(
            body=alert.rendered.text,
            title=alert.rendered.subject,
            body_format=apprise.NotifyFormat.TEXT,
            timeout=self.config.timeout_seconds,
            log_callback=lambda entry, _service: reasons.append(entry.message),
            log_level=30,
        )
        if not result:
            raise _classify(reasons)
        return None
