"""The long-lived crawl worker: one process, one reactor, one Scrapy crawler for every poll.

A reactor cannot be restarted in a process, and building a crawler per poll costs more than
the poll of an unchanged feed, so the worker starts one crawler on first use and hands it
each poll (spiders/host.py). Should that crawler ever end, the next poll starts another.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from scrapy import signals
from scrapy.crawler import AsyncCrawlerRunner
from scrapy.utils.reactor import install_reactor, is_reactor_installed
from sqlalchemy import Engine

from db.config import DedupConfig
from db.store import get_validators, record_poll
from spiders.config import CrawlConfig, SourceConfig
from spiders.host import PollHostSpider
from spiders.kinds import poll_for
from spiders.outcome import PollOutcome
from spiders.settings import scrapy_settings

logger = logging.getLogger(__name__)

ASYNCIO_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"


def install_asyncio_reactor() -> None:
    """Install the asyncio reactor once, before anything imports `twisted.internet.reactor`."""
    if not is_reactor_installed():
        install_reactor(ASYNCIO_REACTOR)


class CrawlWorker:
    def __init__(
        self, archive: Engine, crawl: CrawlConfig, dedup: DedupConfig | None = None
    ) -> None:
        self.archive = archive
        self.crawl = crawl
        self.dedup = dedup
        self.runner = AsyncCrawlerRunner(scrapy_settings(crawl))
        self.stopping = False
        self._spider: PollHostSpider | None = None
        self._starting = asyncio.Lock()

    async def _host(self) -> PollHostSpider:
        async with self._starting:
            if self._spider is not None and not self._spider.closed:
                return self._spider
            crawler = self.runner.create_crawler(PollHostSpider)
            opened: asyncio.Future[PollHostSpider] = asyncio.get_running_loop().create_future()

            def on_open(spider: PollHostSpider) -> None:
                if not opened.done():
                    opened.set_result(spider)

            # Kept alive by the closure below: Scrapy's signals hold receivers weakly.
            crawler.signals.connect(on_open, signal=signals.spider_opened, weak=False)
            task = self.runner.crawl(crawler)
            waiting: set[asyncio.Future[Any]] = {opened, task}
            await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
            if not opened.done():
                task.result()  # raises what stopped the crawler from starting
                raise RuntimeError("the crawler ended before it opened its spider")
            self._spider = opened.result()
            return self._spider

    async def poll(self, source: SourceConfig) -> PollOutcome:
        """Poll one source: its new entries are fetched, extracted and stored; state recorded."""
        outcome = PollOutcome(source.name)
        validators = get_validators(self.archive, source.name)
        try:
            host = await self._host()
            await host.run(
                poll_for(source.kind)(
                    source, self.crawl, self.archive, outcome, validators, self.dedup
                )
            )
        except Exception as exc:  # a crawl must never take the daemon down with it
            logger.exception("source %s: the crawl itself failed", source.name)
            outcome.error = f"crawl failed: {type(exc).__name__}: {exc}"
        if self.stopping:
            # Cut short by shutdown: what it saw is no verdict on the source.
            outcome.error = "interrupted by shutdown"
            outcome.interrupted = True
            logger.debug("source %s: poll interrupted by shutdown", source.name)
            return outcome
        record_poll(
            self.archive,
            source.name,
            error=outcome.error,
            seen=outcome.entries,
            new=outcome.new,
            etag=outcome.etag,
            last_modified=outcome.last_modified,
        )
        for warning in outcome.warnings:
            logger.warning("source %s (%s): %s", source.name, source.url, warning)
        # The poll's own line (counts, duration) is the scheduler's: scheduler/service.py.
        return outcome

    async def stop(self) -> None:
        self.stopping = True
        await self.runner.stop()
