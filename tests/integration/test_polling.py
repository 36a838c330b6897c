"""Polling an unchanged feed is cheap: one conditional request per poll, robots.txt once a day."""

from __future__ import annotations

import signal
import subprocess
import time
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from tests.support.cli import run_cli, start_daemon
from tests.support.configs import write_config
from tests.support.webserver import Reply, WebServer, rss, serving

PAGES = Path(__file__).resolve().parents[1] / "data" / "pages"
ETAG = '"feed-v1"'


def _feed_route(server: WebServer, answers: list[int]) -> None:
    entry = {
        "title": "Gas deal",
        "link": server.url("/gas.html"),
        "pubDate": format_datetime(datetime.now(UTC)),
    }
    body = rss([entry])

    def feed(handler: BaseHTTPRequestHandler) -> Reply:
        if handler.headers.get("If-None-Match") == ETAG:
            answers.append(304)
            return Reply(304, b"", {"ETag": ETAG})
        answers.append(200)
        return Reply(200, body, {"Content-Type": "application/rss+xml", "ETag": ETAG})

    server.route("/feed.xml", feed)
    page = (PAGES / "en_trade_gas.html").read_bytes()
    server.route("/gas.html", Reply(200, page, {"Content-Type": "text/html"}))
    server.route("/robots.txt", Reply(200, b"User-agent: *\nAllow: /\n"))


def test_unchanged_feed_costs_one_request_per_poll(tmp_path: Path) -> None:
    answers: list[int] = []
    with serving() as server:
        _feed_route(server, answers)
        config = write_config(
            tmp_path,
            scheduler={"jitter_seconds": 0},
            sources=[
                {
                    "name": "local",
                    "kind": "feed",
                    "url": server.url("/feed.xml"),
                    "schedule": "2s",
                    "adaptive": False,
                }
            ],
        )
        daemon = start_daemon(config, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + 60
            while len(answers) < 4 and time.monotonic() < deadline:
                time.sleep(0.2)
        finally:
            daemon.send_signal(signal.SIGTERM)
            _, log = daemon.communicate(timeout=20)
        requests = server.requests()
    assert daemon.returncode == 0, log
    assert len(answers) >= 4, log
    assert answers[0] == 200 and set(answers[1:]) == {304}
    # Every poll after the first is one request: the feed. No article, no robots.txt again.
    assert requests.count("/robots.txt") == 1
    assert requests.count("/gas.html") == 1
    assert len(requests) == 2 + len(answers)
    assert "not modified since the last poll" in log

    table = run_cli(config, "sources")
    assert table.returncode == 0, table.stderr
    [row] = [line for line in table.stdout.splitlines() if line.startswith("local ")]
    assert " feed " in row and " 2s " in row and "never" not in row


def test_sources_check_reports_each_source(tmp_path: Path) -> None:
    with serving() as server:
        _feed_route(server, [])
        listing = (
            b'<html><body><a href="/news/1.html">one</a><a href="/about">about</a></body></html>'
        )
        server.route("/section", Reply(200, listing, {"Content-Type": "text/html"}))
        config = write_config(
            tmp_path,
            sources=[
                {"name": "feed", "kind": "feed", "url": server.url("/feed.xml")},
                {"name": "missing", "kind": "feed", "url": server.url("/nothing.xml")},
                {"name": "page-as-feed", "kind": "feed", "url": server.url("/gas.html")},
                {
                    "name": "section",
                    "kind": "listing",
                    "url": server.url("/section"),
                    "allow": ["*/news/*"],
                },
            ],
        )
        checked = run_cli(config, "sources", "--check")
    lines = {line.split()[1]: line for line in checked.stdout.splitlines()}
    assert checked.returncode == 1
    assert lines["feed"].startswith("ok") and "1 entries" in lines["feed"]
    assert lines["missing"].startswith("FAIL") and "HTTP 404" in lines["missing"]
    assert lines["page-as-feed"].startswith("FAIL") and "no feed entries" in lines["page-as-feed"]
    assert lines["section"].startswith("ok") and "1 matching 'allow'" in lines["section"]
    assert "2 of 4 sources readable" in checked.stderr
