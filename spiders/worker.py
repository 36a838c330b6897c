"""The long-lived crawl worker: one process, one reactor, a Scrapy crawl per source poll.

A reactor cannot be restarted in a process, so the daemon keeps one running and starts each
poll as a new crawler on it; no Python process is started per poll.
"""

from __future__ import annotations

import logging

from scrapy.crawler import AsyncCrawlerRunner
from scrapy.utils.reactor import install_reactor, is_reactor_installed
from sqlalchemy import Engine

from db.config import DedupConfig
from db.store import get_source, record_poll
from spiders.config import CrawlConfig, SourceConfig
from spiders.kinds import spider_for
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

    async def poll(self, source: SourceConfig) -> PollOutcome:
        """Poll one source: its new entries are fetched, extracted and stored; state recorded."""
        outcome = PollOutcome(source.name)
        state = get_source(self.archive, source.name)
        validators = (state.etag, state.last_modified) if state else (None, None)
        try:
            await self.runner.crawl(
                spider_for(source.kind),
                source=source,
                crawl=self.crawl,
                archive=self.archive,
                dedup=self.dedup,
                outcome=outcome,
                validators=validators,
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
        if outcome.ok:
            logger.info("source %s (%s): %s", source.name, source.url, outcome.summary())
        else:
            logger.error("source %s (%s): %s", source.name, source.url, outcome.summary())
        return outcome

    async def stop(self) -> None:
        self.stopping = True
        await self.runner.stop()
