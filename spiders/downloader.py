"""Scrapy's downloader with its per-site concurrency limit enforced under the asyncio reactor.

Scrapy 2.19 starts each download as an asyncio task, and a request counts against its
site's limit (`slot.transferring`) only once that task first runs. The loop that starts
queued requests therefore sees the limit free until it has started the whole queue: a poll
whose feed lists twenty articles on one site opened twenty connections to it at once,
whatever CONCURRENT_REQUESTS_PER_DOMAIN said (seen on a loopback server: 6 at a time with a
limit of 2). Counting the request as it is handed to its task restores the limit.
"""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any

from scrapy.core.downloader import Downloader, Slot
from scrapy.http import Request
from twisted.internet.defer import Deferred


class PoliteDownloader(Downloader):
    def _wait_for_download(
        self, slot: Slot, request: Request, queue_dfd: Deferred[Any]
    ) -> Coroutine[Any, Any, None]:
        slot.transferring.add(request)
        return super()._wait_for_download(slot, request, queue_dfd)
