"""Slack: an incoming webhook, or a bot (`chat.postMessage`) whose follow-ups thread.

Both go through slack_sdk with its own retry handlers off: the outbox owns retries, so one
failure is reported once and a request is never repeated behind its back. What Slack answers
decides whether to retry: 429 waits as long as `Retry-After` says; 5xx, timeouts and refused
connections are retried with backoff; `no_service`, `invalid_token`, `channel_not_found` and
the like fail for good with Slack's reason.

A bot tags each message with metadata naming the delivery (its stable message id). When an
earlier attempt may have got through (a timeout while waiting for the answer, a dispatcher that
died mid-send), the bot first reads the channel (or the thread) and, if the message is there,
records it instead of posting it again. That needs the `channels:history` scope (or
`groups:history`); without it, or for a webhook, such a message may be repeated.
"""

from __future__ import annotations

import http.client
import logging
import os
import re
import socket
from typing import Any

from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web import WebClient
from slack_sdk.webhook import WebhookClient

from alerts.delivery.channel_config import SlackChannelConfig
from alerts.delivery.channels.base import DeliveryError, OutgoingAlert
from alerts.delivery.channels.slack_blocks import (
    Block,
    alert_blocks,
    alert_fallback,
    digest_blocks,
    escape,
)
from alerts.delivery.secrets import mask_url, register

logger = logging.getLogger(__name__)
# slack_sdk logs each failed request itself; the outbox reports each failure once.
_sdk_logger = logging.getLogger(__name__ + ".sdk")

# Web API errors that may heal by themselves; any other `ok: false` is final.
RETRYABLE_ERRORS = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)
EVENT_TYPE = "newswatch_delivery"
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{6,}$")


def _unreachable(exc: Exception) -> DeliveryError:
    """Down, slow or cut off. Only a refused connection or an unknown host surely sent nothing."""
    reason = getattr(exc, "reason", exc)
    sure = isinstance(reason, ConnectionRefusedError | socket.gaierror)
    return DeliveryError(
        f"Slack unreachable: {type(reason).__name__}: {reason}", retry=True, in_doubt=not sure
    )


def _retry_after(headers: dict[str, Any] | None) -> float | None:
    for key, value in (headers or {}).items():
        if key.lower() == "retry-after":
            raw = value[0] if isinstance(value, list) else value
            try:
                return max(0.0, float(raw))
            except (TypeError, ValueError):
                return None
    return None


def _status_error(status: int, reason: str, headers: dict[str, Any] | None) -> DeliveryError:
    reason = reason.strip()[:200] or "no reason given"
    if status == 429:
        wait = _retry_after(headers)
        return DeliveryError(f"Slack 429 {reason}", retry=True, retry_after=wait)
    if status >= 500 or status == 408:
        return DeliveryError(f"Slack HTTP {status}: {reason}", retry=True)
    return DeliveryError(f"Slack HTTP {status}: {reason}", retry=False)


def payload(alert: OutgoingAlert) -> tuple[str, list[Block]]:
    """The fallback text and the blocks of a message."""
    if alert.groups:
        return escape(alert.rendered.subject), digest_blocks(alert.rendered.subject, alert.groups)
    if alert.facts is not None:
        return (
            alert_fallback(alert.facts, alert.followup),
            alert_blocks(alert.facts, alert.followup, alert.outlets),
        )
    text = escape(alert.rendered.text)[:3000]
    return escape(alert.rendered.subject), [
        {"type": "section", "text": {"type": "mrkdwn", "text": text}}
    ]


