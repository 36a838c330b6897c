"""Which spider reads which kind of source (`kind` in a `[[sources]]` table)."""

from __future__ import annotations

from spiders.base import SourceSpider
from spiders.feed import FeedSpider
from spiders.listing import ListingSpider
from spiders.sitemap import SitemapSpider

_SPIDERS: dict[str, type[SourceSpider]] = {
    spider.kind: spider for spider in (FeedSpider, SitemapSpider, ListingSpider)
}


def spider_for(kind: str) -> type[SourceSpider]:
    """The spider class for a source kind; KeyError names an unknown kind."""
    try:
        return _SPIDERS[kind]
    except KeyError:
        raise KeyError(f"no spider reads sources of kind {kind!r}") from None
