"""Running the daemon as an operator does: JSON logs, /healthz and /metrics, `status`,
`reload` (SIGHUP) with a bad and a good config, `backup` while it runs, `sources NAME`."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any

from tests.support.cli import command, env, run_cli
from tests.support.configs import write_config
from tests.support.crash import article_page
from tests.support.smtp import free_port
from tests.support.webserver import Reply, WebServer, rss, serving


def _wait(predicate: object, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(0.2)
    return False


def _get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=5) as answer:
        return answer.status, answer.read().decode()


def _serve(server: WebServer, feed: str, pages: int) -> None:
    entries = []
    for n in range(pages):
        title, html, _alerting = article_page(len(feed), n)
        server.route(f"/{feed}/{n}.html", Reply(200, html, {"Content-Type": "text/html"}))
        entries.append({"title": title, "link": server.url(f"/{feed}/{n}.html")})
    server.route(f"/{feed}.xml", Reply(200, rss(entries), {"Content-Type": "application/rss+xml"}))


def _lines(log: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in log.read_text().splitlines() if line.strip()]


def test_operating_a_running_daemon(tmp_path: Path) -> None:
    port = free_port()
    with serving() as server:
        _serve(server, "one", 2)
        _serve(server, "two", 1)
        sections: dict[str, Any] = {
            "seeds": {"import_on_start": False},
            "crawl": {"schedule": "1h", "adaptive": False, "obey_robots_txt": False},
            "scheduler": {"jitter_seconds": 0, "dispatch_interval": "1s", "http_port": port},
            "sources": [{"name": "one", "kind": "feed", "url": server.url("/one.xml")}],
        }
        config = write_config(tmp_path, **sections)
        log = tmp_path / "daemon.log"
        with log.open("w") as handle:
            daemon = subprocess.Popen(
                command(config, "--log-format", "json", "run"),
                stdout=handle,
                stderr=subprocess.STDOUT,
                text=True,
                env=env(),
            )
        try:
            polled = _wait(lambda: any("poll" in line for line in _lines(log)), 60)
            assert polled, log.read_text()
            status, body = _get(f"http://127.0.0.1:{port}/healthz")
            assert status == 200 and json.loads(body)["status"] == "ok"
            _status, metrics = _get(f"http://127.0.0.1:{port}/metrics")
            assert 'newswatch_polls_total{outcome="ok",source="one"} 1.0' in metrics
            assert 'newswatch_articles_total{verdict="new"} 2.0' in metrics
            for name in (
                "newswatch_fetch_duration_seconds_bucket",
                "newswatch_outbox_pending",
                "newswatch_delivery_latency_seconds",
                "newswatch_alerts_sent_total",
            ):
                assert name in metrics

            shown = run_cli(config, "status")
            assert shown.returncode == 0, shown.stderr
            assert f"daemon: running, pid {daemon.pid}; /healthz ok" in shown.stdout
            assert "evaluation: 0 of 2 articles pending" in shown.stdout
            assert "one" in shown.stdout and "last poll never" not in shown.stdout

            # A config that does not validate is refused; the daemon keeps its own.
            bad = dict(sections, rules=[{"name": "broken", "query": "(drone", "channels": []}])
            write_config(tmp_path, **bad)
            checked = run_cli(config, "reload")  # `reload` checks the file before it signals
            assert checked.returncode == 1 and "column 7: expected ')'" in checked.stderr
            daemon.send_signal(signal.SIGHUP)  # the daemon checks it too
            refused = _wait(lambda: "reload refused" in log.read_text(), 30)
            assert refused, log.read_text()
            # A good one with a second source is taken without a restart.
            sources = [
                *sections["sources"],
                {"name": "two", "kind": "feed", "url": server.url("/two.xml")},
            ]
            write_config(tmp_path, **dict(sections, sources=sources))
            assert run_cli(config, "reload").returncode == 0
            assert _wait(lambda: "/two/0.html" in server.requests(), 60), log.read_text()

            copy = tmp_path / "backup.db"
            made = run_cli(config, "backup", str(copy))
            assert made.returncode == 0, made.stderr
            with sqlite3.connect(copy) as connection:
                assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
                assert connection.execute("SELECT count(*) FROM article").fetchone()[0] >= 2
            assert daemon.poll() is None
            daemon.send_signal(signal.SIGTERM)
            assert daemon.wait(timeout=15) == 0
        finally:
            if daemon.poll() is None:
                daemon.kill()
                daemon.wait()
    lines = _lines(log)  # every line is JSON
    polls = [line["poll"] for line in lines if "poll" in line]
    assert {p["source"] for p in polls} == {"one", "two"}
    first = next(p for p in polls if p["source"] == "one")
    assert first["new"] == 2 and first["fetched"] == 2 and first["duration_s"] > 0
    assert any("reloaded: 2 sources" in line["message"] for line in lines)

    stopped = run_cli(config, "status")
    assert stopped.returncode == 1 and "daemon: not running" in stopped.stdout
    detail = run_cli(config, "sources", "one")
    assert detail.returncode == 0, detail.stderr
    assert "last 1 polls:" in detail.stdout and "ok" in detail.stdout