class SlackChannel:
    """Sends to a webhook, or as a bot to `channel`; follow-ups go into the first alert's thread."""

    def __init__(self, name: str, config: SlackChannelConfig) -> None:
        self.name = name
        self.config = config
        self._webhook_url = config.webhook_url
        if config.webhook_url_env is not None:
            self._webhook_url = os.environ.get(config.webhook_url_env)
        if self._webhook_url is not None:
            register(self._webhook_url, mask_url(self._webhook_url))

    @property
    def threads(self) -> bool:
        return self.config.token_env is not None

    def describe(self) -> str:
        if self.config.token_env is not None:
            return f"slack bot to {self.config.channel} via {mask_url(self.config.api_url)}"
        return f"slack webhook {mask_url(self._webhook_url or '')}"

    def send(self, alert: OutgoingAlert) -> str | None:
        text, blocks = payload(alert)
        try:
            if self.config.token_env is not None:
                client = self._client()
                if alert.in_doubt:
                    earlier = self._find_earlier(client, alert)
                    if earlier is not None:
                        logger.info(
                            "channel %s: %s had got through already (%s)",
                            self.name,
                            alert.message_id,
                            earlier,
                        )
                        return earlier
                return self._post(client, text, blocks, alert)
            self._hook(text, blocks)
            return None
        except (OSError, http.client.HTTPException) as exc:
            # Refused, reset, timed out, a broken reply: the server may be back later.
            raise _unreachable(exc) from exc
        except SlackApiError as exc:
            raise _api_error(exc) from exc
        except SlackClientError as exc:
            raise DeliveryError(f"Slack client: {exc}", retry=True) from exc

    def _hook(self, text: str, blocks: list[Block]) -> None:
        if self._webhook_url is None:
            variable = self.config.webhook_url_env
            raise DeliveryError(f"environment variable {variable} is not set", retry=False)
        client = WebhookClient(
            self._webhook_url,
            timeout=int(max(1, self.config.timeout_seconds)),
            retry_handlers=[],
            logger=_sdk_logger,
        )
        response = client.send(text=text, blocks=blocks, unfurl_links=False, unfurl_media=False)
        if response.status_code != 200:
            raise _status_error(response.status_code, response.body or "", response.headers)

    def _token(self) -> str:
        variable = self.config.token_env
        token = os.environ.get(variable) if variable else None
        if not token:
            raise DeliveryError(f"environment variable {variable} is not set", retry=False)
        register(token)
        return token

    def _client(self) -> WebClient:
        return WebClient(
            token=self._token(),
            base_url=self.config.api_url
            if self.config.api_url.endswith("/")
            else self.config.api_url + "/",
            timeout=int(max(1, self.config.timeout_seconds)),
            retry_handlers=[],
            logger=_sdk_logger,
        )

    def _find_earlier(self, client: WebClient, alert: OutgoingAlert) -> str | None:
        """`channel/ts` of a message this delivery already posted, if the channel shows one."""
        channel_id, thread_ts = None, None
        if alert.thread is not None and "/" in alert.thread:
            channel_id, thread_ts = alert.thread.split("/", 1)
        elif self.config.channel and _CHANNEL_ID.match(self.config.channel):
            channel_id = self.config.channel
        elif alert.last_remote is not None and "/" in alert.last_remote:
            channel_id = alert.last_remote.split("/", 1)[0]
        if channel_id is None:
            logger.warning(
                "channel %s: cannot check whether %s got through (configure the channel's ID)",
                self.name,
                alert.message_id,
            )
            return None
        try:
            if thread_ts is not None:
                response = client.conversations_replies(
                    channel=channel_id, ts=thread_ts, include_all_metadata=True, limit=200
                )
            else:
                response = client.conversations_history(
                    channel=channel_id, include_all_metadata=True, limit=200
                )
        except SlackApiError as exc:
            logger.warning(
                "channel %s: cannot check whether %s got through (%s); sending it",
                self.name,
                alert.message_id,
                _api_error(exc).message,
            )
            return None
        for message in response.get("messages") or []:
            metadata = message.get("metadata") or {}
            payload = metadata.get("event_payload") or {}
            if metadata.get("event_type") == EVENT_TYPE and payload.get("key") == alert.message_id:
                return f"{channel_id}/{message.get('ts')}"
        return None

    def _post(self, client: WebClient, text: str, blocks: list[Block], alert: OutgoingAlert) -> str:
        channel = self.config.channel
        thread_ts = None
        if alert.thread is not None and "/" in alert.thread:
            channel, thread_ts = alert.thread.split("/", 1)
        try:
            response = client.chat_postMessage(
                channel=channel or "",
                text=text,
                blocks=blocks,
                thread_ts=thread_ts,
                unfurl_links=False,
                unfurl_media=False,
                metadata={"event_type": EVENT_TYPE, "event_payload": {"key": alert.message_id}},
            )
        except SlackApiError as exc:
            raise _api_error(exc) from exc
        except SlackClientError as exc:
            raise DeliveryError(f"Slack client: {exc}", retry=True) from exc
        return f"{response.get('channel')}/{response.get('ts')}"


def _api_error(exc: SlackApiError) -> DeliveryError:
    response = exc.response
    status = int(getattr(response, "status_code", 0) or 0)
    data = getattr(response, "data", None)
    error = data.get("error") if isinstance(data, dict) else None
    headers = getattr(response, "headers", None)
    if status == 429 or error == "ratelimited":
        return DeliveryError(
            f"Slack 429 {error or 'ratelimited'}", retry=True, retry_after=_retry_after(headers)
        )
    if status >= 500 or error in RETRYABLE_ERRORS:
        return DeliveryError(f"Slack HTTP {status}: {error or 'server error'}", retry=True)
    return DeliveryError(f"Slack {error or f'HTTP {status}'}", retry=False)
