"""Local servers the integration tests receive alerts on, one per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.receiver import Receiver, receiving
from tests.support.smtp import Inbox, SmtpServer, free_port


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    """A real SMTP server (aiosmtpd) on a free loopback port."""
    server = SmtpServer(free_port(), Inbox())
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A loopback HTTP receiver answering like Slack's webhook and Web API, or a JSON hook."""
    with receiving() as server:
        yield server
