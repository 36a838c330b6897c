"""Polling a listing page: read a section front or archive page and follow its article links.

A listing page carries navigation, teasers for other sections and links to other sites next
to its articles; the source's `allow` patterns say which links are articles, and only links
on the listing's own registered domain are followed unless a pattern is all it takes.
Further listing pages (pagination) are read when they match `pages`, down to `depth`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any, TypeGuard
from urllib.parse import urlsplit

import scrapy
from courlan.urlutils import get_tldinfo
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from spiders.base import HTML_TYPES, ArticleLink, SourcePoll, absolute_url, content_type
from spiders.config import SourceConfig, compile_pattern
from spiders.extract import EntryHint
from spiders.failures import describe_failure, failed_url
from spiders.urls import canonical_url

__all__ = ["ListingLinks", "ListingPoll", "listing_links", "registered_domain"]

logger = logging.getLogger(__name__)


def registered_domain(url: str) -> str:
    """`news.example.co.uk` -> `example.co.uk`; a bare host or IP address stands for itself."""
    _name, domain = get_tldinfo(url)
    return str(domain) if domain else (urlsplit(url).hostname or "")


class ListingLinks:
    """The links of one listing page, sorted into articles and further listing pages."""

    def __init__(self) -> None:
        self.articles: list[str] = []
        self.pages: list[str] = []


def listing_links(response: TextResponse, source: SourceConfig) -> ListingLinks:
    """Canonical links of a listing page that stay on its domain: articles and further pages.

    A link matching `pages` is a listing page even when `allow` would take it too: the
    publisher's pagination is what the patterns were written for.
    """
    domain = registered_domain(response.url)
    found = ListingLinks()
    seen: set[str] = set()
    for href in response.css("a::attr(href)").getall():
        url = absolute_url(response.url, href)
        if url is None:
            continue  # mailto:, javascript:, tel:
        try:
            canonical = canonical_url(url)
        except ValueError:
            continue
        if canonical in seen or registered_domain(canonical) != domain:
            continue
        seen.add(canonical)
        if any(compile_pattern(p).match(canonical) for p in source.deny):
            continue
        if any(compile_pattern(p).match(canonical) for p in source.pages):
            found.pages.append(canonical)
        elif source.wants(canonical):
            found.articles.append(canonical)
    return found


class ListingPoll(SourcePoll):
    kind = "listing"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Listing pages requested in this poll: pagination links point back and forth.
        self._pages: set[str] = {canonical_url(self.source.url)}

    def parse_source(self, response: Response) -> Iterator[scrapy.Request]:
        if not _is_html(response):
            media_type = content_type(response) or "no content type"
            self.outcome.error = f"not a listing page: the server sent {media_type}"
            return
        self.remember_validators(response)
        yield from self._read(response, depth=1)

    def parse_page(self, response: Response, depth: int) -> Iterator[scrapy.Request]:
        if not _is_html(response):
            media_type = content_type(response) or "no content type"
            self.outcome.warnings.append(
                f"listing page {response.url} skipped: the server sent {media_type}"
            )
            return
        yield from self._read(response, depth)

    def page_failed(self, failure: Failure) -> None:
        url = failed_url(failure)
        self.outcome.warnings.append(f"listing page {url} skipped: {describe_failure(failure)}")

    def _read(self, response: TextResponse, depth: int) -> Iterator[scrapy.Request]:
        links = listing_links(response, self.source)
        # A listing says nothing of its articles beyond their address.
        hint = EntryHint(lang=self.source.lang)
        yield from self.follow_articles(
            (ArticleLink(url, hint) for url in links.articles), response.url
        )
        if depth >= self.source.depth:
            return
        for page in links.pages:
            if page in self._pages:
                continue
            self._pages.add(page)
            yield self.request(
                page,
                callback=self.parse_page,
                errback=self.page_failed,
                cb_kwargs={"depth": depth + 1},
            )


def _is_html(response: Response) -> TypeGuard[TextResponse]:
    media_type = content_type(response)
    return isinstance(response, TextResponse) and (
        not media_type or media_type.startswith(HTML_TYPES)
    )
