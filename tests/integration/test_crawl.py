"""`newswatch crawl` end to end: a loopback site and feed, a SQLite file, a real SMTP server.

The pages are our own fixtures (tests/data/pages), shaped like real publishers' pages. The
crawl runs as a user runs it: a separate process started through the CLI.
"""

from __future__ import annotations

import json
import tomllib
from datetime import UTC, date, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session, create_engine, select

from db.models import Article, Delivery, Source
from tests.support.cli import run_cli
from tests.support.configs import shipped_rules, shipped_vocabulary, write_config
from tests.support.smtp import SmtpServer
from tests.support.webserver import Reply, WebServer, rss, serving

PAGES = Path(__file__).resolve().parents[1] / "data" / "pages"
EXPECTED: dict[str, dict[str, Any]] = tomllib.loads(
    (PAGES / "expected.toml").read_text(encoding="utf-8")
)


def _path(name: str) -> str:
    return f"/{Path(name).stem.replace('_', '-')}/index.html"


def _site(server: WebServer) -> None:
    entries = []
    for name in EXPECTED:
        html = (PAGES / name).read_bytes()
        server.route(_path(name), Reply(200, html, {"Content-Type": "text/html; charset=utf-8"}))
        # Tracking parameters and fragments in feed links are dropped from the canonical URL.
        link = server.url(_path(name)) + "?utm_source=rss&utm_medium=feed#top"
        entries.append({"title": name, "link": link, "pubDate": format_datetime(datetime.now(UTC))})
    server.route("/robots.txt", Reply(200, b"User-agent: *\nDisallow: /private/\n"))
    server.route("/feed.xml", Reply(200, rss(entries), {"Content-Type": "application/rss+xml"}))


def test_crawl_stores_each_page_once_and_alerts_once(tmp_path: Path, smtp: SmtpServer) -> None:
    # The shipped rules, with only the topic rule alerting: one alert per new relevant story.
    rules = [
        {**rule, "channels": ["email"] if rule.get("topic") else []} for rule in shipped_rules()
    ]
    email = {
        "kind": "email",
        "host": "127.0.0.1",
        "port": smtp.port,
        "security": "none",
        "sender": "newswatch@test.invalid",
        "recipients": ["analyst@test.invalid"],
    }
    with serving() as server:
        _site(server)
        config = write_config(
            tmp_path,
            sources=[{"name": "site", "kind": "feed", "url": server.url("/feed.xml")}],
            rules=rules,
            alerts={"channels": {"email": email}},
            **shipped_vocabulary(),
        )
        seeded = run_cli(config, "seeds", "import")
        assert seeded.returncode == 0, seeded.stderr
        first = run_cli(config, "crawl")
        assert first.returncode == 0, first.stderr
        first_requests = server.requests()
        server.clear_log()
        second = run_cli(config, "crawl")
        assert second.returncode == 0, second.stderr
        second_requests = server.requests()

    # Every article page was fetched exactly once, and robots.txt was asked.
    article_paths = {_path(name) for name in EXPECTED}
    fetched = [p.split("?")[0] for p in first_requests if p.split("?")[0] in article_paths]
    assert sorted(fetched) == sorted(article_paths)
    assert "/robots.txt" in first_requests
    # The second crawl reads the feed and fetches no article page again.
    assert not [p for p in second_requests if p.split("?")[0] in article_paths]
    assert any(p == "/feed.xml" for p in second_requests)

    # The teaser is not an article: one log line names its URL.
    teaser_url = f"{_path('ru_short_teaser.html')}"
    assert [line for line in first.stderr.splitlines() if teaser_url in line and "WARNING" in line]

    engine = create_engine(f"sqlite:///{tmp_path / 'archive.db'}")
    with Session(engine) as session:
        stored = {a.url: a for a in session.exec(select(Article).where(Article.seed == None))}  # noqa: E711
        source = session.exec(select(Source)).one()
        deliveries = session.exec(select(Delivery)).all()
    engine.dispose()

    by_name: dict[str, Article] = {}
    for name, expected in EXPECTED.items():
        url = f"http://127.0.0.1:{server.base.rsplit(':', 1)[1]}{_path(name)}"
        if expected.get("error"):
            assert url not in stored
            continue
        article = stored[url]
        by_name[name] = article
        assert article.title == expected["title"]
        assert article.lang == expected["lang"]
        assert article.published is not None
        assert article.published.date() == date.fromisoformat(expected["published"])
        for sentence in expected["must_contain"]:
            assert sentence in article.text
    assert len(stored) == len(by_name) == len(EXPECTED) - 1

    # The two copies of one text arrive concurrently: whichever is stored first is the original.
    pair = [by_name["en_lethal_aid.html"], by_name["en_lethal_aid_republished.html"]]
    original, copy = sorted(pair, key=lambda a: a.id or 0)
    assert copy.duplicate_of == original.id and copy.dup_method == "text-hash"
    assert copy.story_id == original.story_id == original.id
    assert original.duplicate_of is None

    # Relevance follows the topic rule; alerts go out for new on-topic articles only, once.
    for name, article in by_name.items():
        assert article.relevant == EXPECTED[name]["topic"], name
    alerted_titles = {str(message["Subject"]).split(": ", 1)[1] for message in smtp.inbox.messages}
    expected_alerts = {
        article.title
        for name, article in by_name.items()
        if EXPECTED[name]["topic"] and article.duplicate_of is None
    }
    assert alerted_titles == expected_alerts
    assert len(smtp.inbox.messages) == len(expected_alerts)
    assert all(d.status == "sent" and d.attempts == 1 for d in deliveries)
    message = smtp.inbox.messages[0]
    assert message.get_content_type() == "multipart/alternative"
    assert {part.get_content_type() for part in message.iter_parts()} == {
        "text/plain",
        "text/html",
    }

    assert source.consecutive_failures == 0 and source.last_success_at is not None
    assert "crawl: 1 sources polled (0 failed)" in first.stderr
    assert f"{len(by_name)} new articles" not in second.stderr
    assert "0 new articles" in second.stderr

    # The export carries the contract fields for every article, seeds included.
    exported = run_cli(config, "export", "--format", "jsonl")
    records = [json.loads(line) for line in exported.stdout.splitlines()]
    assert len(records) == 5 + len(by_name)
    by_id = {r["id"]: r for r in records}
    assert by_id[copy.id]["duplicate_of"] == original.id
    assert by_id[original.id]["alerted"] is True and by_id[copy.id]["alerted"] is False
    assert "china_russia_military_support" in by_id[original.id]["rules"]
    assert by_id[original.id]["source"] == "site"

    found = run_cli(config, "search", "Drohnen")
    assert found.returncode == 0
    assert by_name["de_drohnen.html"].title in found.stdout
    shown = run_cli(config, "show", str(copy.id))
    assert f"duplicate:  of #{original.id} by text-hash" in shown.stdout


