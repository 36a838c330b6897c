"""Polling a feed: read an RSS or Atom feed and follow each new entry to its article page."""

from __future__ import annotations

import calendar
import logging
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import feedparser
import scrapy
from scrapy.http import Response

from spiders.base import HTML_TYPES, ArticleLink, SourcePoll, content_type
from spiders.extract import EntryHint

logger = logging.getLogger(__name__)

# What a feed can be served as; anything else that holds no feed is named in the error.
_FEED_TYPES = ("xml", "rss", "atom", "rdf", "text/plain")
# A feed lists its latest few dozen entries. One listing many thousands (an archive dump, a
# hostile server) is read up to this many: feedparser takes 10 s per 100,000 entries, time
# in which the one crawler would serve no other source.
MAX_FEED_ENTRIES = 2000
_ENTRY_START = re.compile(rb"<(?:[\w-]+:)?(?:item|entry)[\s>/]", re.IGNORECASE)


def first_entries(body: bytes, limit: int = MAX_FEED_ENTRIES) -> bytes | None:
    """The document cut before its entry number `limit + 1`; None when it has no more."""
    for number, found in enumerate(_ENTRY_START.finditer(body)):
        if number == limit:
            return body[: found.start()]
    return None


def _feed_type(media_type: str) -> bool:
    """Whether a feed may come as this type; no type at all gives the document the benefit."""
    return not media_type or any(kind in media_type for kind in _FEED_TYPES)


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


class FeedPoll(SourcePoll):
    kind = "feed"

    def parse_source(self, response: Response) -> Iterator[scrapy.Request]:
        media_type = content_type(response)
        # feedparser reads the declared charset from the content type.
        headers = {"content-type": media_type} if media_type else {}
        body = response.body
        cut = first_entries(body)
        if cut is not None:
            body = cut
            self.outcome.warnings.append(
                f"the feed lists more than {MAX_FEED_ENTRIES} entries: only the first "
                f"{MAX_FEED_ENTRIES} are read"
            )
        parsed = feedparser.parse(body, response_headers=headers)
        if not parsed.entries:
            if media_type.startswith(HTML_TYPES) and not parsed.get("version"):
                self.outcome.error = f"not a feed: the server sent an HTML page ({media_type})"
            elif not parsed.get("version") and not _feed_type(media_type):
                self.outcome.error = f"not a feed: the server sent {media_type}"
            elif parsed.get("bozo"):
                self.outcome.error = f"not a readable feed ({parsed.get('bozo_exception')})"
            elif not parsed.get("version"):
                self.outcome.error = "not a feed (no RSS or Atom document found)"
            else:
                # A valid feed with no items yet: its validators still make the next poll cheap.
                self.remember_validators(response)
            return
        if parsed.get("bozo") and cut is None:
            self.outcome.warnings.append(
                f"malformed feed read anyway: {parsed.get('bozo_exception')}"
            )
        self.remember_validators(response)
        feed_lang = parsed.feed.get("language")
        links = []
        for entry in parsed.entries:
            link = _entry_link(entry)
            if link:
                hint = self._hint(entry, feed_lang)
                links.append(ArticleLink(link, hint, hint.published))
        yield from self.follow_articles(links, response.url)

    def _hint(self, entry: Any, feed_lang: str | None) -> EntryHint:
        return EntryHint(
            title=entry.get("title"),
            published=_entry_time(entry),
            author=entry.get("author"),
            summary=entry.get("summary"),
            lang=self.source.lang or feed_lang,
            keywords=tuple(tag["term"] for tag in entry.get("tags", ()) if tag.get("term")),
        )
