"""Benchmark (issue 15): crawl speed with 1 and 2 workers, and per-article cost on PostgreSQL.

The site of bench/pipesite.py; each configuration is one `newswatch crawl` as a fresh process
over a fresh archive. Workers are tried only when the config accepts `[pipeline] workers`
(otherwise "n/a"). PostgreSQL is the `test` database on 127.0.0.1:5432, in a schema of its
own, dropped after; its per-article cost is set beside SQLite's, measured in the same run.

Run: `.venv/bin/python bench/pipeline_scaling.py [--variants N]` (or `make bench`).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Any

import pipesite

from tests.support.corpora import CorpusPage
from tests.support.webserver import serving


def _crawl(
    pages: list[CorpusPage], variants: int, folder: Path, **config: Any
) -> tuple[int, pipesite.Run]:
    # A fresh server each time: an archive that knows the pages would skip them.
    with serving() as server:
        site = pipesite.build_site(server, pages, variants)
        run = pipesite.crawl(pipesite.bench_config(folder, site.sources, **config))
        return pipesite.fetched_articles(server), run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", type=int, default=2, help="URL variants per page (1-5)")
    args = parser.parse_args()
    pages = pipesite.corpus_pages()
    if not pages:
        print("skipped: ../shared/corpora is not here (set NEWSWATCH_CORPORA)")
        return 0
    rows: list[tuple[str, str, str, str]] = []
    result: dict[str, Any] = {"variants": args.variants}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        runs: dict[str, tuple[int, pipesite.Run]] = {}
        if pipesite.workers_supported(folder):
            for workers in (1, 2):
                runs[f"sqlite, {workers} worker(s)"] = _crawl(
                    pages, args.variants, folder / f"w{workers}", workers=workers
                )
        else:
            result["workers"] = "n/a"
            runs["sqlite"] = _crawl(pages, args.variants, folder / "sqlite")
        with pipesite.postgres_schema() as url:
            if url is not None:
                runs["postgresql"] = _crawl(pages, args.variants, folder / "pg", database_url=url)
        base_name = next(iter(runs))
        base_fetched, base = runs[base_name]
        for name, (fetched, run) in runs.items():
            if run.returncode != 0:
                print(f"{name}: crawl failed\n{run.stderr_tail}")
                return 1
            rate = fetched / run.wall_s
            result[name] = {
                "fetched": fetched,
                "pages_per_s": rate,
                "run": run,
                "wall_ms_per_article": 1000 * run.wall_s / fetched,
                "cpu_ms_per_article": 1000 * run.cpu_s / fetched,
            }
            rows.append(
                (
                    f"{name} pages/s",
                    f"{rate:.1f}",
                    f"x{rate / (base_fetched / base.wall_s):.2f} of {base_name}",
                    "",
                )
            )
            rows.append(
                (
                    f"{name} ms/article",
                    f"{1000 * run.wall_s / fetched:.1f} wall, {1000 * run.cpu_s / fetched:.1f} CPU",
                    "",
                    "",
                )
            )
    if "workers" in result:
        rows.append(("workers", "n/a", "config has no [pipeline] workers", ""))
    path = pipesite.save("pipeline_scaling", result)
    print(f"{len(pages) * args.variants} article pages per crawl; results in {path}")
    pipesite.table(rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
