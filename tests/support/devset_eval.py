"""The development set (tests/data/devset/dedup.jsonl) through the deduplicator, row by row.

The seeds are imported into a fresh archive, then every record is stored in file order
(as a crawl would bring them), and each verdict is compared with the labels:

- a copy (`dup_kind` "translation": translations, wire copies, source-language originals
  and the pages made of them) must be stored as a duplicate whose root is the root of its
  label chain (the seed, for a copy of a copy of a seed);
- a report of the same event (`dup_kind` "same-story") must be in that root's story;
- a new development must never be a duplicate of a seed (it may join the story);
- any other article (unrelated, near-miss) must be linked to nothing but what its labels say.

Run `.venv/bin/python -m tests.support.devset_eval` to print the table and the misses.
"""

from __future__ import annotations

import json
import sys
import tempfile
import tomllib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, select

from db.config import DedupConfig
from db.draft import ArticleDraft
from db.engine import open_archive
from db.models import Article
from db.seeds import import_seeds
from db.store import dry_run, store_article

ROOT = Path(__file__).resolve().parents[2]
DEVSET = ROOT / "tests" / "data" / "devset" / "dedup.jsonl"
SEEDS_DIR = ROOT / "seeds"

SHIPPED_CONFIG = ROOT / "config.toml"

_FIELDS = ("id", "url", "title", "lang", "date", "text", "relevant", "duplicate_of", "dup_kind")


@dataclass(frozen=True)
class Record:
    id: str
    url: str
    title: str
    lang: str
    date: str | None
    text: str
    relevant: bool
    duplicate_of: str | None
    dup_kind: str | None
    kind: str

    def draft(self) -> ArticleDraft:
        published, precision = None, "day"
        if self.date is not None and len(self.date) == 7:
            published, precision = datetime.fromisoformat(f"{self.date}-01"), "month"
        elif self.date is not None:
            published = datetime.fromisoformat(self.date)
        if published is not None:
            published = published.replace(tzinfo=UTC)
        return ArticleDraft(
            url=self.url,
            title=self.title,
            text=self.text,
            published=published,
            lang=self.lang,
            date_precision=precision,
        )


def load_records(path: Path = DEVSET) -> list[Record]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return parse_records([json.loads(line) for line in lines], str(path))


def parse_records(raws: list[dict[str, Any]], where: str = "records") -> list[Record]:
    records = []
    for number, raw in enumerate(raws, start=1):
        path = where
        missing = [key for key in (*_FIELDS, "kind") if key not in raw]
        if missing:
            raise ValueError(f"{path}:{number}: missing {', '.join(missing)}")
        records.append(Record(**{key: raw[key] for key in (*_FIELDS, "kind")}))
    return records


@dataclass
class Result:
    record: Record
    article_id: int
    root: int  # the stored duplicate_of, or the article itself
    story: int
    method: str | None
    expected_root: int | None  # the article its label chain ends at (None: unlabelled)
    expected_story: int | None
    seed_root: bool  # the label chain ends at a seed
    chain_roots: frozenset[int] = frozenset()  # stored roots of the texts its labels name
    root_kind: str | None = None  # the kind of the text its label chain ends at
    reason: str = ""

    @property
    def duplicate(self) -> bool:
        return self.root != self.article_id

    @property
    def hit(self) -> bool:
        if self.record.dup_kind == "translation":
            return self.root == self.expected_root
        if self.record.dup_kind == "same-story":
            return self.story == self.expected_story
        return False


