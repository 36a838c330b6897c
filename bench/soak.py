"""Soak: the daemon on 200 loopback feeds polled every few seconds, new items appearing.

    .venv/bin/python bench/soak.py [--minutes 10] [--sources 200] [--interval 10s]

Samples the daemon's resident memory (VmRSS) and open file descriptors every 10 s. The first
third of the run (at most 3 minutes) is warm-up: caches, the crawler's pools and the SQLite
page cache fill. Printed: polls and articles done, RSS at the end of warm-up and at the end
(growth must stay under 10 %), and the fd count's range after warm-up (it must stay flat).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.cli import start_daemon  # noqa: E402
from tests.support.configs import write_config  # noqa: E402
from tests.support.crash import article_page  # noqa: E402
from tests.support.smtp import free_port  # noqa: E402
from tests.support.webserver import Reply, Route, WebServer, rss  # noqa: E402

ITEM_PERIOD = 60.0  # each feed gains an entry a minute
FEED_LENGTH = 20  # entries a feed lists (the newest)


def _feeds(server: WebServer, sources: int, minutes: float) -> None:
    started = time.monotonic()
    published = datetime.now(UTC)
    pages = int(minutes * 60 / ITEM_PERIOD) + FEED_LENGTH + 2
    for feed in range(sources):
        for n in range(pages):
            _title, html, _alerting = article_page(feed, n)
            server.route(f"/s{feed}/{n}.html", Reply(200, html, {"Content-Type": "text/html"}))

        def reply(_handler: object, feed: int = feed) -> Reply:
            # Staggered, so new entries arrive all the time rather than all at once.
            elapsed = time.monotonic() - started + feed * ITEM_PERIOD / sources
            newest = min(pages - 1, 3 + int(elapsed / ITEM_PERIOD))
            entries = []
            for n in range(max(0, newest - FEED_LENGTH), newest + 1):
                title, _html, _alerting = article_page(feed, n)
                entries.append(
                    {
                        "title": title,
                        "link": server.url(f"/s{feed}/{n}.html"),
                        "pubDate": format_datetime(published + timedelta(seconds=n)),
                    }
                )
            return Reply(200, rss(entries), {"Content-Type": "application/rss+xml"})

        route: Route = reply
        server.route(f"/s{feed}.xml", route)


def _status(pid: int) -> dict[str, int]:
    """VmRSS, RssAnon, RssFile (kB) and Threads of the process."""
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "RssAnon", "RssFile", "Threads"):
            found[key] = int(value.split()[0])
    return found


def _largest_mappings(pid: int, top: int = 6) -> list[str]:
    """Where the resident memory is: the largest mappings by Rss (heap, files, anonymous)."""
    sizes: dict[str, int] = {}
    name = ""
    for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
        fields = line.split()
        if fields and "-" in fields[0] and len(fields) >= 5:
            name = fields[5] if len(fields) > 5 else "[anonymous]"
        elif fields and fields[0] == "Rss:":
            sizes[name] = sizes.get(name, 0) + int(fields[1])
    ranked = sorted(sizes.items(), key=lambda item: -item[1])[:top]
    return [f"{Path(n).name or n}={kb}" for n, kb in ranked]


def _fds(pid: int) -> int:
    return len(list(Path(f"/proc/{pid}/fd").iterdir()))


def _metric(port: int, prefix: str) -> float:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as answer:
            text = answer.read().decode()
    except OSError:
        return float("nan")
    return sum(
        float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(prefix)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--sources", type=int, default=200)
    parser.add_argument("--interval", default="10s", help="each source's schedule")
    args = parser.parse_args()
    warmup = min(180.0, args.minutes * 60 / 3)
    port = free_port()
    server = WebServer().start()
    try:
        _feeds(server, args.sources, args.minutes)
        with tempfile.TemporaryDirectory(prefix="newswatch-soak-") as folder:
            config = write_config(
                Path(folder),
                seeds={"import_on_start": False},
                logging={"level": "WARNING"},
                crawl={
                    "schedule": args.interval,
                    "adaptive": False,
                    "obey_robots_txt": False,
                    "autothrottle": False,
                },
                scheduler={"jitter_seconds": 2, "dispatch_interval": "10s", "http_port": port},
                sources=[
                    {"name": f"s{n}", "kind": "feed", "url": server.url(f"/s{n}.xml")}
                    for n in range(args.sources)
                ],
            )
            daemon = start_daemon(config, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            samples: list[tuple[float, int, int]] = []
            details: list[dict[str, int]] = []
            began = time.monotonic()
            try:
                while time.monotonic() - began < args.minutes * 60:
                    time.sleep(10)
                    elapsed = time.monotonic() - began
                    if daemon.poll() is not None:
                        raise SystemExit(f"the daemon ended (exit {daemon.returncode})")
                    status = _status(daemon.pid)
                    details.append(status)
                    samples.append((elapsed, status["VmRSS"], _fds(daemon.pid)))
                mappings = _largest_mappings(daemon.pid)
                polls = _metric(port, "newswatch_polls_total")
                articles = _metric(port, 'newswatch_articles_total{verdict="new"}')
            finally:
                daemon.terminate()
                daemon.wait(timeout=30)
    finally:
        server.stop()
    after = [s for s in samples if s[0] >= warmup]
    start_rss = after[0][1]
    end_rss = statistics.median(s[1] for s in after[-3:])
    growth = (end_rss - start_rss) / start_rss
    fds = [s[2] for s in after]
    print(
        f"soak: {args.sources} sources every {args.interval} for {args.minutes:g} min "
        f"(warm-up {warmup:.0f} s)"
    )
    print(f"  polls {polls:.0f}, new articles {articles:.0f}")
    print(
        f"  RSS after warm-up {start_rss / 1024:.1f} MB, at the end {end_rss / 1024:.1f} MB: "
        f"growth {growth:+.1%} ({'ok' if growth < 0.10 else 'OVER 10 %'})"
    )
    print(f"  open fds after warm-up: {min(fds)}..{max(fds)} (first {fds[0]}, last {fds[-1]})")
    print(
        "  samples (s, RSS MB, anonymous MB, file-backed MB, threads, fds): "
        + ", ".join(
            f"{t:.0f}/{r / 1024:.0f}/{d['RssAnon'] / 1024:.0f}/{d['RssFile'] / 1024:.0f}/"
            f"{d['Threads']}/{f}"
            for (t, r, f), d in zip(samples, details, strict=True)
        )
    )
    print("  largest mappings at the end (kB): " + ", ".join(mappings))


if __name__ == "__main__":
    main()
