"""What every poll of a source shares: the source request, following links, the article page.

A kind of source (feed, sitemap, listing) only says how its document lists articles; the
request headers, conditional GET, the known-URL check and what counts as an article page are
the same for all, and live here once. A poll is not a Scrapy spider: the one long-lived
spider (spiders/host.py) carries the requests of every poll, and each poll counts its own
open requests and items to know when it is done.
"""

from __future__ import annotations

import functools
import logging
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, NamedTuple
from urllib.parse import urljoin

import scrapy
from scrapy.http import Response, TextResponse
from sqlalchemy import Engine
from twisted.python.failure import Failure

from db.config import DedupConfig
from db.store import known_urls, record_rejected
from spiders.config import CrawlConfig, SourceConfig
from spiders.extract import EntryHint
from spiders.failures import describe_failure, failed_url
from spiders.outcome import PollOutcome
from spiders.urls import canonical_url, is_http_url

__all__ = [
    "HTML_TYPES",
    "POLL_META",
    "ArticleLink",
    "PageItem",
    "SourcePoll",
    "absolute_url",
    "content_type",
    "header",
]

logger = logging.getLogger(__name__)

HTML_TYPES = ("text/html", "application/xhtml+xml")
# The request meta key naming the poll a request belongs to.
POLL_META = "newswatch_poll"


def header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


def content_type(response: Response) -> str:
    """The response's media type and parameters, lower case; empty when the server sent none."""
    return (header(response, b"Content-Type") or "").lower()


class ArticleLink(NamedTuple):
    """An article link a source lists; `dated` decides whether it is recent enough to follow."""

    url: str
    hint: EntryHint
    dated: datetime | None = None


@dataclass(frozen=True, slots=True)
class PageItem:
    """The item a poll yields for each downloaded article page."""

    source: str
    url: str  # canonical URL: the archive's identity of the page
    fetched_url: str  # where the page was read, after redirects
    body: bytes
    poll: SourcePoll  # the poll that found it: its outcome counts the result
    content_type: str | None = None  # the header, for decoding (the worker decodes)
    hint: EntryHint | None = None
    lang_hint: str | None = None