@dataclass
class DevReport:
    results: list[Result] = field(default_factory=list)
    seeds: frozenset[int] = frozenset()

    def seed_copies(self) -> list[Result]:
        return [r for r in self.results if r.record.dup_kind == "translation" and r.seed_root]

    def seed_same_event(self) -> list[Result]:
        return [r for r in self.results if r.record.dup_kind == "same-story" and r.seed_root]

    def other_copies(self) -> list[Result]:
        return [
            r
            for r in self.results
            if r.record.dup_kind == "translation"
            and not r.seed_root
            and r.record.kind not in {"unrelated", "near-miss"}
        ]

    def new_developments(self) -> list[Result]:
        return [r for r in self.results if r.record.kind == "new-development"]

    def new_development_pages(self) -> list[Result]:
        """New developments and the pages made of them (copies of a new development)."""
        return [
            r
            for r in self.results
            if r.record.kind == "new-development" or r.root_kind == "new-development"
        ]

    def others(self) -> list[Result]:
        """Articles that are neither a copy nor a report of a seed's event."""
        return [r for r in self.results if not r.seed_root]

    def seed_duplicate(self, result: Result) -> bool:
        return result.duplicate and result.root in self.seeds

    def false_link(self, result: Result) -> bool:
        """Linked where its labels do not say: a duplicate of another root, or in a story
        that is not its label's (a new development may join any story)."""
        linked = result.duplicate or result.story != result.article_id
        if result.record.dup_kind == "same-story":
            return linked and result.story != result.expected_story
        wrong_root = result.duplicate and result.root not in result.chain_roots | {
            result.expected_root
        }
        if result.record.kind == "new-development":
            return wrong_root
        expected_story = result.expected_story or result.article_id
        return wrong_root or (linked and result.story != expected_story)

    def rows(self) -> list[tuple[str, int, int]]:
        copies = self.seed_copies()
        same = self.seed_same_event()
        new = self.new_developments()
        others = self.others()
        own = self.other_copies()
        return [
            ("copies of a seed linked to it", sum(r.hit for r in copies), len(copies)),
            ("same-event reports in the seed's story", sum(r.hit for r in same), len(same)),
            (
                "new developments marked duplicate of a seed",
                sum(self.seed_duplicate(r) for r in new),
                len(new),
            ),
            (
                "new developments and copies of them dup of a seed",
                sum(self.seed_duplicate(r) for r in self.new_development_pages()),
                len(self.new_development_pages()),
            ),
            (
                "new developments that joined a seed story",
                sum(r.story in self.seeds for r in new),
                len(new),
            ),
            (
                "false links among other articles",
                sum(self.false_link(r) for r in others),
                len(others),
            ),
            ("copies of other articles linked", sum(r.hit for r in own), len(own)),
        ]

    def by(self, results: list[Result], key: str) -> dict[str, tuple[int, int]]:
        groups: dict[str, list[Result]] = defaultdict(list)
        for result in results:
            value = (
                result.record.id.split("~")[1]
                if key == "variant" and "~" in result.record.id
                else ("written" if key == "variant" else str(getattr(result.record, key)))
            )
            groups[value].append(result)
        return {k: (sum(r.hit for r in v), len(v)) for k, v in sorted(groups.items())}

    def misses(self) -> list[Result]:
        wrong = [r for r in self.seed_copies() + self.seed_same_event() if not r.hit]
        wrong += [r for r in self.new_developments() if self.seed_duplicate(r)]
        wrong += [r for r in self.others() if self.false_link(r) and r not in wrong]
        return wrong

    def table(self) -> str:
        lines = []
        for name, count, total in self.rows():
            share = count / total if total else 0.0
            lines.append(f"{name:<50} {count:>4} / {total:<4} {share:.3f}")
        for label, results in (
            ("copies", self.seed_copies()),
            ("same-event", self.seed_same_event()),
        ):
            for key in ("lang", "kind", "variant"):
                parts = ", ".join(f"{k} {h}/{n}" for k, (h, n) in self.by(results, key).items())
                lines.append(f"  {label} by {key}: {parts}")
        return "\n".join(lines)


def _resolve(
    record: Record, by_id: dict[str, Record], seeds: dict[str, int]
) -> tuple[str | None, bool]:
    """The id (or seed stem) the record's label chain ends at, and whether it is a seed."""
    label = record.duplicate_of
    while label is not None:
        if label in seeds:
            return label, True
        target = by_id[label]
        if target.duplicate_of is None:
            return label, False
        label = target.duplicate_of
    return None, False


