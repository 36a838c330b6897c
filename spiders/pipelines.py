"""The item pipeline: each fetched article page goes onto the archive's work queue, nothing more.

Extraction, deduplication, storage and evaluation are the processing workers'
(scheduler/processing.py): the reactor only fetches, so no slow page stalls the downloads.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Self

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from db.queue import PageWork, enqueue
from spiders.base import PageItem
from spiders.extract import hint_data

logger = logging.getLogger(__name__)


class ArticlePipeline:
    """A fetched page -> the work queue, committed before the poll counts the page done.

    A page that cannot be queued (the archive failed) is a failed page of its poll and is not
    remembered anywhere, so the next poll fetches it again.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    async def process_item(self, item: PageItem) -> PageItem:
        poll = item.poll
        work = PageWork(
            source=item.source,
            poll_id=poll.poll_id,
            url=item.url,
            fetched_url=item.fetched_url,
            body=item.body,
            content_type=item.content_type,
            hint=hint_data(item.hint),
            lang_hint=item.lang_hint,
        )
        try:
            # In a thread: the insert (and a wait for SQLite's write lock) must not hold up
            # the reactor.
            await asyncio.to_thread(enqueue, poll.archive, work)
        except Exception as exc:
            poll.outcome.failed_pages += 1
            poll.outcome.errors += 1
            logger.error(
                "source %s: %s not queued: %s: %s",
                item.source,
                item.url,
                type(exc).__name__,
                exc,
                exc_info=exc,
            )
            raise DropItem(f"not queued: {exc}") from exc
        else:
            poll.queued += 1
            return item
        finally:
            poll.settle()
