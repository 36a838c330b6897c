"""One long-lived crawler carries every poll: limits hold across sources, outcomes stay apart."""

from __future__ import annotations

import re
import threading
import time
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from tests.support.cli import run_cli
from tests.support.configs import write_config
from tests.support.webserver import Reply, WebServer, rss, serving

PAGES = Path(__file__).resolve().parents[1] / "data" / "pages"
ARTICLES = [
    "de_drohnen.html",
    "de_wetter.html",
    "en_football.html",
    "en_lethal_aid.html",
    "en_trade_gas.html",
    "fr_sanctions.html",
    "nl_munitie.html",
    "ru_short_teaser.html",
]
SOURCES = 4
PER_DOMAIN = 2


class InFlight:
    """Counts the article requests the server is answering at the same time."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.now = 0
        self.most = 0

    def slow_page(self, body: bytes) -> object:
        def answer(_handler: BaseHTTPRequestHandler) -> Reply:
            with self.lock:
                self.now += 1
                self.most = max(self.most, self.now)
            time.sleep(0.3)  # long enough for the crawler to start every request it may
            with self.lock:
                self.now -= 1
            return Reply(200, body, {"Content-Type": "text/html; charset=utf-8"})

        return answer


def _serve(server: WebServer, inflight: InFlight) -> list[dict[str, object]]:
    server.route("/robots.txt", Reply(404, b""))
    sources: list[dict[str, object]] = []
    for number in range(SOURCES):
        entries = []
        for page in ARTICLES[number * 2 : number * 2 + 2]:
            path = f"/s{number}/{page}"
            server.route(path, inflight.slow_page((PAGES / page).read_bytes()))  # type: ignore[arg-type]
            entries.append(
                {
                    "title": page,
                    "link": server.url(path),
                    "pubDate": format_datetime(datetime.now(UTC)),
                }
            )
        server.route(
            f"/s{number}/feed.xml",
            Reply(200, rss(entries), {"Content-Type": "application/rss+xml"}),
        )
        sources.append(
            {"name": f"s{number}", "kind": "feed", "url": server.url(f"/s{number}/feed.xml")}
        )
    return sources


def test_per_domain_limit_holds_across_sources_and_outcomes_stay_apart(tmp_path: Path) -> None:
    inflight = InFlight()
    with serving() as server:
        sources = _serve(server, inflight)
        config = write_config(
            tmp_path,
            crawl={"autothrottle": False, "concurrent_requests_per_domain": PER_DOMAIN},
            sources=sources,
        )
        result = run_cli(config, "--log-level", "INFO", "crawl")
        requests = server.requests()
    assert result.returncode == 0, result.stderr
    assert f"{SOURCES} sources polled (0 failed), {len(ARTICLES)} pages fetched" in result.stderr
    # All four polls ran at once, yet the site never saw more than its limit at a time: the
    # limit belongs to the one crawler, not to each poll.
    assert inflight.most == PER_DOMAIN, (inflight.most, result.stderr[-3000:])
    for number in range(SOURCES):
        for page in ARTICLES[number * 2 : number * 2 + 2]:
            assert requests.count(f"/s{number}/{page}") == 1
        # Each poll counted its own entries and pages, not its neighbours'.
        summary = re.search(rf"source s{number} \(.*?\): (.*)", result.stderr)
        assert summary is not None, result.stderr
        assert summary.group(1).startswith("2 entries, 0 known, 0 too old, 2 fetched"), summary
