"""Property test: the feed parser, fed arbitrary documents, lists links or says why it cannot,
never raises. It runs against a real archive (which links are known is asked of it)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import scrapy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scrapy.http import TextResponse
from sqlalchemy import Engine

from db.engine import open_archive
from spiders.config import CrawlConfig, SourceConfig
from spiders.feed import FeedPoll, first_entries
from spiders.outcome import PollOutcome

FEED_URL = "https://feeds.example/rss.xml"

pieces = st.lists(
    st.one_of(
        st.sampled_from(
            [
                '<?xml version="1.0" encoding="utf-8"?>',
                '<?xml version="1.0" encoding="x-bogus"?>',
                '<rss version="2.0">',
                "<channel>",
                "</channel>",
                "</rss>",
                '<feed xmlns="http://www.w3.org/2005/Atom">',
                "</feed>",
                "<item>",
                "</item>",
                "<entry>",
                "</entry>",
                "<link>",
                "</link>",
                '<link href="/rel"/>',
                "https://news.example/a?utm_source=x",
                "javascript:alert(1)",
                "http://[::1",
                "<pubDate>",
                "Mon, 99 Foo 2026 25:61:00 +9999",
                "</pubDate>",
                "<title>",
                "</title>",
                "<category>",
                "</category>",
                "&amp;",
                "&nbsp;",
                "<![CDATA[",
                "]]>",
                "\x00",
            ]
        ),
        st.text(max_size=40),
    ),
    max_size=60,
).map("".join)


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    folder: Path = tmp_path_factory.mktemp("feeds")
    engine = open_archive(f"sqlite:///{folder / 'archive.db'}")
    yield engine
    engine.dispose()


@settings(
    max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    body=st.one_of(st.binary(max_size=3000), pieces.map(lambda t: t.encode("utf-8", "replace"))),
    media_type=st.sampled_from(["application/rss+xml", "text/html", "", "application/json"]),
)
def test_the_feed_parser_lists_links_or_says_why_for_any_document(
    archive: Engine, body: bytes, media_type: str
) -> None:
    source = SourceConfig(name="fuzz", kind="feed", url=FEED_URL)
    outcome = PollOutcome("fuzz")
    poll = FeedPoll(source, CrawlConfig(max_age_days=36500), archive, outcome)
    headers = {"Content-Type": media_type} if media_type else {}
    response = TextResponse(FEED_URL, body=body, headers=headers, encoding="utf-8")
    requests = list(poll.parse_source(response))
    assert all(isinstance(r, scrapy.Request) for r in requests)
    assert all(r.url.startswith(("http://", "https://")) for r in requests)
    assert outcome.error is None or (outcome.error and not requests)


@given(st.integers(min_value=0, max_value=50), st.integers(min_value=1, max_value=20))
def test_a_feed_is_cut_before_the_entry_past_the_limit(entries: int, limit: int) -> None:
    body = b"<rss><channel>" + b"<item><title>t</title></item>" * entries + b"</channel></rss>"
    cut = first_entries(body, limit)
    if entries <= limit:
        assert cut is None
    else:
        assert cut is not None and cut.count(b"<item>") == limit
