"""Benchmark: the cost of polling 1,000 feed sources whose feeds did not change.

A loopback server (in its own process, so its CPU is not counted) serves 1,000 small feeds
that answer 304 to the right ETag. One pass polls every source to learn the validators; the
measured passes poll them all again the way the daemon does (every poll on the worker's one
long-lived Scrapy crawler). Reported: requests per unchanged source and CPU ms per source. The
baseline, measured in the same run, is a bare loop of conditional GETs with urllib: the ratio
says how much the crawl machinery costs over the HTTP exchange itself.

Run: `make bench` (or `.venv/bin/python bench/poll_cost.py [--sources N]`).
"""

from __future__ import annotations

import argparse
import cProfile
import multiprocessing
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ETAG = '"v1"'


def _serve(count: int, port_out: Any, stop: Any, counter: Any) -> None:
    from http.server import BaseHTTPRequestHandler

    from tests.support.webserver import Reply, WebServer, rss

    server = WebServer()
    # One old entry: a quiet feed whose only item is past max_age_days, so nothing is fetched.
    old = {
        "title": "old",
        "link": "http://127.0.0.1:9/old.html",
        "pubDate": "Mon, 06 Jan 2020 10:00:00 GMT",
    }
    feed = rss([old], title="quiet feed")

    def route(handler: BaseHTTPRequestHandler) -> Reply:
        with counter.get_lock():
            counter.value += 1
        if handler.headers.get("If-None-Match") == ETAG:
            return Reply(304, b"", {"ETag": ETAG})
        return Reply(200, feed, {"Content-Type": "application/rss+xml", "ETag": ETAG})

    for number in range(count):
        server.route(f"/feed/{number}.xml", route)
    server.route("/robots.txt", Reply(404, b""))
    server.start()
    port_out.put(int(server.base.rsplit(":", 1)[1]))
    stop.wait()
    server.stop()


def _baseline(base: str, count: int) -> float:
    """CPU seconds per conditional GET with a bare urllib loop."""
    started = time.process_time()
    for number in range(count):
        request = urllib.request.Request(
            f"{base}/feed/{number}.xml", headers={"If-None-Match": ETAG}
        )
        try:
            urllib.request.urlopen(request, timeout=10).read()
        except urllib.error.HTTPError as exc:
            assert exc.code == 304
    return (time.process_time() - started) / count


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sources", type=int, default=1000)
    parser.add_argument("--passes", type=int, default=3, help="measured passes (median shown)")
    parser.add_argument("--profile", metavar="FILE", help="write a cProfile of the last pass")
    args = parser.parse_args()
    count = args.sources

    from alerts.delivery.config import AlertsConfig
    from alerts.rules.ruleset import RuleSet
    from db.engine import open_archive
    from db.store import sync_sources
    from newswatch.logs import setup_logging
    from scheduler.reactor import run_until_complete
    from scheduler.service import Service
    from spiders.config import CrawlConfig, SourceConfig

    setup_logging("ERROR")
    ports: Any = multiprocessing.Queue()
    stop = multiprocessing.Event()
    counter = multiprocessing.Value("i", 0)
    server = multiprocessing.Process(target=_serve, args=(count, ports, stop, counter))
    server.start()
    try:
        base = f"http://127.0.0.1:{ports.get(timeout=30)}"
        baseline = _baseline(base, min(count, 1000))
        crawl = CrawlConfig(autothrottle_start_delay_seconds=0.0)
        sources = [
            SourceConfig(name=f"s{n}", kind="feed", url=f"{base}/feed/{n}.xml")
            for n in range(count)
        ]
        with tempfile.TemporaryDirectory() as tmp:
            archive = open_archive(f"sqlite:///{tmp}/poll.db")
            sync_sources(archive, [(s.name, s.kind, s.url) for s in sources])
            service = Service(archive, crawl, sources, RuleSet([]), AlertsConfig())
            names = [s.name for s in sources]

            async def measured_passes() -> list[tuple[float, float, int]]:
                await service.run_pass(names)  # learns the ETags
                results = []
                for _ in range(args.passes):
                    with counter.get_lock():
                        counter.value = 0
                    profile = cProfile.Profile() if args.profile else None
                    cpu, wall = time.process_time(), time.perf_counter()
                    if profile is not None:
                        profile.enable()
                    report = await service.run_pass(names)
                    if profile is not None:
                        profile.disable()
                        profile.dump_stats(args.profile)
                    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
                    assert not report.failed_sources, report.failed_sources[:3]
                    assert all(o.not_modified for o in report.outcomes)
                    results.append((cpu, wall, counter.value))
                return results

            # The median pass: other work on a shared machine disturbs single passes.
            passes = sorted(run_until_complete(measured_passes))
            cpu, wall, requests = passes[len(passes) // 2]
            archive.dispose()
    finally:
        stop.set()
        server.join(timeout=10)
    per_source = cpu / count
    print(f"sources: {count}, all unchanged (304); median of {len(passes)} passes")
    print(
        "CPU ms per source in each pass: "
        + ", ".join(f"{c / count * 1000:.2f}" for c, _, _ in passes)
    )
    print(f"requests in the measured pass: {requests} ({requests / count:.2f} per source)")
    print(
        f"CPU per full poll cycle: {cpu:.2f} s ({per_source * 1000:.2f} ms per source), "
        f"wall {wall:.2f} s"
    )
    print(f"baseline (bare urllib conditional GET): {baseline * 1000:.3f} ms CPU per request")
    print(f"ratio newswatch / baseline: {per_source / baseline:.1f}")
    print(
        f"goal: 1 request and <= 1 ms CPU per unchanged source: "
        f"{'met' if requests == count and per_source <= 0.001 else 'not met'}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
