"""Benchmark: the deduplication check per new article as the archive grows (10k/100k/1M).

The archive is generated from the real pages of ../shared/corpora (read in place): every
article is a mix of 8 to 16 sentences drawn from all pages, with its numbers perturbed, and
the archive grows at a steady intake (`--per-day`, 300 articles a day: 10k articles span a
month, 1M nine years), as a monitor's archive does. To make 1M buildable in minutes, an
archived article's sketch is composed from sentence sketches computed once (the union of
their shingles and fingerprint features; shingles across sentence borders are left out) and
only the articles that copies are made of keep their text; everything goes in by bulk
inserts. The measured checks run the real path: `Sketch.of` on the new text, then `assess`
against the archive (the index lookups and the comparisons with the candidates).

Reported per size: build time, the median of the check (lookup and comparisons) in wall
time and in this process's CPU time (steadier on a machine shared with other work), the
ratio of the CPU median to the smallest archive's (the baseline, measured in the same run),
the 90th percentile of the wall time, the median check of the same articles without a date
(looked up in every week), the sketch time (independent of the archive), the index's bytes
per article (`dedup_key`, `dedup_sketch` and `dedup_frequency`, from SQLite's dbstat) and
the share of copies found. The check includes looking up the new article's feature counts
(`dedup_frequency`), which the build fills as the store would.

Run: `make bench` (or `.venv/bin/python bench/dedup_cost.py [--sizes 10000,100000,1000000]`).
The 1M archive takes several minutes to build and about 1.5 GB of disk in a temporary folder.
"""

from __future__ import annotations

import argparse
import random
import re
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from db.config import DedupConfig  # noqa: E402
from db.dedup.fingerprint import Fingerprint, fingerprint  # noqa: E402
from db.dedup.minhash import Shingles, shingles, signature  # noqa: E402
from db.dedup.sketch import Sketch, day_number  # noqa: E402
from db.dedup.specificity import TOTAL  # noqa: E402
from db.dedup.verdict import assess  # noqa: E402
from db.engine import open_archive  # noqa: E402
from tests.support.corpora import corpora_dir, iter_aeb, iter_fundus  # noqa: E402

