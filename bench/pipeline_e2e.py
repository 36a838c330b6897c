"""Benchmark (issue 15): `newswatch crawl` end to end over 2,000+ real pages, and its memory.

A loopback site (bench/pipesite.py) serves the corpus pages under five URL variants each behind
four feeds and a news sitemap; `newswatch crawl` fetches, extracts, deduplicates, evaluates the
shipped rules and stores every page, as a fresh process with a generated config.toml. The
baseline, measured in the same run: trafilatura alone over the same HTML in this one process.
Memory: the peak RSS of every process of the crawl's tree (crawler and workers), from /proc.

Run: `.venv/bin/python bench/pipeline_e2e.py [--variants N]` (or `make bench`).
Goals: ratio >= 1.3; peak RSS < 300 MB per process and < 600 MB in all; loop lag p99 < 50 ms.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import pipesite

from tests.support.webserver import serving


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", type=int, default=5, help="URL variants per page (1-5)")
    args = parser.parse_args()
    pages = pipesite.corpus_pages()
    if not pages:
        print("skipped: ../shared/corpora is not here (set NEWSWATCH_CORPORA)")
        return 0
    with serving() as server, tempfile.TemporaryDirectory() as tmp:
        site = pipesite.build_site(server, pages, args.variants)
        workers = pipesite.workers_supported(Path(tmp))
        # Each distinct page once: the variants repeat the same HTML, so the rate is the same.
        html = [page.html for page in pages]
        baseline = pipesite.trafilatura_rate(html)
        run = pipesite.crawl(pipesite.bench_config(Path(tmp) / "crawl", site.sources))
        fetched = pipesite.fetched_articles(server)
    if run.returncode != 0:
        print(run.stderr_tail)
        return 1
    rate = fetched / run.wall_s
    lag = run.loop_lag_ms
    result = {
        "article_pages": len(site.article_paths),
        "fetched": fetched,
        "workers": "default" if workers else "n/a",
        "baseline_pages_per_s": baseline,
        "crawl_pages_per_s": rate,
        "ratio": rate / baseline,
        "crawl": run,
    }
    path = pipesite.save("pipeline_e2e", result)
    print(
        f"{len(site.article_paths)} article pages served, {fetched} fetched; "
        f"workers: {'shipped default' if workers else 'n/a'}; results in {path}"
    )
    pipesite.table(
        [
            ("crawl pages/s", f"{rate:.1f}", f"trafilatura alone {baseline:.1f}", ""),
            ("ratio", f"{rate / baseline:.2f}", "", ">= 1.3"),
            ("wall / CPU s", f"{run.wall_s:.1f} / {run.cpu_s:.1f}", "", ""),
            (
                "peak RSS max MB",
                f"{run.rss_max_mb:.0f}",
                f"{len(run.peak_rss_mb)} processes",
                "< 300",
            ),
            ("peak RSS sum MB", f"{run.rss_total_mb:.0f}", "", "< 600"),
            ("loop lag p99 ms", f"{lag['p99']:.1f}" if lag else "n/a (not reported)", "", "< 50"),
        ]
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
