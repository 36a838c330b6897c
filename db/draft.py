"""What a collector hands to the archive: one extracted article, not yet stored."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class ArticleDraft:
    """An extracted article on its way into the archive.

    `url` is the canonical URL (the archive's identity for a page); `fetched_url` is the
    address the page was actually read from, after redirects.
    """

    url: str
    title: str
    text: str
    fetched_url: str | None = None
    author: str | None = None
    published: datetime | None = None
    lang: str | None = None
    site_name: str | None = None
    source: str | None = None
    keywords: tuple[str, ...] = ()  # the publisher's tags, categories or news:keywords
    # "day", or "month" when the page gives only the month (`published` is then its first day).
    date_precision: str = "day"
