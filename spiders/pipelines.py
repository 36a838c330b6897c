"""The item pipeline: extract each downloaded page, then hand the article to the archive."""

from __future__ import annotations

import logging
from typing import Self

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from db.draft import ArticleDraft
from db.store import store_article
from spiders.base import PageItem
from spiders.extract import ExtractionError, extract

logger = logging.getLogger(__name__)


class ArticlePipeline:
    """HTML -> ArticleDraft -> the archive, counted in the outcome of the poll that found it.

    A page that yields no article is logged with its URL, remembered as rejected and dropped.
    Exact copies of an earlier text are stored as its duplicates.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_item(self, item: PageItem) -> ArticleDraft:
        poll = item.poll
        try:
            draft = self._extract(item)
            self._store(item, draft)
            return draft
        except DropItem:
            raise
        except Exception as exc:
            # The archive failed: the page is not remembered as rejected, so the next poll
            # fetches it again.
            self._failed(item, "not stored", exc)
            raise DropItem(f"not stored: {exc}") from exc
        finally:
            poll.settle()

    @staticmethod
    def _failed(item: PageItem, what: str, exc: Exception) -> None:
        """One line with the URL for an error Scrapy would log below any level we show."""
        item.poll.outcome.failed_pages += 1
        item.poll.outcome.errors += 1
        logger.error(
            "source %s: %s %s: %s: %s",
            item.source,
            item.url,
            what,
            type(exc).__name__,
            exc,
            exc_info=exc,
        )

    def _extract(self, item: PageItem) -> ArticleDraft:
        poll = item.poll
        try:
            return extract(
                item.body,
                item.url,
                hint=item.hint,
                source=item.source,
                lang_hint=item.lang_hint,
                min_text_chars=poll.crawl_config.min_text_chars,
                fetched_url=item.fetched_url,
            )
        except ExtractionError as exc:
            poll.outcome.failed_pages += 1
            logger.warning(
                "source %s: %s (%s)", item.source, exc, poll.set_aside(item.url, str(exc))
            )
            raise DropItem(str(exc)) from exc
        except Exception as exc:
            # A crash inside extraction (trafilatura, the language guesser): the page is set
            # aside like one that held no article, so it is retried a few times, not for ever.
            self._failed(item, "could not be extracted", exc)
            poll.set_aside(item.url, f"extraction crashed: {type(exc).__name__}: {exc}")
            raise DropItem(f"extraction crashed: {exc}") from exc

    def _store(self, item: PageItem, draft: ArticleDraft) -> None:
        outcome = item.poll.outcome
        result = store_article(item.poll.archive, draft, item.poll.dedup)
        if not result.created:
            outcome.known += 1
        elif result.duplicate_of is not None:
            outcome.duplicates += 1
            logger.info(
                "source %s: stored %s as a duplicate of article %d (%s)",
                draft.source,
                draft.url,
                result.duplicate_of,
                result.dup_method,
            )
        else:
            outcome.new += 1
            logger.info(
                "source %s: new article %d: %s", draft.source, result.article_id, draft.title
            )
