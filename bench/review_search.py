"""Benchmark: time to the first page of the review UI's search, and the inbox page.

An archive of generated articles (100,000 by default) is written by bulk inserts: texts of
120 words drawn from a synthetic vocabulary in four languages, with topic words at fixed rates
(a drone word in 6% of articles, a China word in 10%, the phrase "machine tools" in 3%), ten
sources, stories of one to four articles, matches of the `drones` rule, watchlisted entities
and alerts for a share of them, as evaluation would have left them. The UI is then served by
uvicorn on 127.0.0.1 and each page is fetched over HTTP, as a browser would: the query runs
(FTS5 candidates on SQLite, the compiled query decides), the facets are counted over every
article found, and the first page of 20 stories is rendered.

Reported per page: the median and 95th percentile of 15 fetches (after one warm-up), cold
(the UI's cache of recent results cleared first: a new search) and warm (the same query again:
paging, choosing a facet, exporting the view), the articles found, and the ratio of the cold
median to a bare FTS5 query for the same words measured in the same run (the baseline: what
the archive's index alone costs).

Run: `.venv/bin/python bench/review_search.py [--articles 100000] [--runs 15] [--url URL]`
(default: a SQLite file in a temporary folder; a PostgreSQL URL needs an empty database or
schema; PostgreSQL has no FTS5 prefilter, so every article is read).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import uvicorn
from sqlalchemy import Engine, insert, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from db.engine import open_archive
from db.models import Alert, Article, ArticleEntity, Match, Source
from newswatch.config import AppConfig, parse_config
from newswatch.web.app import build_app
from newswatch.web.searching import RECENT

LANGS = ("en", "de", "fr", "ru")
TOPIC = {
    "en": ("drone", "China", "machine tools"),
    "de": ("Drohne", "China", "machine tools"),
    "fr": ("drone", "Chine", "machine tools"),
    "ru": ("дрон", "Китай", "machine tools"),
}
QUERIES = [
    ("no query (newest)", "", None),
    ("a word", "Kupol", None),
    ("a prefix word", "drone*", None),
    ("a phrase", '"machine tools"', None),
    ("a group with NEAR", "@drones NEAR/10 @china", None),
    ("a facet filter", "@drones", "lang=de"),
]
RUNS = 15


def _vocabulary(rng: random.Random) -> dict[str, list[str]]:
    letters = {"en": "abcdefghiklmnoprstuw", "de": "abdeghiklmnorstuzä", "fr": "abcdeilmnoprsté",
               "ru": "абвгдеиклмнопрст"}  # fmt: skip
    return {
        lang: ["".join(rng.choice(chars) for _ in range(rng.randint(3, 9))) for _ in range(3000)]
        for lang, chars in letters.items()
    }


def _text(rng: random.Random, words: list[str], lang: str) -> str:
    body = rng.choices(words, k=120)
    drone, china, tools = TOPIC[lang]
    if rng.random() < 0.06:
        body[rng.randrange(120)] = drone
    if rng.random() < 0.10:
        body[rng.randrange(120)] = china
    if rng.random() < 0.03:
        body[rng.randrange(119)] = tools
    if rng.random() < 0.005:
        body[rng.randrange(120)] = "Kupol"
    return " ".join(body) + "."


def build(engine: Engine, articles: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    vocabulary = _vocabulary(rng)
    start = datetime(2026, 9, 1, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(
            insert(Source),
            [
                {
                    "id": n + 1,
                    "name": f"source-{n}",
                    "kind": "feed",
                    "url": f"https://s{n}.example/",
                }
                for n in range(10)
            ],
        )
    batch: list[dict[str, object]] = []
    matches: list[dict[str, object]] = []
    entities: list[dict[str, object]] = []
    alerts: list[dict[str, object]] = []
    story = 1
    for n in range(1, articles + 1):
        lang = LANGS[n % 4]
        body = _text(rng, vocabulary[lang], lang)
        if rng.random() < 0.6:
            story = n  # most articles start a story; the rest join the one before
        published = start + timedelta(minutes=n * 90 * 24 * 60 // articles)
        drone = TOPIC[lang][0] in body
        batch.append(
            {
                "id": n, "url": f"https://s{n % 10}.example/a/{n}", "source_id": n % 10 + 1,
                "title": " ".join(body.split()[:8]), "text": body, "lang": lang,
                "published": published.replace(tzinfo=None), "text_hash": f"{n:032x}",
                "story_id": story, "relevant": drone, "created_at": published.replace(tzinfo=None),
                "evaluated_at": published.replace(tzinfo=None),
                "duplicate_of": story if story != n and rng.random() < 0.5 else None,
            }
        )  # fmt: skip
        if drone:
            matches.append(
                {"id": n, "article_id": n, "rule": "drones", "terms": [], "snippet": "",
                 "created_at": published.replace(tzinfo=None)}
            )  # fmt: skip
            if story == n:
                alerts.append(
                    {"match_id": n, "article_id": n, "rule": "drones", "severity": "high",
                     "kind": "new", "rules": [{"rule": "drones", "severity": "high"}],
                     "created_at": published.replace(tzinfo=None)}
                )  # fmt: skip
        if rng.random() < 0.05:
            name = rng.choice(["Spacety", "Kupol", "Xiamen Limbach"])
            entities.append(
                {"article_id": n, "entity": name, "kind": "company", "mentions": 1, "hits": []}
            )
        if len(batch) == 5000 or n == articles:
            with engine.begin() as conn:
                conn.execute(insert(Article), batch)
                if matches:
                    conn.execute(insert(Match), matches)
                if entities:
                    conn.execute(insert(ArticleEntity), entities)
                if alerts:
                    conn.execute(insert(Alert), alerts)
            batch, matches, entities, alerts = [], [], [], []


def _config(folder: Path, url: str) -> AppConfig:
    raw = {
        "database": {"url": url},
        "groups": {"drones": ["drone*", "Drohne*", "дрон*"], "china": ["China", "Chine", "Китай"]},
        "rules": [{"name": "drones", "query": "@drones", "severity": "high"}],
    }
    return parse_config(raw, folder / "config.toml")


def _fts_baseline(engine: Engine, words: str) -> float:
    if engine.dialect.name != "sqlite":
        return float("nan")
    sql = text(
        "SELECT rowid FROM article_fts WHERE article_fts MATCH :q ORDER BY bm25(article_fts)"
    )
    times = []
    with engine.connect() as conn:
        for _ in range(RUNS):
            began = time.perf_counter()
            conn.execute(sql, {"q": words}).fetchall()
            times.append(time.perf_counter() - began)
    return statistics.median(times)


def _stats(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    return statistics.median(ordered), ordered[round(0.95 * (len(ordered) - 1))]


def _fetch(url: str) -> float:
    began = time.perf_counter()
    with urllib.request.urlopen(url, timeout=600) as response:
        response.read()
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--url", default=None, help="archive URL (default: a temporary SQLite)")
    parser.add_argument("--runs", type=int, default=RUNS, help="fetches per page and mode")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        config = _config(folder, args.url or f"sqlite:///{folder / 'bench.db'}")
        engine = open_archive(config.database.url)
        began = time.perf_counter()
        build(engine, args.articles)
        print(f"{engine.dialect.name}: {args.articles} articles built in "
              f"{time.perf_counter() - began:.0f} s")  # fmt: skip
        server = uvicorn.Server(
            uvicorn.Config(build_app(engine, config, None), host="127.0.0.1", port=0,
                           log_level="warning", lifespan="off")
        )  # fmt: skip
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        port = server.servers[0].sockets[0].getsockname()[1]
        base = f"http://127.0.0.1:{port}"
        print(
            f"{'page':<22} {'cold median':>11} {'cold p95':>9} {'warm median':>11} "
            f"{'warm p95':>9} {'found':>6} {'cold × FTS5':>11}  (ms)"
        )
        pages = [
            (name, f"/search?q={urllib.parse.quote(q)}" + (f"&{facet}" if facet else ""), q)
            for name, q, facet in QUERIES
        ] + [("inbox", "/", None)]
        for name, path, query in pages:
            _fetch(base + path)
            cold = []
            for _ in range(args.runs):
                RECENT.clear()  # the query is evaluated again, as for a new search
                cold.append(_fetch(base + path))
            warm = [_fetch(base + path) for _ in range(args.runs)]  # paging, a facet, an export
            median, p95 = _stats(cold)
            warm_median, warm_p95 = _stats(warm)
            with urllib.request.urlopen(base + path) as response:
                page = response.read().decode()
            found = page.split('id="hit-count">')[1].split(" ")[0] if "hit-count" in page else "-"
            words = (query or "").replace("@drones", "drone*").replace("@china", "China")
            words = words.replace("NEAR/10", "AND")
            baseline = _fts_baseline(engine, words) if words else float("nan")
            ratio = (
                f"{median / baseline:11.0f}" if baseline == baseline and baseline else "-".rjust(11)
            )
            print(
                f"{name:<22} {median * 1000:11.0f} {p95 * 1000:9.0f} {warm_median * 1000:11.0f} "
                f"{warm_p95 * 1000:9.0f} {found:>6} {ratio}"
            )
        server.should_exit = True
        thread.join(10)
        engine.dispose()


if __name__ == "__main__":
    main()
