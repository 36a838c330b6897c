"""A page that held no article is fetched again a few times, then given up and listed; the
operator can clear it. The schedule is tested with explicit clocks, the CLI end to end."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from itertools import pairwise
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, select

from db.engine import make_engine
from db.models import RejectedPage
from db.store import clear_given_up, given_up_pages, known_urls, record_rejected, sync_sources
from tests.support.cli import run_cli
from tests.support.configs import write_config
from tests.support.webserver import Reply, WebServer, rss, serving

PAGES = Path(__file__).resolve().parents[1] / "data" / "pages"
HTML = {"Content-Type": "text/html; charset=utf-8"}
T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
HOUR, DAY = 3600, 86400
CONSENT = b"<html><head><title>Before you continue</title></head><body><p>Accept cookies.</p>"


def test_a_rejected_page_is_retried_after_each_wait_then_given_up(archive: Engine) -> None:
    sync_sources(archive, [("example", "feed", "https://example.org/feed")])
    url = "https://example.org/live-blog"
    waits = (HOUR, 6 * HOUR, DAY)
    moments = [T0]
    for _ in waits:
        retry_at = record_rejected(archive, url, "example", "no article text", waits, moments[-1])
        assert retry_at is not None
        assert known_urls(archive, [url], now=retry_at - timedelta(seconds=1)) == {url}
        assert known_urls(archive, [url], now=retry_at) == set()
        moments.append(retry_at)
    assert [b - a for a, b in pairwise(moments)] == [timedelta(seconds=w) for w in waits]
    assert given_up_pages(archive) == []
    assert record_rejected(archive, url, "example", "still nothing", waits, moments[-1]) is None
    assert known_urls(archive, [url], now=moments[-1] + timedelta(days=365)) == {url}
    [(page, source)] = given_up_pages(archive)
    assert (page.url, page.attempts, page.reason, source) == (url, 4, "still nothing", "example")
    assert clear_given_up(archive, "https://example.org/other") == 0
    assert clear_given_up(archive, url) == 1
    assert known_urls(archive, [url], now=moments[-1]) == set()


def _archive(folder: Path) -> Engine:
    return make_engine(f"sqlite:///{folder / 'archive.db'}")


def _retry_times(folder: Path) -> dict[str, datetime | None]:
    engine = _archive(folder)
    with Session(engine) as session:
        found = {page.url: page.retry_at for page in session.exec(select(RejectedPage))}
    engine.dispose()
    return found


def _an_hour_passes(folder: Path) -> None:
    engine = _archive(folder)
    with Session(engine) as session:
        for page in session.exec(select(RejectedPage)):
            if page.retry_at is not None:
                page.retry_at -= timedelta(hours=1)
                session.add(page)
        session.commit()
    engine.dispose()


def _feed(server: WebServer, paths: list[str]) -> None:
    entries = [
        {"title": p, "link": server.url(p), "pubDate": format_datetime(datetime.now(UTC))}
        for p in paths
    ]
    server.route("/feed.xml", Reply(200, rss(entries), {"Content-Type": "application/rss+xml"}))
    server.route("/robots.txt", Reply(404, b""))


def test_a_consent_wall_that_lifts_is_stored_and_one_that_stays_is_given_up_and_cleared(
    tmp_path: Path,
) -> None:
    article = (PAGES / "en_trade_gas.html").read_bytes()
    with serving() as server:
        server.route("/lifts.html", Reply(200, CONSENT, HTML))
        server.route("/stays.html", Reply(200, CONSENT, HTML))
        _feed(server, ["/lifts.html", "/stays.html"])
        config = write_config(
            tmp_path,
            crawl={"retry_rejected_after": ["1h"]},
            sources=[{"name": "local", "kind": "feed", "url": server.url("/feed.xml")}],
        )

        def crawl() -> list[str]:
            server.clear_log()
            done = run_cli(config, "crawl")
            assert done.returncode == 0, done.stderr
            return [p for p in server.requests() if p.endswith(".html")]

        first = crawl()
        assert sorted(first) == ["/lifts.html", "/stays.html"]
        waits = [when - datetime.now(UTC) for when in _retry_times(tmp_path).values() if when]
        assert len(waits) == 2
        assert all(timedelta(minutes=59) < wait <= timedelta(hours=1) for wait in waits)
        assert crawl() == []  # not due for an hour
        _an_hour_passes(tmp_path)
        server.route("/lifts.html", Reply(200, article, HTML))
        assert sorted(crawl()) == ["/lifts.html", "/stays.html"]
        # Given up now (one retry configured): not fetched however long one waits.
        assert _retry_times(tmp_path) == {server.url("/stays.html"): None}
        _an_hour_passes(tmp_path)
        assert crawl() == []
        listed = run_cli(config, "sources")
        given_up = run_cli(config, "sources", "--given-up")
        cleared = run_cli(config, "sources", "--clear-given-up", server.url("/stays.html"))
        assert crawl() == ["/stays.html"]

    assert "1 pages given up after holding no article" in listed.stdout
    assert server.url("/stays.html") in given_up.stdout
    assert "2 fetches" in given_up.stdout
    assert "/lifts.html" not in given_up.stdout  # stored once the wall lifted
    assert cleared.returncode == 0 and "1 pages cleared" in cleared.stdout
