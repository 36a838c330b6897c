"""Polling a sitemap or sitemap index (Google News fields included).

Scrapy's own sitemap reader keeps only the direct children of `<url>`, which loses the nested
`<news:news>` fields of Google News sitemaps, so the XML is read here with lxml: entities are
never resolved, nothing is fetched from the network, huge trees are refused, and broken
markup is recovered as far as it can be.
"""

from __future__ import annotations

import logging
import re
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import scrapy
from lxml import etree
from scrapy.http import Response
from twisted.python.failure import Failure

from spiders.base import HTML_TYPES, ArticleLink, SourcePoll, absolute_url, content_type
from spiders.extract import EntryHint
from spiders.failures import describe_failure, failed_url
from spiders.urls import canonical_url

__all__ = [
    "MAX_CHILD_SITEMAPS",
    "ChildSitemap",
    "Sitemap",
    "SitemapError",
    "SitemapPoll",
    "SitemapUrl",
    "choose_children",
    "gunzip",
    "parse_sitemap",
    "parse_w3c_date",
    "sitemap_body",
]

logger = logging.getLogger(__name__)

# Bounds a poll: an index of thousands of monthly archives must not turn into thousands of
# requests, and the recent ones are where new articles are.
MAX_CHILD_SITEMAPS = 50
# The sitemap protocol's own limit on an uncompressed sitemap; larger than most pages, so a
# sitemap may exceed `max_page_bytes` up to this size.
SITEMAP_MAX_BYTES = 50 * 1024 * 1024

_GZIP_MAGIC = b"\x1f\x8b"
# A bare `&` (common in hand-made sitemaps' query strings) would make the recovering parser
# drop the text after it; escaped first, the URL survives whole.
_BARE_AMPERSAND = re.compile(rb"&(?!(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9._-]*);)")

_CDATA = re.compile(rb"(<!\[CDATA\[.*?\]\]>)", re.DOTALL)
# An HTML page where a sitemap was expected (a login wall, an error page, the home page).
_HTML_START = re.compile(
    rb"\s*(?:\xef\xbb\xbf)?\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html[\s>])",
    re.IGNORECASE | re.DOTALL,
)


class SitemapError(ValueError):
    """A sitemap that cannot be read; `str()` says what is wrong with it."""


@dataclass(frozen=True, slots=True)
class SitemapUrl:
    """One `<url>` entry, with the Google News fields when it has them."""

    loc: str
    lastmod: datetime | None = None
    published: datetime | None = None  # news:publication_date
    title: str | None = None  # news:title
    language: str | None = None  # news:publication/news:language
    keywords: tuple[str, ...] = ()  # news:keywords
    publication: str | None = None  # news:publication/news:name

    @property
    def date(self) -> datetime | None:
        """The date that decides whether the entry is recent enough to follow."""
        return self.published or self.lastmod


@dataclass(frozen=True, slots=True)
class ChildSitemap:
    """One `<sitemap>` entry of a sitemap index."""

    loc: str
    lastmod: datetime | None = None


@dataclass(frozen=True, slots=True)
class Sitemap:
    is_index: bool
    urls: tuple[SitemapUrl, ...] = ()
    sitemaps: tuple[ChildSitemap, ...] = ()


def parse_w3c_date(value: str | None) -> datetime | None:
    """A W3C datetime (`2026-11-02`, `2026-11-02T08:30:00+01:00`, `…Z`) in UTC; None if unreadable.

    A date without a time zone is taken as UTC: a few hours either way never decides
    whether a days-old limit is passed.
    """
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
        if parsed.tzinfo is None:
            return parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC)
    except (ValueError, OverflowError):  # overflow: year 1 or 9999 shifted by its offset
        return None


