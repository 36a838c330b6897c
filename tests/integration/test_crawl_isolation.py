"""A fault in one source, page or article is logged once with its URL and the crawl goes on.

Faults are injected by tests/support/faults.py into a real `newswatch crawl` against a
loopback site: a source whose parser raises, a page whose decoding raises, a page whose
extraction crashes, an article the archive fails to store.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

from sqlmodel import Session, select

from db.engine import make_engine
from db.models import Article, RejectedPage, Source
from db.queue import set_aside_pages
from tests.support.cli import env
from tests.support.configs import ROOT, write_config
from tests.support.webserver import Reply, WebServer, rss, serving

FAULT_RUNNER = (sys.executable, "-m", "tests.support.faults", "parser,decode,extract,store")
PAGES = Path(__file__).resolve().parents[1] / "data" / "pages"
HTML = {"Content-Type": "text/html; charset=utf-8"}
GOOD = {"/news/trade.html": "en_trade_gas.html", "/news/football.html": "en_football.html"}
FAULTY = {
    "/news/fault-extract.html": "de_wetter.html",
    "/news/fault-store.html": "fr_sanctions.html",
    "/news/decode.html": "nl_munitie.html",
}


def _site(server: WebServer) -> list[dict[str, str]]:
    entries = []
    for path, page in {**GOOD, **FAULTY}.items():
        body = (PAGES / page).read_bytes()
        if path == "/news/decode.html":
            body += b"<!-- fault-decode -->"
        server.route(path, Reply(200, body, HTML))
        entries.append(
            {"title": page, "link": server.url(path), "pubDate": format_datetime(datetime.now(UTC))}
        )
    feed = Reply(200, rss(entries), {"Content-Type": "application/rss+xml"})
    server.route("/feed.xml", feed)
    server.route("/fault-parser/feed.xml", feed)
    server.route("/robots.txt", Reply(404, b""))
    return [
        {"name": "good", "kind": "feed", "url": server.url("/feed.xml")},
        {"name": "broken", "kind": "feed", "url": server.url("/fault-parser/feed.xml")},
    ]


def test_faults_in_a_source_a_page_and_an_article_each_log_one_line_and_the_rest_is_stored(
    tmp_path: Path,
) -> None:
    with serving() as server:
        config = write_config(
            tmp_path,
            crawl={"retry_times": 0},
            # The faults are injected in the crawling process: it processes the pages.
            pipeline={"workers": 0, "max_attempts": 2},
            sources=_site(server),
        )
        done = subprocess.run(
            [*FAULT_RUNNER, "--", "--config", str(config), "crawl"],
            capture_output=True,
            text=True,
            timeout=180,
            env=env(),
            cwd=ROOT,
        )
        base = server.base
    lines = [line for line in done.stderr.splitlines() if " ERROR " in line]

    def about(marker: str) -> list[str]:
        return [line for line in lines if marker in line]

    assert len(about("/fault-parser/feed.xml could not be read: KeyError")) == 1, done.stderr
    # A bug in decoding and a failing archive: tried again, then set aside (max_attempts 2).
    for page, error in (("decode.html", "IndexError"), ("fault-store.html", "OperationalError")):
        assert len(about(f"{base}/news/{page} not processed (tried again): {error}")) == 1
        assert len(about(f"{base}/news/{page} not processed (set aside: newswatch status)")) == 1
    assert len(about(f"{base}/news/fault-extract.html could not be extracted: TypeError")) == 1
    assert "crawl: 2 sources polled (1 failed)" in done.stderr

    engine = make_engine(f"sqlite:///{tmp_path / 'archive.db'}")
    with Session(engine) as session:
        stored = {a.url.removeprefix(base) for a in session.exec(select(Article))}
        rejected = {r.url.removeprefix(base): r.reason for r in session.exec(select(RejectedPage))}
        sources = {s.name: s for s in session.exec(select(Source))}
    assert set(GOOD) <= stored
    assert not stored & set(FAULTY)
    # The crash in extraction is remembered as a rejection with its reason, retried later;
    # the store failure and the decoding bug are set aside on the work queue, for the operator.
    assert "extraction crashed: TypeError" in rejected["/news/fault-extract.html"]
    assert "/news/fault-store.html" not in rejected
    count, pages = set_aside_pages(engine)
    assert count == 2 and {p.url.removeprefix(base) for p in pages} == {
        "/news/decode.html",
        "/news/fault-store.html",
    }
    # A parser that raised is a failed poll: it counts towards backoff, never as a quiet one.
    assert sources["broken"].consecutive_failures == 1
    assert "KeyError" in (sources["broken"].last_error or "")
    assert sources["good"].consecutive_failures == 0
    engine.dispose()