class SourcePoll:
    """One poll of one source: fetch its document, follow the new article links it lists."""

    kind: ClassVar[str]

    def __init__(
        self,
        source: SourceConfig,
        crawl: CrawlConfig,
        archive: Engine,
        outcome: PollOutcome,
        validators: tuple[str | None, str | None] = (None, None),
        dedup: DedupConfig | None = None,
    ) -> None:
        self.source = source
        self.crawl_config = crawl
        self.archive = archive
        self.dedup = dedup
        self.outcome = outcome
        self.validators = validators
        # Canonical URLs already followed in this poll: several listing pages or sitemaps may
        # name one article, and it is counted and fetched once.
        self._followed: set[str] = set()
        self.oldest = datetime.now(UTC) - timedelta(days=source.effective_max_age_days(crawl))
        # Requests not yet answered plus items not yet stored; the poll is over at zero.
        self._pending = 0
        # Names this poll's pages on the work queue, whose workers count them for it.
        self.poll_id = uuid.uuid4().hex
        self.queued = 0  # pages this poll put on the work queue
        self._on_settled: Callable[[], None] | None = None

    def when_settled(self, callback: Callable[[], None]) -> None:
        self._on_settled = callback

    @property
    def pending(self) -> int:
        return self._pending

    def settle(self) -> None:
        """One request answered or one item stored."""
        self._pending -= 1
        if self._pending <= 0 and self._on_settled is not None:
            self._on_settled()

    def _tracked(self, handler: Callable[..., Any]) -> Callable[..., Iterator[Any]]:
        """`handler` as a callback that counts the items it yields and settles its request."""

        @functools.wraps(handler)
        def run(*args: Any, **kwargs: Any) -> Iterator[Any]:
            try:
                for output in handler(*args, **kwargs) or ():
                    if not isinstance(output, scrapy.Request):
                        self._pending += 1  # an item, settled by the pipeline once stored
                    yield output
            except Exception as exc:
                # Scrapy would log it as a spider error, below any level we show; here it is
                # one line with the URL, and a failed poll or a failed page.
                self._callback_failed(handler, args[0] if args else None, exc)
            finally:
                self.settle()

        return run

    def _callback_failed(self, handler: Callable[..., Any], answer: object, exc: Exception) -> None:
        if isinstance(answer, Response):
            url = answer.url
        else:
            url = failed_url(answer) if isinstance(answer, Failure) else self.source.url
        reason = f"{type(exc).__name__}: {exc}"
        self.outcome.errors += 1
        if handler == self.parse_article:
            self.outcome.failed_pages += 1
            logger.error(
                "source %s: page %s could not be read: %s",
                self.source.name,
                url,
                reason,
                exc_info=exc,
            )
            return
        # The source's own document (or a sitemap or listing page it links to): whatever it
        # listed before the error was followed, but the poll is no success.
        self.outcome.error = self.outcome.error or f"cannot read {url}: {reason}"
        logger.error(
            "source %s: %s could not be read: %s", self.source.name, url, reason, exc_info=exc
        )

    def first_request(self) -> scrapy.Request:
        conditional: dict[str, str] = {}
        etag, last_modified = self.validators
        if etag:
            conditional["If-None-Match"] = etag
        if last_modified:
            conditional["If-Modified-Since"] = last_modified
        return self.request(
            self.source.url,
            callback=self._parse_start,
            errback=self.source_failed,
            headers=conditional,
            meta={"handle_httpstatus_list": [304], **self.source_meta()},
        )

    def source_meta(self) -> dict[str, Any]:
        """Request meta for the source's own documents (size limits, say)."""
        return {}

    def request(
        self,
        url: str,
        callback: Callable[..., Any],
        errback: Callable[[Failure], Any],
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> scrapy.Request:
        """A request for this source: its configured headers travel with every one.

        Scrapy's duplicate filter is off: the spider follows each canonical URL once itself,
        and the filter would silently drop the second hop of a redirect loop (A -> B -> A)
        where the redirect limit gives a reason to log.
        """
        kwargs.setdefault("dont_filter", True)
        kwargs["meta"] = {**kwargs.get("meta", {}), POLL_META: self}
        self._pending += 1
        return scrapy.Request(
            url,
            callback=self._tracked(callback),
            errback=self._tracked(errback),
            headers={**self.source.headers, **(headers or {})},
            **kwargs,
        )

    def source_failed(self, failure: Failure) -> None:
        limit = (
            failure.request.meta.get("download_maxsize") if hasattr(failure, "request") else None
        )
        self.outcome.error = describe_failure(failure, limit or self.crawl_config.max_page_bytes)

    def _parse_start(self, response: Response) -> Iterator[Any]:
        if response.status == 304:
            self.outcome.not_modified = True
            return
        yield from self.parse_source(response)

    def parse_source(self, response: Response) -> Iterator[Any]:
        """Read the source's own document; yield requests for what it lists."""
        raise NotImplementedError

    def remember_validators(self, response: Response) -> None:
        """Keep the ETag and Last-Modified of a source document that was read successfully."""
        self.outcome.etag = header(response, b"ETag")
        self.outcome.last_modified = header(response, b"Last-Modified")

    def is_too_old(self, published: datetime | None) -> bool:
        # An entry without a date is followed: the page itself may well be new.
        return published is not None and published < self.oldest

    def follow_articles(
        self, links: Iterable[ArticleLink], base_url: str
    ) -> Iterator[scrapy.Request]:
        """Requests for new, wanted, recent article links; known ones are counted, not fetched."""
        wanted: dict[str, tuple[str, EntryHint]] = {}
        for raw, hint, dated in links:
            link = absolute_url(base_url, raw)
            if link is None:
                continue
            try:
                canonical = canonical_url(link)
            except ValueError as exc:
                self.outcome.warnings.append(f"entry link skipped: {exc}")
                continue
            if canonical in self._followed or canonical in wanted:
                continue
            if not self.source.wants(canonical):
                continue
            self.outcome.entries += 1
            if self.is_too_old(dated):
                self.outcome.too_old += 1
                continue
            wanted[canonical] = (link, hint)
        self._followed.update(wanted)
        known = known_urls(self.archive, wanted)
        self.outcome.known += len(known)
        for canonical, (link, hint) in wanted.items():
            if canonical in known:
                continue
            yield self.request(
                link,
                callback=self.parse_article,
                errback=self.article_failed,
                cb_kwargs={"canonical": canonical, "hint": hint},
            )

    def article_failed(self, failure: Failure) -> None:
        self.outcome.failed_pages += 1
        url = failed_url(failure)
        reason = describe_failure(failure, self.crawl_config.max_page_bytes)
        logger.warning("source %s: cannot fetch %s: %s", self.source.name, url, reason)

    def parse_article(
        self, response: Response, canonical: str, hint: EntryHint
    ) -> Iterator[PageItem]:
        self.outcome.fetched += 1
        media_type = content_type(response)
        if not isinstance(response, TextResponse) or (
            media_type and not media_type.startswith(HTML_TYPES)
        ):
            self._reject(
                canonical,
                f"not an HTML page ({media_type or 'no content type'}) at {response.url}",
                final=True,
            )
            return
        # Decoding, like extraction, is the processing worker's: the reactor only fetches.
        yield PageItem(
            source=self.source.name,
            url=canonical,
            fetched_url=response.url,
            body=response.body,
            content_type=header(response, b"Content-Type"),
            hint=hint,
            lang_hint=self.source.lang,
            poll=self,
        )

    def _reject(self, canonical: str, reason: str, final: bool = False) -> None:
        self.outcome.failed_pages += 1
        logger.warning(
            "source %s: %s (%s)", self.source.name, reason, self.set_aside(canonical, reason, final)
        )

    def set_aside(self, canonical: str, reason: str, final: bool = False) -> str:
        """Remember a page that held no article; when it is tried again, in words.

        `final`: it will never hold one (not HTML at all), so it is given up at once.
        """
        waits = () if final else self.crawl_config.rejected_retry_seconds
        retry_at = record_rejected(self.archive, canonical, self.source.name, reason, waits)
        if retry_at is None:
            return "given up: newswatch sources --given-up"
        return f"tried again after {retry_at.strftime('%Y-%m-%d %H:%M')} UTC"


def absolute_url(base_url: str, raw: str) -> str | None:
    """`raw` resolved against the page it appeared on; None unless it is an http(s) URL."""
    link = urljoin(base_url, raw.strip())
    return link if is_http_url(link) else None
