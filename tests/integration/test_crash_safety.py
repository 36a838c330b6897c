"""Crash safety: the daemon killed at random moments loses and doubles nothing; SIGTERM and
SIGINT stop it within 10 s, starting no new work and leaving what was cut short for later."""

from __future__ import annotations

import signal
import subprocess
import threading
import time
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

from sqlalchemy import create_engine, text

from tests.support.cli import start_daemon
from tests.support.configs import write_config
from tests.support.crash import article_page, run_drill
from tests.support.webserver import Reply, WebServer, rss, serving

KILLS = 20


def test_sigkill_at_random_moments_loses_and_doubles_nothing(tmp_path: Path) -> None:
    figures = run_drill(tmp_path, kills=KILLS, seed=14)
    report = "\n".join(figures.lines())
    assert figures.kills == KILLS
    assert figures.entries >= 30, report  # the feeds grew while the daemon was killed
    assert figures.missing == 0 and figures.duplicates == 0, report
    assert figures.expected_alerts > 0, report
    assert figures.missing_alerts == 0 and figures.duplicate_alerts == 0, report
    assert figures.undelivered == 0, report
    # The README's bound: a kill can repeat at most the one message it cut short.
    assert figures.repeats <= figures.kills, report
    assert figures.integrity == "ok", report
    assert figures.shutdown_seconds < 10, report


def _wait(predicate: object, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(0.1)
    return False


def _serve(server: WebServer, slow: threading.Event) -> None:
    titles = []
    for n, path in enumerate(("/fast.html", "/slow.html")):
        title, html, _alerting = article_page(9, n)
        titles.append(title)

        def reply(_handler: object, body: bytes = html, late: bool = path == "/slow.html") -> Reply:
            if late:
                slow.wait(30)  # a page still loading when the signal comes
            return Reply(200, body, {"Content-Type": "text/html"})

        server.route(path, reply)
    entries = [
        {"title": t, "link": server.url(p), "pubDate": format_datetime(datetime.now(UTC))}
        for t, p in zip(titles, ("/fast.html", "/slow.html"), strict=True)
    ]
    server.route("/feed.xml", Reply(200, rss(entries), {"Content-Type": "application/rss+xml"}))


def test_sigint_and_sigterm_stop_within_10s_and_leave_cut_work_for_later(tmp_path: Path) -> None:
    released = threading.Event()
    with serving() as server:
        _serve(server, released)
        config = write_config(
            tmp_path,
            seeds={"import_on_start": False},
            crawl={"schedule": "1s", "adaptive": False, "obey_robots_txt": False},
            scheduler={"jitter_seconds": 0, "dispatch_interval": "1s", "http_port": 0},
            sources=[{"name": "local", "kind": "feed", "url": server.url("/feed.xml")}],
        )
        engine = create_engine(f"sqlite:///{tmp_path / 'archive.db'}")
        for signum in (signal.SIGINT, signal.SIGTERM):
            server.clear_log()
            daemon = start_daemon(config, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            try:
                assert _wait(lambda: "/slow.html" in server.requests(), 60)
                daemon.send_signal(signum)
                sent = time.monotonic()
                output, _ = daemon.communicate(timeout=30)
                stopped = time.monotonic() - sent
            finally:
                if daemon.poll() is None:
                    daemon.kill()
                    daemon.communicate()
            assert daemon.returncode == 0, output
            assert stopped < 10, output
            assert "Traceback" not in output, output
            # No new work after the signal: the feed was not asked for again.
            log = server.requests()
            assert log.count("/feed.xml") == 1, log
        # The page cut short both times is fetched by the next run once it answers.
        released.set()
        daemon = start_daemon(config, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            with engine.connect() as conn:
                stored = _wait(
                    lambda: conn.execute(text("SELECT count(*) FROM article")).scalar_one() == 2,
                    60,
                )
            daemon.send_signal(signal.SIGTERM)
            daemon.wait(timeout=15)
        finally:
            if daemon.poll() is None:
                daemon.kill()
        with engine.connect() as conn:
            urls = [u for (u,) in conn.execute(text("SELECT url FROM article ORDER BY url"))]
        engine.dispose()
        assert stored, urls
        assert urls == [server.url("/fast.html"), server.url("/slow.html")]