def test_broken_sources_are_logged_once_each_and_the_crawl_goes_on(tmp_path: Path) -> None:
    good = (PAGES / "en_trade_gas.html").read_bytes()
    with serving() as server:
        server.route("/story.html", Reply(200, good, {"Content-Type": "text/html"}))
        server.route(
            "/report.pdf", Reply(200, b"%PDF-1.7 ...", {"Content-Type": "application/pdf"})
        )
        # Real feeds are often malformed: an unescaped ampersand, no dates, relative links.
        malformed = (
            b'<?xml version="1.0"?><rss version="2.0"><channel><title>Trade & Energy</title>'
            b"<item><title>Gas & oil</title><link>/story.html</link></item>"
            b"<item><title>Annual report</title><link>/report.pdf</link></item>"
            b"</channel></rss>"
        )
        server.route("/malformed.xml", Reply(200, malformed, {"Content-Type": "text/xml"}))
        server.route("/html.xml", Reply(200, good, {"Content-Type": "text/html"}))
        server.route("/error.xml", Reply(500, b"oops", {"Content-Type": "text/plain"}))
        config = write_config(
            tmp_path,
            crawl={"retry_times": 0},
            sources=[
                {"name": "malformed", "kind": "feed", "url": server.url("/malformed.xml")},
                {"name": "not-a-feed", "kind": "feed", "url": server.url("/html.xml")},
                {"name": "server-error", "kind": "feed", "url": server.url("/error.xml")},
            ],
        )
        done = run_cli(config, "crawl")
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()

    def about(source: str) -> list[str]:
        return [line for line in lines if f"source {source} (" in line]

    assert len(about("malformed")) >= 1
    assert any("1 new" in line for line in about("malformed"))
    assert any(
        "not an HTML page (application/pdf)" in line and "/report.pdf" in line for line in lines
    )
    [not_a_feed] = [line for line in about("not-a-feed") if "ERROR" in line]
    assert "not a feed: the server sent an HTML page" in not_a_feed
    assert server.url("/html.xml") in not_a_feed
    [server_error] = [line for line in about("server-error") if "ERROR" in line]
    assert "HTTP 500" in server_error
    assert "crawl: 3 sources polled (2 failed)" in done.stderr
    assert "Traceback" not in done.stderr
