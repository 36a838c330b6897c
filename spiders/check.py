"""`newswatch sources --check`: fetch each source's address once and say what is there.

A person runs it to see whether the configured URLs are real and readable; it stores nothing
and follows no article.
"""

from __future__ import annotations

import gzip
import re
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urljoin

import feedparser

from spiders.config import CrawlConfig, SourceConfig

_LOC = re.compile(rb"<(?:\w+:)?loc>\s*([^<\s]+)\s*</(?:\w+:)?loc>")
_HREF = re.compile(rb"""<a\s[^>]*?href\s*=\s*["']([^"'#]+)""", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class CheckResult:
    source: str
    ok: bool
    status: int | None
    detail: str


def _fetch(source: SourceConfig, crawl: CrawlConfig) -> tuple[int, str, bytes]:
    request = urllib.request.Request(
        source.url, headers={"User-Agent": crawl.user_agent, **source.headers}
    )
    with urllib.request.urlopen(request, timeout=crawl.download_timeout_seconds) as response:
        body = response.read(crawl.max_page_bytes + 1)
        return response.status, response.headers.get("Content-Type", ""), body


def _describe(source: SourceConfig, content_type: str, body: bytes) -> tuple[bool, str]:
    if body[:2] == b"\x1f\x8b":
        try:
            body = gzip.decompress(body)
        except (OSError, EOFError) as exc:
            return False, f"broken gzip: {exc}"
    if source.kind == "feed":
        parsed = feedparser.parse(body)
        if not parsed.entries:
            return False, f"no feed entries ({content_type or 'no content type'})"
        version = parsed.get("version") or "feed"
        return True, f"{version}, {len(parsed.entries)} entries"
    if source.kind == "sitemap":
        locs = _LOC.findall(body)
        if not locs:
            return False, f"no sitemap <loc> entries ({content_type or 'no content type'})"
        index = b"<sitemapindex" in body[:2000]
        return True, f"{'sitemap index' if index else 'sitemap'}, {len(locs)} entries"
    links = {urljoin(source.url, href.decode("utf-8", "replace")) for href in _HREF.findall(body)}
    articles = [link for link in links if source.wants(link)]
    if not articles:
        return False, f"{len(links)} links, none matching 'allow'"
    return True, f"{len(links)} links, {len(articles)} matching 'allow'"


def check_source(source: SourceConfig, crawl: CrawlConfig) -> CheckResult:
    try:
        status, content_type, body = _fetch(source, crawl)
    except urllib.error.HTTPError as exc:
        return CheckResult(source.name, False, exc.code, f"HTTP {exc.code} {exc.reason}")
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        return CheckResult(source.name, False, None, f"cannot fetch: {reason}")
    if len(body) > crawl.max_page_bytes:
        return CheckResult(source.name, False, status, f"larger than {crawl.max_page_bytes} bytes")
    ok, detail = _describe(source, content_type, body)
    return CheckResult(source.name, ok, status, detail)


def check_sources(
    sources: Iterable[SourceConfig],
    crawl: CrawlConfig,
    on_done: Callable[[CheckResult], None] | None = None,
) -> list[CheckResult]:
    """Check every source, a few at a time; results in the sources' order."""
    chosen = list(sources)
    with ThreadPoolExecutor(max_workers=8) as pool:
        futures = [pool.submit(check_source, source, crawl) for source in chosen]
        results = []
        for future in futures:
            result = future.result()
            if on_done is not None:
                on_done(result)
            results.append(result)
    return results
