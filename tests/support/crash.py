"""The crash drill: the daemon on growing loopback feeds with a local SMTP server, killed with
SIGKILL at random moments and restarted each time, then left to catch up and stopped with
SIGTERM. The figures say whether anything was lost or doubled.

Used by tests/integration/test_crash_safety.py (bounded: 20 kills, about two minutes) and by
bench/crash.py (any number of kills, figures printed).
"""

from __future__ import annotations

import random
import signal
import subprocess
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

from sqlalchemy import create_engine, text

from tests.support.cli import start_daemon
from tests.support.configs import write_config
from tests.support.smtp import Inbox, SmtpServer, free_port
from tests.support.webserver import Reply, Route, WebServer, rss

FEEDS = 3
PER_FEED = 40  # the most entries a feed grows to
SYLLABLES = ["ka", "lo", "mi", "ne", "su", "ta", "vo", "ri", "pe", "gu", "da", "fo", "zi", "be"]
KEYWORD = "zeppelin"


def _word(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))


def article_page(feed: int, n: int) -> tuple[str, bytes, bool]:
    """The title, HTML and whether it should alert, of entry `n` of feed `feed`: invented
    lower-case words (no names, numbers or dates for the deduplicator to link), so every
    article is new and starts its own story."""
    rng = random.Random(feed * 1000 + n)
    alerting = n % 3 == 0
    paragraphs = []
    for _ in range(3):
        words = [_word(rng) for _ in range(45)]
        if alerting:
            words[rng.randrange(len(words))] = KEYWORD
        paragraphs.append("<p>" + " ".join(words) + ".</p>")
    title = f"{_word(rng)} {_word(rng)} {_word(rng)} report {feed}-{n}"
    html = (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        # Dated in its metadata, as news pages are: without it htmldate falls back to
        # dateparser, which loads a locale's data the first time a text looks like one.
        '<meta property="article:published_time" content="2026-11-30T08:00:00Z">'
        f"</head><body><main><article><h1>{title}</h1>{''.join(paragraphs)}</article></main>"
        "</body></html>"
    )
    return title, html.encode(), alerting


class GrowingFeeds:
    """Feeds that gain an entry every `period` seconds each, until frozen or full."""

    def __init__(self, server: WebServer, period: float) -> None:
        self.server = server
        self.period = period
        self.started = time.monotonic()
        self.frozen_at: float | None = None
        self.lock = threading.Lock()
        self.published = datetime.now(UTC) - timedelta(hours=1)
        for feed in range(FEEDS):
            for n in range(PER_FEED):
                _title, html, _alerting = article_page(feed, n)
                self.server.route(
                    f"/f{feed}/a{n}.html", Reply(200, html, {"Content-Type": "text/html"})
                )
            self.server.route(f"/f{feed}.xml", self._feed(feed))

    def count(self) -> int:
        with self.lock:
            now = self.frozen_at if self.frozen_at is not None else time.monotonic()
        return min(PER_FEED, 1 + int((now - self.started) / self.period))

    def freeze(self) -> None:
        with self.lock:
            self.frozen_at = time.monotonic()

    def _feed(self, feed: int) -> Route:
        def reply(_handler: object) -> Reply:
            entries = []
            for n in range(self.count()):
                title, _html, _alerting = article_page(feed, n)
                when = self.published + timedelta(seconds=n)
                entries.append(
                    {
                        "title": title,
                        "link": self.server.url(f"/f{feed}/a{n}.html"),
                        "pubDate": format_datetime(when),
                    }
                )
            return Reply(200, rss(entries), {"Content-Type": "application/rss+xml"})

        return reply

    def entries(self) -> dict[str, bool]:
        """Every entry published so far: its title, and whether it should alert."""
        found = {}
        for feed in range(FEEDS):
            for n in range(self.count()):
                title, _html, alerting = article_page(feed, n)
                found[title] = alerting
        return found


@dataclass(frozen=True, slots=True)
class CrashFigures:
    kills: int
    entries: int
    archived: int
    missing: int
    duplicates: int  # entries stored more than once
    expected_alerts: int
    alerts: int
    missing_alerts: int
    duplicate_alerts: int
    undelivered: int
    messages: int
    repeats: int  # messages received more than once (the same Message-ID)
    integrity: str
    shutdown_seconds: float
    seconds: float

    def lines(self) -> list[str]:
        return [
            f"kills: {self.kills}",
            f"entries: {self.entries}, archived {self.archived}, missing {self.missing}, "
            f"duplicates {self.duplicates}",
            f"alerts: expected {self.expected_alerts}, raised {self.alerts}, missing "
            f"{self.missing_alerts}, duplicate {self.duplicate_alerts}, undelivered "
            f"{self.undelivered}",
            f"messages: {self.messages} received, {self.repeats} repeats "
            f"(bound: one per kill, {self.kills})",
            f"integrity_check: {self.integrity}",
            f"shutdown after SIGTERM: {self.shutdown_seconds:.2f} s",
            f"drill: {self.seconds:.1f} s",
        ]