_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-ZÀ-ÖØ-Þ\"“„«])")
_NUMBER = re.compile(r"\d+")
START = datetime(2018, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Piece:
    text: str
    lang: str | None
    shingles: np.ndarray
    features: frozenset[str]
    names: tuple[str, ...]


def sentence_pool() -> list[Piece]:
    pieces = []
    for page in [*iter_fundus(), *iter_aeb()]:
        for sentence in _SENTENCE.split(page.expected_text.replace("\n", " ")):
            if len(sentence.split()) < 6:
                continue
            fp = fingerprint("", sentence, page.expected_lang)
            pieces.append(
                Piece(
                    sentence,
                    page.expected_lang,
                    shingles(sentence).hashes,
                    fp.features,
                    fp.names_by_count,
                )
            )
    return pieces


def _perturb(features: frozenset[str], rng: random.Random) -> frozenset[str]:
    return frozenset(
        f"q:{rng.randint(10, 99999)}" if f[0] == "q" and rng.random() < 0.5 else f for f in features
    )


def composed(pieces: list[Piece], day: int, rng: random.Random) -> Sketch:
    """An archived article's sketch from its sentences' sketches (see the module docstring).

    A third of each sentence's shingles are replaced by new ones, as if the
    sentence were reworded: sentences drawn from a pool of 15,000 would otherwise make the
    articles of a large archive near-duplicates of each other, which real archives are not.
    """
    generator = np_rng(rng)
    whole = np.concatenate([piece.shingles for piece in pieces])
    kept = whole[generator.random(whole.size) < 0.67]
    new = generator.integers(0, 2**63, size=whole.size // 3, dtype=np.uint64)
    hashes = np.unique(np.concatenate([kept, new]))
    counts: Counter[str] = Counter()
    for piece in pieces:
        counts.update(piece.names)
    features = _perturb(frozenset().union(*(p.features for p in pieces)), rng)
    names = tuple(sorted(counts, key=lambda f: -counts[f]))
    sh = Shingles(hashes)
    return Sketch(sh, signature(sh), Fingerprint(features, names), day)


def np_rng(rng: random.Random) -> np.random.Generator:
    return np.random.default_rng(rng.getrandbits(32))


def text_of(pieces: list[Piece], rng: random.Random) -> str:
    body = " ".join(p.text for p in pieces)
    return _NUMBER.sub(
        lambda m: str(rng.randint(10, 99999)) if rng.random() < 0.5 else m.group(0), body
    )


class Archive:
    def __init__(self, folder: Path, pool: list[Piece], per_day: int, seed: int = 4) -> None:
        self.path = folder / "archive.db"
        self.engine = open_archive(f"sqlite:///{self.path}")
        self.pool = pool
        self.per_day = per_day
        self.rng = random.Random(seed)
        self.count = 0
        self.sources: list[tuple[int, str, str | None, int]] = []  # copies are made of these
        self.build_seconds = 0.0
        # Feature counts (dedup_frequency), kept here during the build and written after it.
        self.df: Counter[int] = Counter()

    def _pieces(self, rng: random.Random) -> list[Piece]:
        return rng.sample(self.pool, rng.randint(8, 16))

    def grow(self, size: int, batch: int = 20000) -> None:
        started = time.perf_counter()
        connection = sqlite3.connect(self.path)
        connection.execute("PRAGMA synchronous=OFF")
        connection.execute("PRAGMA cache_size=-400000")  # 400 MB: the build is bulk work
        while self.count < size:
            articles: list[tuple[object, ...]] = []
            keys: list[tuple[int, int]] = []
            sketches: list[tuple[int, bytes]] = []
            for _ in range(min(batch, size - self.count)):
                self.count += 1
                article_id = self.count
                day = day_number(START) + article_id // self.per_day
                pieces = self._pieces(self.rng)
                moment = START + timedelta(days=day - day_number(START))
                text = ""
                if article_id % 997 == 0:
                    # About a thousand articles at 1M keep their text, sketched the real way:
                    # the copies measured below are made of them.
                    text = text_of(pieces, self.rng)
                    sketch = Sketch.of(f"Article {article_id}", text, pieces[0].lang, moment)
                    self.sources.append((article_id, text, pieces[0].lang, day))
                else:
                    sketch = composed(pieces, day, self.rng)
                # Weighed as the store weighs it: by the counts of the articles before it.
                sketch.specific(self.df, self.count - 1)
                self.df.update(sketch.frequency_keys())
                published = moment.isoformat(" ")
                articles.append(
                    (
                        article_id,
                        f"https://bench.example/{article_id}",
                        f"Article {article_id}",
                        text,
                        pieces[0].lang,
                        published[:19],
                        f"{article_id:064x}",
                        0,
                        published[:19],
                        article_id,
                    )
                )
                keys.extend((key, article_id) for key in sketch.index_keys())
                sketches.append((article_id, sketch.encode()))
            keys.sort()
            with connection:
                connection.executemany(
                    "INSERT INTO article (id, url, title, text, lang, published, text_hash, "
                    "relevant, created_at, story_id) VALUES (?,?,?,?,?,?,?,?,?,?)",
                    articles,
                )
                connection.executemany(
                    "INSERT OR IGNORE INTO dedup_key (key, article_id) VALUES (?, ?)", keys
                )
                connection.executemany(
                    "INSERT INTO dedup_sketch (article_id, data) VALUES (?, ?)", sketches
                )
        with connection:
            connection.execute("DELETE FROM dedup_frequency")
            connection.executemany(
                "INSERT INTO dedup_frequency (key, articles) VALUES (?, ?)",
                [*self.df.items(), (TOTAL, self.count)],
            )
        connection.close()
        self.build_seconds += time.perf_counter() - started

    def index_bytes(self) -> int:
        connection = sqlite3.connect(self.path)
        try:
            rows = connection.execute(
                "SELECT sum(pgsize) FROM dbstat WHERE name IN "
                "('dedup_key', 'dedup_sketch', 'dedup_frequency') "
                "OR name LIKE 'sqlite_autoindex_dedup%'"
            ).fetchone()
            return int(rows[0] or 0)
        finally:
            connection.close()


@dataclass
class Measure:
    size: int
    build_seconds: float
    check_ms: list[float]
    check_cpu_ms: list[float]
    undated_ms: list[float]
    sketch_ms: list[float]
    index_bytes: int
    copies_found: float


def measure(archive: Archive, queries: int, config: DedupConfig) -> Measure:
    from sqlmodel import Session

    rng = random.Random(archive.count)
    last_day = day_number(START) + archive.count // archive.per_day
    check_ms: list[float] = []
    check_cpu_ms: list[float] = []
    undated_ms: list[float] = []
    sketch_ms: list[float] = []
    found = copies = 0
    with Session(archive.engine) as session:
        for number in range(queries):
            if number % 3 == 2 and archive.sources:
                article_id, text, lang, day = rng.choice(archive.sources)
                parts = text.split(". ")
                body, when, target = (
                    ". ".join(parts[: max(3, len(parts) * 2 // 3)]),
                    day,
                    article_id,
                )
            else:
                pieces = archive._pieces(rng)
                body, lang, when, target = text_of(pieces, rng), pieces[0].lang, last_day, None
            moment = START + timedelta(days=when - day_number(START))
            t0 = time.perf_counter()
            sketch = Sketch.of("A new article", body, lang, moment)
            t1, c1 = time.perf_counter(), time.process_time()
            verdict = assess(session, sketch, config)
            t2, c2 = time.perf_counter(), time.process_time()
            sketch_ms.append((t1 - t0) * 1000)
            check_ms.append((t2 - t1) * 1000)
            check_cpu_ms.append((c2 - c1) * 1000)
            if number % 4 == 0:
                # The same article as a page that gives no date: looked up in every week.
                undated = replace(sketch, dated=False)
                t3 = time.perf_counter()
                assess(session, undated, config)
                undated_ms.append((time.perf_counter() - t3) * 1000)
            if target is not None:
                copies += 1
                found += verdict.duplicate_of == target
    return Measure(
        archive.count,
        archive.build_seconds,
        check_ms,
        check_cpu_ms,
        undated_ms,
        sketch_ms,
        archive.index_bytes(),
        found / copies if copies else 1.0,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--per-day", type=int, default=300)
    args = parser.parse_args()
    if corpora_dir() is None:
        sys.exit("bench/dedup_cost.py: ../shared/corpora is not here (set NEWSWATCH_CORPORA)")
    sizes = [int(size) for size in args.sizes.split(",")]
    t0 = time.perf_counter()
    pool = sentence_pool()
    print(
        f"sentence pool: {len(pool)} sentences from the corpora in {time.perf_counter() - t0:.1f} s"
    )
    config = DedupConfig()
    results: list[Measure] = []
    with tempfile.TemporaryDirectory(prefix="nw-dedup-bench-") as folder:
        archive = Archive(Path(folder), pool, args.per_day)
        for size in sizes:
            archive.grow(size)
            result = measure(archive, args.queries, config)
            results.append(result)
            base = statistics.median(results[0].check_cpu_ms)
            cpu = statistics.median(result.check_cpu_ms)
            print(
                f"{result.size:>9,} articles  built in {result.build_seconds:7.1f} s  "
                f"check median {statistics.median(result.check_ms):6.2f} ms wall, "
                f"{cpu:6.2f} ms CPU (x{cpu / base:4.2f} of {results[0].size:,}), "
                f"p90 {np.percentile(result.check_ms, 90):6.2f} ms wall  "
                f"undated {statistics.median(result.undated_ms):6.2f} ms  "
                f"sketch {statistics.median(result.sketch_ms):5.2f} ms  "
                f"index {result.index_bytes / result.size:4.0f} B/article  "
                f"copies found {result.copies_found:.3f}",
                flush=True,
            )
        archive.engine.dispose()


if __name__ == "__main__":
    main()
