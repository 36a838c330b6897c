"""The one Scrapy spider of the crawl worker: it lives as long as the worker and carries every poll.

Building a Scrapy crawler costs more CPU than polling an unchanged feed, so the worker keeps a
single crawler open (the spider never closes when idle) and hands it polls. Sharing one
crawler also makes the downloader's limits (concurrent requests, per domain, AutoThrottle)
hold across all sources rather than within one poll.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any, Self

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider

from spiders.base import POLL_META, SourcePoll

logger = logging.getLogger(__name__)


class PollHostSpider(scrapy.Spider):
    name = "newswatch"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._active: dict[SourcePoll, asyncio.Future[None]] = {}
        self.closed = False

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider._idle, signal=signals.spider_idle)
        crawler.signals.connect(spider._dropped, signal=signals.request_dropped)
        crawler.signals.connect(spider._closed, signal=signals.spider_closed)
        return spider

    async def start(self) -> AsyncIterator[scrapy.Request]:
        # Polls arrive through run(); there is nothing to crawl at start.
        return
        yield  # pragma: no cover - makes this an async generator

    async def run(self, poll: SourcePoll) -> None:
        """Crawl one poll to its end: every request answered and every item stored."""
        if self.closed:
            return
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._active[poll] = done
        poll.when_settled(lambda: self._finish(poll))
        assert self.crawler.engine is not None
        self.crawler.engine.crawl(poll.first_request())
        try:
            await done
        finally:
            self._active.pop(poll, None)

    def _finish(self, poll: SourcePoll) -> None:
        done = self._active.get(poll)
        if done is not None and not done.done():
            done.set_result(None)

    def _idle(self) -> None:
        # The engine is idle, so no poll has anything left in flight; one whose count did not
        # reach zero lost a request somewhere in Scrapy (a middleware dropped it silently).
        for poll in list(self._active):
            if poll.pending > 0:
                logger.debug(
                    "source %s: poll ended with %d untracked", poll.source.name, poll.pending
                )
            self._finish(poll)
        raise DontCloseSpider

    def _dropped(self, request: scrapy.Request) -> None:
        poll = request.meta.get(POLL_META)
        if isinstance(poll, SourcePoll):
            poll.settle()

    def _closed(self) -> None:
        self.closed = True
        for poll in list(self._active):
            self._finish(poll)