def _config(folder: Path, server: WebServer, smtp_port: int) -> Path:
    return write_config(
        folder,
        seeds={"import_on_start": False},
        crawl={
            "schedule": "1s",
            "adaptive": False,
            "obey_robots_txt": False,
            "autothrottle": False,
            "download_timeout_seconds": 5.0,
            "retry_times": 0,
        },
        scheduler={
            "jitter_seconds": 0,
            "dispatch_interval": "1s",
            "http_port": 0,
            "misfire_grace_seconds": 60,
        },
        sources=[
            {"name": f"feed{feed}", "kind": "feed", "url": server.url(f"/f{feed}.xml")}
            for feed in range(FEEDS)
        ],
        rules=[{"name": "zeppelins", "query": KEYWORD, "channels": ["email"]}],
        alerts={
            "retry_base_seconds": 1.0,
            "retry_max_seconds": 2.0,
            "lease_seconds": 3.0,
            "channels": {
                "email": {
                    "kind": "email",
                    "host": "127.0.0.1",
                    "port": smtp_port,
                    "security": "none",
                    "sender": "newswatch@localhost",
                    "recipients": ["analyst@localhost"],
                    "timeout_seconds": 2.0,
                }
            },
        },
    )


def _started(log: Path, since: int) -> bool:
    return "daemon started" in log.read_text(errors="replace")[since:]


def _wait(predicate: object, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return False


class Drill:
    def __init__(self, folder: Path, inbox: Inbox, feeds: GrowingFeeds, config: Path) -> None:
        self.folder = folder
        self.inbox = inbox
        self.feeds = feeds
        self.config = config
        self.log = folder / "daemon.log"
        self.engine = create_engine(f"sqlite:///{folder / 'archive.db'}")

    def start(self) -> tuple[subprocess.Popen[str], int]:
        offset = self.log.stat().st_size if self.log.exists() else 0
        with self.log.open("a") as handle:
            daemon = start_daemon(self.config, stdout=handle, stderr=subprocess.STDOUT)
        if not _wait(lambda: _started(self.log, offset) or daemon.poll() is not None, 60):
            daemon.kill()
            raise RuntimeError("the daemon did not start:\n" + self.log.read_text()[offset:])
        if daemon.poll() is not None:
            raise RuntimeError("the daemon ended at start:\n" + self.log.read_text()[offset:])
        return daemon, offset

    def caught_up(self) -> bool:
        expected = self.feeds.entries()
        with self.engine.connect() as conn:
            archived = conn.execute(text("SELECT count(*) FROM article")).scalar_one()
            waiting = conn.execute(
                text(
                    "SELECT (SELECT count(*) FROM article WHERE evaluated_at IS NULL) + "
                    "(SELECT count(*) FROM delivery WHERE status != 'sent')"
                )
            ).scalar_one()
        return bool(archived >= len(expected) and waiting == 0)

    def figures(self, kills: int, shutdown: float, seconds: float) -> CrashFigures:
        expected = self.feeds.entries()
        with self.engine.connect() as conn:
            titles = Counter(t for (t,) in conn.execute(text("SELECT title FROM article")))
            alerts = Counter(
                t
                for (t,) in conn.execute(
                    text("SELECT a.title FROM alert JOIN article a ON a.id = alert.article_id")
                )
            )
            undelivered = conn.execute(
                text("SELECT count(*) FROM delivery WHERE status != 'sent'")
            ).scalar_one()
            integrity = conn.execute(text("PRAGMA integrity_check")).scalar_one()
        self.engine.dispose()
        should = {title for title, alerting in expected.items() if alerting}
        ids = Counter(str(m["Message-ID"]) for m in self.inbox.messages)
        return CrashFigures(
            kills=kills,
            entries=len(expected),
            archived=sum(1 for title in expected if titles[title]),
            missing=sum(1 for title in expected if not titles[title]),
            duplicates=sum(n - 1 for n in titles.values() if n > 1),
            expected_alerts=len(should),
            alerts=sum(alerts.values()),
            missing_alerts=len(should - set(alerts)),
            duplicate_alerts=sum(n - 1 for n in alerts.values() if n > 1)
            + len(set(alerts) - should),
            undelivered=int(undelivered),
            messages=len(self.inbox.messages),
            repeats=sum(n - 1 for n in ids.values() if n > 1),
            integrity=str(integrity),
            shutdown_seconds=shutdown,
            seconds=0.0 + seconds,
        )


def run_drill(
    folder: Path, kills: int = 20, seed: int = 14, period: float = 1.5, catch_up: float = 60
) -> CrashFigures:
    """Kill the daemon `kills` times at random moments after it started, then let it catch
    up and stop it with SIGTERM; the figures of the whole drill."""
    rng = random.Random(seed)
    began = time.monotonic()
    inbox = Inbox()
    smtp = SmtpServer(free_port(), inbox)
    smtp.start()
    server = WebServer().start()
    try:
        feeds = GrowingFeeds(server, period)
        drill = Drill(folder, inbox, feeds, _config(folder, server, smtp.port))
        for _ in range(kills):
            daemon, _offset = drill.start()
            # From the first polls (fetch, extraction, storage) to evaluation and dispatch.
            time.sleep(rng.uniform(0.1, 2.5))
            daemon.send_signal(signal.SIGKILL)
            daemon.wait(timeout=10)
        feeds.freeze()
        daemon, _offset = drill.start()
        try:
            if not _wait(drill.caught_up, catch_up):
                raise RuntimeError("the daemon did not catch up:\n" + drill.log.read_text()[-4000:])
            stopping = time.monotonic()
            daemon.send_signal(signal.SIGTERM)
            daemon.wait(timeout=30)
            shutdown = time.monotonic() - stopping
        finally:
            if daemon.poll() is None:
                daemon.kill()
                daemon.wait()
        return drill.figures(kills, shutdown, time.monotonic() - began)
    finally:
        server.stop()
        smtp.stop()
