"""Running coroutines on the one Twisted reactor (asyncio flavour) that Scrapy needs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from scrapy.utils.defer import deferred_from_coro

from spiders.worker import install_asyncio_reactor

T = TypeVar("T")


class Interrupted(Exception):
    """The reactor stopped (a signal) before the work finished."""


def reactor() -> Any:
    install_asyncio_reactor()
    from twisted.internet import reactor as installed

    return installed


def run_until_complete(main: Callable[[], Awaitable[T]]) -> T:
    """Run `main()` on the reactor, stop the reactor when it ends, and return its result."""
    running = reactor()
    box: dict[str, Any] = {}

    async def wrapper() -> None:
        try:
            box["value"] = await main()
        except BaseException as exc:  # handed back to the caller below
            box["error"] = exc
        finally:
            if running.running:
                running.stop()

    running.callWhenRunning(lambda: deferred_from_coro(wrapper()))
    running.run()
    if "error" in box:
        raise box["error"]
    if "value" not in box:
        raise Interrupted("interrupted before the work finished")
    value: T = box["value"]
    return value
