"""`newswatch run`: polls each source, logs each failure once, stops cleanly on a signal."""

from __future__ import annotations

import signal
import subprocess
import time
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

from sqlalchemy import create_engine, text

from tests.support.cli import start_daemon
from tests.support.configs import write_config
from tests.support.webserver import Reply, WebServer, rss, serving

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Port authority reports record grain exports</title>
<meta property="article:published_time" content="2026-11-20T09:00:00Z"></head>
<body><nav><a href="/">Home</a> <a href="/world">World</a></nav><main><article>
<h1>Port authority reports record grain exports</h1>
<p>The port authority said on Friday that grain exports through the southern terminals reached a
record in October, helped by calm weather and a new rail link to the inland silos.</p>
<p>Officials expect volumes to stay high through the winter, although freight rates have risen
and two of the older berths will close for repairs in January.</p>
<p>Traders said the figures were better than forecast and that buyers in North Africa had
increased their orders after a poor harvest there.</p>
</article></main><footer>Contact us</footer></body></html>"""


def _wait_for(predicate: object, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(0.2)
    return False


def _serve_one_article(server: WebServer) -> None:
    server.route("/news/grain.html", Reply(200, PAGE.encode(), {"Content-Type": "text/html"}))
    entry = {
        "title": "Record grain exports",
        "link": server.url("/news/grain.html"),
        "pubDate": format_datetime(datetime.now(UTC)),
    }
    server.route("/feed.xml", Reply(200, rss([entry]), {"Content-Type": "application/rss+xml"}))


def test_daemon_polls_logs_failures_and_stops_on_sigterm(tmp_path: Path) -> None:
    with serving() as server:
        _serve_one_article(server)
        config = write_config(
            tmp_path,
            scheduler={"jitter_seconds": 0, "dispatch_interval": "5s"},
            sources=[
                {"name": "local", "kind": "feed", "url": server.url("/feed.xml"), "schedule": "1h"},
                {"name": "gone", "kind": "feed", "url": "http://no-such-host.invalid/feed.xml"},
                {"name": "refused", "kind": "feed", "url": "http://127.0.0.1:9/feed.xml"},
            ],
        )
        log = tmp_path / "daemon.log"
        with log.open("w") as handle:
            daemon = start_daemon(config, stdout=handle, stderr=subprocess.STDOUT)
        try:
            done = _wait_for(lambda: log.read_text().count("source ") >= 3, 60)
            assert done, log.read_text()
            time.sleep(1.0)
            assert daemon.poll() is None, "the daemon keeps running after sources fail"
            daemon.send_signal(signal.SIGTERM)
            started = time.monotonic()
            assert daemon.wait(timeout=15) == 0
            assert time.monotonic() - started < 10
        finally:
            if daemon.poll() is None:
                daemon.kill()
    output = log.read_text()
    failures = [line for line in output.splitlines() if "ERROR" in line]
    gone = [line for line in failures if "source gone " in line]
    refused = [line for line in failures if "source refused " in line]
    assert len(gone) == 1 and "DNS lookup failed for no-such-host.invalid" in gone[0]
    assert len(refused) == 1 and "connection refused" in refused[0]
    assert "Traceback" not in output
    assert "seeds from" in output and "5 added" in output
    assert "daemon stopped" in output
    engine = create_engine(f"sqlite:///{tmp_path / 'archive.db'}")
    with engine.connect() as connection:
        titles = connection.execute(text("SELECT title FROM article WHERE seed IS NULL")).all()
        states: dict[str, int] = dict(
            connection.execute(text("SELECT name, consecutive_failures FROM source")).all()
        )
    engine.dispose()
    assert titles == [("Port authority reports record grain exports",)]
    assert states == {"local": 0, "gone": 1, "refused": 1}


def test_daemon_stops_on_sigint_with_nothing_reachable(tmp_path: Path) -> None:
    config = write_config(
        tmp_path,
        sources=[{"name": "gone", "kind": "feed", "url": "http://no-such-host.invalid/rss"}],
    )
    # The daemon's own handler: even started with SIGINT ignored (as a shell does for a
    # background job), it stops on SIGINT.
    daemon = start_daemon(
        config,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
    )
    try:
        time.sleep(6)
        daemon.send_signal(signal.SIGINT)
        started = time.monotonic()
        output, _ = daemon.communicate(timeout=15)
        assert time.monotonic() - started < 8
    finally:
        if daemon.poll() is None:
            daemon.kill()
            daemon.communicate()
    assert daemon.returncode == 0, output
    assert "source gone (http://no-such-host.invalid/rss): failed: DNS lookup failed" in output
    assert "received SIGINT" in output