def gunzip(data: bytes, max_bytes: int) -> bytes:
    """Decompress gzip data, refusing output over `max_bytes` and data that ends early."""
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    output = bytearray()
    pending = data
    try:
        while pending and not inflater.eof:
            output += inflater.decompress(pending, max_bytes + 1 - len(output))
            if len(output) > max_bytes:
                raise SitemapError(f"sitemap larger than {max_bytes} bytes once decompressed")
            pending = inflater.unconsumed_tail
    except zlib.error as exc:
        raise SitemapError(f"broken gzip data: {exc}") from exc
    if not inflater.eof:
        raise SitemapError(
            f"truncated gzip: the compressed sitemap ends early (after {len(data)} bytes)"
        )
    return bytes(output)


def sitemap_body(body: bytes, url: str, max_bytes: int) -> bytes:
    """The sitemap's XML: gzip is recognised by its magic bytes or a `.gz` URL, not its type.

    Servers label gzipped sitemaps every way (application/x-gzip, application/octet-stream,
    text/xml); a `.gz` URL whose body is already XML was decompressed on the way.
    """
    if body.startswith(_GZIP_MAGIC):
        return gunzip(body, max_bytes)
    if urlsplit(url).path.endswith(".gz") and not body.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(
        b"<"
    ):
        return gunzip(body, max_bytes)
    return body


def _local(tag: object) -> str:
    """An element's name without namespace or prefix: publishers get namespaces wrong."""
    if not isinstance(tag, str):
        return ""  # a comment or processing instruction
    name = tag.rpartition("}")[2]
    return name.rpartition(":")[2].lower()


def _text(element: etree._Element) -> str | None:
    text = "".join(element.itertext()).strip()
    return text or None


def _news_fields(news: etree._Element) -> dict[str, str]:
    fields: dict[str, str] = {}
    for element in news.iter():
        name = _local(element.tag)
        if name in {"publication_date", "title", "keywords", "language", "name"}:
            text = _text(element)
            if text is not None:
                fields.setdefault(name, text)
    return fields


def _url_entry(element: etree._Element) -> SitemapUrl | None:
    loc: str | None = None
    lastmod: str | None = None
    news: dict[str, str] = {}
    for child in element:
        name = _local(child.tag)
        if name == "loc":
            loc = _text(child)
        elif name == "lastmod":
            lastmod = _text(child)
        elif name == "news":
            news = _news_fields(child)
    if not loc:
        return None
    keywords = tuple(k.strip() for k in news.get("keywords", "").split(",") if k.strip())
    return SitemapUrl(
        loc=loc,
        lastmod=parse_w3c_date(lastmod),
        published=parse_w3c_date(news.get("publication_date")),
        title=news.get("title"),
        language=news.get("language"),
        keywords=keywords,
        publication=news.get("name"),
    )


def _child_entry(element: etree._Element) -> ChildSitemap | None:
    loc: str | None = None
    lastmod: str | None = None
    for child in element:
        name = _local(child.tag)
        if name == "loc":
            loc = _text(child)
        elif name == "lastmod":
            lastmod = _text(child)
    return ChildSitemap(loc, parse_w3c_date(lastmod)) if loc else None


def parse_sitemap(xml: bytes) -> Sitemap:
    """A `<urlset>` or `<sitemapindex>` document; SitemapError for anything else."""
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        recover=True,
        remove_comments=True,
        remove_pis=True,
    )
    if _HTML_START.match(xml):
        raise SitemapError("not a sitemap: the server sent an HTML page")
    # CDATA sections keep their ampersands as they are.
    parts = _CDATA.split(xml)
    escaped = b"".join(
        part if i % 2 else _BARE_AMPERSAND.sub(b"&amp;", part) for i, part in enumerate(parts)
    )
    try:
        root = etree.fromstring(escaped, parser)
    except etree.XMLSyntaxError as exc:
        raise SitemapError(f"not a sitemap: unreadable XML ({exc})") from exc
    if root is None:
        raise SitemapError("not a sitemap: no XML document found")
    kind = _local(root.tag)
    if kind == "html":
        raise SitemapError("not a sitemap: the server sent an HTML page")
    if kind == "urlset":
        urls = (_url_entry(e) for e in root if _local(e.tag) == "url")
        return Sitemap(is_index=False, urls=tuple(u for u in urls if u is not None))
    if kind == "sitemapindex":
        children = (_child_entry(e) for e in root if _local(e.tag) == "sitemap")
        return Sitemap(is_index=True, sitemaps=tuple(c for c in children if c is not None))
    raise SitemapError(f"not a sitemap: the document is <{kind}>, not <urlset> or <sitemapindex>")


