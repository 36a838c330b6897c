"""A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps what it accepts."""

from __future__ import annotations

import socket
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from alerts.delivery.config import EmailChannelConfig


class Inbox:
    """An aiosmtpd handler that keeps what it accepts, or refuses with a set reply."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.rcpt_reply: str | None = None
        self.data_reply: str | None = None

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.data_reply:
            return self.data_reply
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        return "250 Message accepted for delivery"


@dataclass
class SmtpServer:
    port: int
    inbox: Inbox
    controller: Controller | None = None

    def start(self, **kwargs: Any) -> None:
        self.controller = Controller(
            self.inbox,
            hostname="127.0.0.1",
            port=self.port,
            server_hostname="smtp.test",
            **kwargs,
        )
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def mail_channel(port: int, **settings: Any) -> EmailChannelConfig:
    """An email channel to the local SMTP server on `port` (plain SMTP, one recipient)."""
    return EmailChannelConfig(
        kind="email",
        host="127.0.0.1",
        port=port,
        security="none",
        sender="newswatch@example.org",
        recipients=["desk@example.org"],
        timeout_seconds=5,
        **settings,
    )
