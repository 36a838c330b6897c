"""The item pipeline: extract each downloaded page, then hand the article to the archive."""

from __future__ import annotations

import logging
from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from db.draft import ArticleDraft
from db.store import record_rejected, store_article
from spiders.extract import ExtractionError, extract
from spiders.items import PageItem

logger = logging.getLogger(__name__)


class _Step:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    @property
    def spider(self) -> Any:
        return self.crawler.spider


class ExtractPipeline(_Step):
    """HTML -> ArticleDraft; a page that yields no article is logged with its URL and dropped."""

    def process_item(self, item: PageItem) -> ArticleDraft:
        spider = self.spider
        try:
            return extract(
                item.body,
                item.url,
                hint=item.hint,
                source=item.source,
                lang_hint=item.lang_hint,
                min_text_chars=spider.crawl_config.min_text_chars,
                fetched_url=item.fetched_url,
            )
        except ExtractionError as exc:
            spider.outcome.failed_pages += 1
            logger.warning("source %s: %s", item.source, exc)
            record_rejected(spider.archive, item.url, item.source, str(exc))
            raise DropItem(str(exc)) from exc


class StorePipeline(_Step):
    """Store the article once; exact copies are recorded as duplicates of the first."""

    def process_item(self, draft: ArticleDraft) -> ArticleDraft:
        spider = self.spider
        result = store_article(spider.archive, draft, spider.dedup)
        if not result.created:
            spider.outcome.known += 1
        elif result.duplicate_of is not None:
            spider.outcome.duplicates += 1
            logger.info(
                "source %s: stored %s as a duplicate of article %d (%s)",
                draft.source,
                draft.url,
                result.duplicate_of,
                result.dup_method,
            )
        else:
            spider.outcome.new += 1
            logger.info(
                "source %s: new article %d: %s", draft.source, result.article_id, draft.title
            )
        return draft
