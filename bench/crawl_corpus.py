"""Benchmark: pages per second of one `newswatch crawl` over the real corpus pages.

The pages of ../shared/corpora are served, read in place, by a loopback HTTP server behind one
RSS feed; `newswatch crawl` runs as a user runs it (a fresh process, a SQLite file archive, the
shipped rules) and fetches, extracts, deduplicates, stores and evaluates every page. The
baseline, measured in the same run on the same pages, is bare trafilatura extraction in one
process: the ratio says how much of the extractor's own speed the whole pipeline keeps.

Run: `make bench` (or `.venv/bin/python bench/crawl_corpus.py`); `--workers 0,1,2` runs the
crawl once per `[pipeline] workers` count (default: the shipped default, one per core).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.configs import shipped_rules, shipped_vocabulary, write_config  # noqa: E402
from tests.support.corpora import corpora_dir, iter_aeb, iter_fundus  # noqa: E402
from tests.support.webserver import Reply, rss, serving  # noqa: E402


def _baseline(pages: list[bytes]) -> float:
    import trafilatura

    started = time.perf_counter()
    for html in pages:
        trafilatura.bare_extraction(html, with_metadata=True, include_comments=False)
    return len(pages) / (time.perf_counter() - started)


def _config(folder: Path, feed_url: str, workers: int | None) -> Path:
    rules = [{**rule, "channels": []} for rule in shipped_rules()]
    pipeline = {} if workers is None else {"pipeline": {"workers": workers}}
    return write_config(
        folder,
        logging={"level": "WARNING"},
        sources=[{"name": "corpus", "kind": "feed", "url": feed_url}],
        rules=rules,
        # The shipped rules name the shipped groups and entities.
        **shipped_vocabulary(),
        **pipeline,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", help="comma-separated [pipeline] workers counts to run")
    args = parser.parse_args()
    counts: list[int | None] = [int(n) for n in args.workers.split(",")] if args.workers else [None]
    if corpora_dir() is None:
        print("skipped: ../shared/corpora is not here (set NEWSWATCH_CORPORA)")
        return 0
    pages = [page.html for page in [*iter_aeb(), *iter_fundus()]]
    baseline = _baseline(pages)
    print(f"pages served: {len(pages)}")
    print(f"baseline (bare trafilatura, one process): {baseline:.1f} pages/s")
    failed = 0
    for workers in counts:
        failed += _crawl(pages, baseline, workers)
    return 1 if failed else 0


def _crawl(pages: list[bytes], baseline: float, workers: int | None) -> int:
    now = format_datetime(datetime.now(UTC))
    with serving() as server, tempfile.TemporaryDirectory() as tmp:
        entries = []
        for number, html in enumerate(pages):
            path = f"/page/{number}.html"
            server.route(path, Reply(200, html, {"Content-Type": "text/html; charset=utf-8"}))
            entries.append({"title": f"page {number}", "link": server.url(path), "pubDate": now})
        server.route("/feed.xml", Reply(200, rss(entries), {"Content-Type": "application/rss+xml"}))
        config = _config(Path(tmp), server.url("/feed.xml"), workers)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "newswatch", "--config", str(config), "crawl"],
            capture_output=True,
            text=True,
            env={**os.environ, "CI": "1"},
            check=False,
        )
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        fetched = sum(1 for p in server.requests() if p.startswith("/page/"))
    if done.returncode != 0:
        print(done.stderr[-3000:])
        return 1
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    summary = [line for line in done.stderr.splitlines() if line.startswith(("crawl:", "rules:"))]
    crawl_rate = fetched / wall
    label = "default" if workers is None else str(workers)
    print(f"[pipeline] workers = {label}: article pages fetched: {fetched}")
    print(
        f"  newswatch crawl (whole run incl. start-up): {crawl_rate:.1f} pages/s, "
        f"{wall:.1f} s wall, {cpu:.1f} s CPU"
    )
    print(f"  ratio crawl / baseline: {crawl_rate / baseline:.2f}")
    for line in summary:
        print("  " + line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