def shipped_dedup(path: Path = SHIPPED_CONFIG) -> DedupConfig:
    """The `[dedup]` section of the shipped config.toml: thresholds and the topic's names."""
    return DedupConfig.model_validate(tomllib.loads(path.read_text(encoding="utf-8"))["dedup"])


def evaluate_devset(
    engine: Engine,
    config: DedupConfig | None = None,
    path: Path = DEVSET,
    stream: bool = False,
    seeds_dir: Path = SEEDS_DIR,
    records: list[Record] | None = None,
) -> DevReport:
    """The verdict on every record.

    By default (as the held-out articles are judged) each page about a seed's event is judged
    alone: the archive holds the seeds and every other record (new developments, unrelated
    articles, near-misses, our own stories, stored in file order), and each page about a seed
    is checked against it without being stored, so no sibling page helps it. With `stream`,
    every record is stored in file order, as a crawl brings them: copies of copies form
    chains whose root must still be the seed.
    """
    config = config or shipped_dedup()
    import_seeds(engine, seeds_dir, dedup=config)
    with Session(engine) as session:
        seeds = {str(a.seed): int(a.id or 0) for a in session.exec(select(Article)) if a.seed}
    records = records if records is not None else load_records(path)
    by_id = {r.id: r for r in records}
    resolved = {r.id: _resolve(r, by_id, seeds) for r in records}
    stored: dict[str, tuple[int, int, int]] = {}  # id -> (article, root, story)
    report = DevReport(seeds=frozenset(seeds.values()))
    later = [r for r in records if resolved[r.id][1]] if not stream else []
    for record in records:
        if record in later:
            continue
        result = store_article(engine, record.draft(), config)
        root = result.duplicate_of or result.article_id
        stored[record.id] = (result.article_id, root, result.story_id or result.article_id)
        report.results.append(
            _result(record, stored[record.id], result.dup_method, resolved, seeds, stored, by_id)
        )
    for record in later:
        run = dry_run(engine, record.draft(), config)
        verdict = run.verdict
        root = run.same_text or verdict.duplicate_of or 0
        story = verdict.story_id or 0
        method = "text-hash" if run.same_text else verdict.method
        item = _result(record, (0, root, story), method, resolved, seeds, stored, by_id)
        if verdict.best is not None:
            item.reason = verdict.best.reason(config)
        report.results.append(item)
    return report


def _result(
    record: Record,
    outcome: tuple[int, int, int],
    method: str | None,
    resolved: dict[str, tuple[str | None, bool]],
    seeds: dict[str, int],
    stored: dict[str, tuple[int, int, int]],
    by_id: dict[str, Record],
) -> Result:
    article, root, story = outcome
    chain: set[int] = set()
    label_id = record.duplicate_of
    while label_id is not None and label_id in stored:
        chain.add(stored[label_id][1])
        label_id = by_id[label_id].duplicate_of
    label, seed_root = resolved[record.id]
    expected: int | None = None
    expected_story: int | None = None
    if label is not None:
        expected = seeds[label] if seed_root else stored[label][0]
        expected_story = expected if seed_root else stored[label][2]
    root_kind = None if label is None or seed_root else by_id[label].kind
    return Result(
        record,
        article,
        root,
        story,
        method,
        expected,
        expected_story,
        seed_root,
        frozenset(chain),
        root_kind=root_kind,
    )


def explain(report: DevReport) -> str:
    return "\n".join(
        f"{r.record.id} ({r.record.kind}, {r.record.dup_kind}): {r.method} root {r.root} story "
        f"{r.story}; expected {r.expected_root}; {r.reason}"
        for r in report.misses()
    )


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        engine = open_archive(f"sqlite:///{folder}/archive.db")
        report = evaluate_devset(engine, stream="--stream" in sys.argv)
        engine.dispose()
    sys.stdout.write(report.table() + "\n")
    if "-v" in sys.argv:
        sys.stdout.write(explain(report) + "\n")


if __name__ == "__main__":
    main()
