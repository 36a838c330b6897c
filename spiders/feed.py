"""The feed spider: reads an RSS or Atom feed and follows each new entry to its article page."""

from __future__ import annotations

import calendar
import logging
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urljoin

import feedparser
import scrapy
from scrapy.http import Response, TextResponse
from sqlalchemy import Engine
from twisted.python.failure import Failure

from db.store import known_urls, record_rejected
from spiders.config import CrawlConfig, SourceConfig
from spiders.extract import EntryHint
from spiders.failures import describe_failure
from spiders.items import PageItem
from spiders.outcome import PollOutcome
from spiders.urls import canonical_url, is_http_url

logger = logging.getLogger(__name__)

_HTML_TYPES = ("text/html", "application/xhtml+xml")


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


def _entry_time(entry: Any) -> datetime | None:
    parsed: time.struct_time | None = entry.get("published_parsed") or entry.get("updated_parsed")
    if parsed is None:
        return None
    return datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC)


def _entry_link(entry: Any) -> str | None:
    link: str | None = entry.get("link")
    if link:
        return link
    for candidate in entry.get("links", []):
        if candidate.get("rel", "alternate") == "alternate" and candidate.get("href"):
            return str(candidate["href"])
    return None


class FeedSpider(scrapy.Spider):
    name = "feed"

    def __init__(
        self,
        source: SourceConfig,
        crawl: CrawlConfig,
        archive: Engine,
        outcome: PollOutcome,
        validators: tuple[str | None, str | None] = (None, None),
        **kwargs: Any,
    ) -> None:
        super().__init__(name=f"feed:{source.name}", **kwargs)
        self.source = source
        self.crawl_config = crawl
        self.archive = archive
        self.outcome = outcome
        self.validators = validators

    async def start(self) -> AsyncIterator[scrapy.Request]:
        headers: dict[str, str] = {}
        etag, last_modified = self.validators
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        yield scrapy.Request(
            self.source.url,
            callback=self.parse_feed,
            errback=self.feed_failed,
            headers=headers,
            dont_filter=True,
            meta={"handle_httpstatus_list": [304]},
        )

    def feed_failed(self, failure: Failure) -> None:
        self.outcome.error = describe_failure(failure)

    def parse_feed(self, response: Response) -> Iterator[scrapy.Request]:
        if response.status == 304:
            self.outcome.not_modified = True
            return
        parsed = feedparser.parse(response.body, response_headers=self._headers(response))
        if not parsed.entries:
            content_type = (_header(response, b"Content-Type") or "").lower()
            if content_type.startswith(_HTML_TYPES) and not parsed.get("version"):
                self.outcome.error = f"not a feed: the server sent an HTML page ({content_type})"
            elif parsed.get("bozo"):
                self.outcome.error = f"not a readable feed ({parsed.get('bozo_exception')})"
            elif not parsed.get("version"):
                self.outcome.error = "not a feed (no RSS or Atom document found)"
            return
        if parsed.get("bozo"):
            self.outcome.warnings.append(
                f"malformed feed read anyway: {parsed.get('bozo_exception')}"
            )
        self.outcome.etag = _header(response, b"ETag")
        self.outcome.last_modified = _header(response, b"Last-Modified")
        feed_lang = parsed.feed.get("language")
        yield from self._follow(parsed.entries, response.url, feed_lang)

    def _follow(
        self, entries: list[Any], base_url: str, feed_lang: str | None
    ) -> Iterator[scrapy.Request]:
        max_age = timedelta(days=self.source.effective_max_age_days(self.crawl_config))
        oldest = datetime.now(UTC) - max_age
        wanted: dict[str, tuple[str, EntryHint]] = {}
        for entry in entries:
            link = _entry_link(entry)
            if not link:
                continue
            link = urljoin(base_url, link.strip())
            if not is_http_url(link):
                continue
            try:
                canonical = canonical_url(link)
            except ValueError as exc:
                self.outcome.warnings.append(f"entry link skipped: {exc}")
                continue
            self.outcome.entries += 1
            published = _entry_time(entry)
            if published is not None and published < oldest:
                self.outcome.too_old += 1
                continue
            hint = EntryHint(
                title=entry.get("title"),
                published=published,
                author=entry.get("author"),
                summary=entry.get("summary"),
                lang=self.source.lang or feed_lang,
            )
            wanted.setdefault(canonical, (link, hint))
        known = known_urls(self.archive, wanted)
        self.outcome.known += len(known)
        for canonical, (link, hint) in wanted.items():
            if canonical in known:
                continue
            yield scrapy.Request(
                link,
                callback=self.parse_article,
                errback=self.article_failed,
                cb_kwargs={"canonical": canonical, "hint": hint},
            )

    def article_failed(self, failure: Failure) -> None:
        self.outcome.failed_pages += 1
        url = failure.request.url if hasattr(failure, "request") else "?"
        logger.warning(
            "source %s: cannot fetch %s: %s", self.source.name, url, describe_failure(failure)
        )

    def parse_article(
        self, response: Response, canonical: str, hint: EntryHint
    ) -> Iterator[PageItem]:
        self.outcome.fetched += 1
        content_type = (_header(response, b"Content-Type") or "").lower()
        if not isinstance(response, TextResponse) or (
            content_type and not content_type.startswith(_HTML_TYPES)
        ):
            self.outcome.failed_pages += 1
            reason = f"not an HTML page ({content_type or 'no content type'}) at {response.url}"
            logger.warning("source %s: %s", self.source.name, reason)
            record_rejected(self.archive, canonical, self.source.name, reason)
            return
        yield PageItem(
            source=self.source.name,
            url=canonical,
            fetched_url=response.url,
            body=response.body,
            hint=hint,
            lang_hint=self.source.lang,
        )

    @staticmethod
    def _headers(response: Response) -> dict[str, str]:
        # feedparser reads the declared charset from the content type.
        content_type = _header(response, b"Content-Type")
        return {"content-type": content_type} if content_type else {}