def choose_children(
    children: Iterable[ChildSitemap], oldest: datetime, limit: int
) -> list[ChildSitemap]:
    """The child sitemaps worth reading: recently modified first, at most `limit` of them.

    A child last modified before `oldest` can only list articles older than that; a child
    without a date may hold anything and comes after the dated ones.
    """
    recent = [c for c in children if c.lastmod is None or c.lastmod >= oldest]
    recent.sort(
        key=lambda c: (c.lastmod is not None, c.lastmod or datetime.min.replace(tzinfo=UTC)),
        reverse=True,
    )
    return recent[: max(limit, 0)]


class SitemapPoll(SourcePoll):
    kind = "sitemap"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Sitemaps requested in this poll: indexes that list each other are read once.
        self._sitemaps: set[str] = {canonical_url(self.source.url)}
        self.max_bytes = max(self.crawl_config.max_page_bytes, SITEMAP_MAX_BYTES)

    def source_meta(self) -> dict[str, Any]:
        return {"download_maxsize": self.max_bytes}

    def parse_source(self, response: Response) -> Iterator[scrapy.Request]:
        try:
            sitemap = self._read(response)
        except SitemapError as exc:
            self.outcome.error = str(exc)
            return
        self.remember_validators(response)
        yield from self._follow(sitemap, response.url)

    def parse_child(self, response: Response) -> Iterator[scrapy.Request]:
        try:
            sitemap = self._read(response)
        except SitemapError as exc:
            # One broken child of an index is the publisher's slip; the rest still count.
            self.outcome.warnings.append(f"sitemap {response.url} skipped: {exc}")
            return
        yield from self._follow(sitemap, response.url)

    def child_failed(self, failure: Failure) -> None:
        url = failed_url(failure)
        self.outcome.warnings.append(f"sitemap {url} skipped: {describe_failure(failure)}")

    def _read(self, response: Response) -> Sitemap:
        media_type = content_type(response)
        try:
            return parse_sitemap(sitemap_body(response.body, response.url, self.max_bytes))
        except SitemapError as exc:
            if media_type.startswith(HTML_TYPES) or not media_type:
                raise
            raise SitemapError(f"{exc} ({media_type})") from exc

    def _follow(self, sitemap: Sitemap, base_url: str) -> Iterator[scrapy.Request]:
        if not sitemap.is_index:
            yield from self.follow_articles(
                (ArticleLink(entry.loc, self._hint(entry), entry.date) for entry in sitemap.urls),
                base_url,
            )
            return
        room = MAX_CHILD_SITEMAPS - (len(self._sitemaps) - 1)
        for child in choose_children(sitemap.sitemaps, self.oldest, room):
            url = absolute_url(base_url, child.loc)
            if url is None:
                continue
            try:
                canonical = canonical_url(url)
            except ValueError as exc:
                self.outcome.warnings.append(f"sitemap link skipped: {exc}")
                continue
            if canonical in self._sitemaps:
                continue
            self._sitemaps.add(canonical)
            yield self.request(
                url,
                callback=self.parse_child,
                errback=self.child_failed,
                meta={"download_maxsize": self.max_bytes},
            )

    def _hint(self, entry: SitemapUrl) -> EntryHint:
        return EntryHint(
            title=entry.title,
            published=entry.published,
            lang=self.source.lang or entry.language,
            keywords=entry.keywords,
        )
