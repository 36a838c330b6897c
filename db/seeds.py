"""The seed corpus: `seeds/seeds.toml` and its texts, imported into the archive as seed articles."""

from __future__ import annotations

import logging
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from db.config import DedupConfig
from db.dedup import specificity
from db.dedup.index import add_keys, rebuild, remove_keys, weigh
from db.dedup.names import Names
from db.dedup.sketch import Sketch
from db.models import Article
from db.text import text_hash

CATALOGUE = "seeds.toml"

logger = logging.getLogger(__name__)


class SeedError(Exception):
    """The seed catalogue or one of its texts cannot be read."""


class SeedRecord(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    file: str
    lang: str
    published: date
    published_precision: str = "day"
    publisher: str = ""
    title: str
    url: str = ""
    original_lang: str = ""
    original_publisher: str = ""
    original_title: str = ""
    original_url: str = ""
    notes: str = ""

    @property
    def stem(self) -> str:
        return Path(self.file).stem


@dataclass(frozen=True, slots=True)
class ImportReport:
    added: int
    updated: int
    unchanged: int


def load_catalogue(seeds_dir: Path) -> list[SeedRecord]:
    path = seeds_dir / CATALOGUE
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SeedError(f"{path}: {exc}") from exc
    records: list[SeedRecord] = []
    for index, entry in enumerate(raw.get("seeds", [])):
        try:
            records.append(SeedRecord.model_validate(entry))
        except ValidationError as exc:
            raise SeedError(f"{path}: seeds[{index}]: {exc}") from exc
    return records


def _seed_fields(
    seeds_dir: Path, record: SeedRecord, canonical: Callable[[str], str]
) -> dict[str, Any]:
    path = seeds_dir / record.file
    try:
        text = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise SeedError(f"{path}: {exc}") from exc
    try:
        # The form crawled pages are stored under, so a seed and its page are one URL.
        url = canonical(record.url) if record.url else f"seed:{record.stem}"
    except ValueError as exc:
        raise SeedError(f"{seeds_dir / CATALOGUE}: {record.file}: url: {exc}") from exc
    published = datetime.combine(record.published, datetime.min.time(), tzinfo=UTC)
    return {
        "url": url,
        "title": record.title,
        "text": text,
        "lang": record.lang,
        "published": published,
        "site_name": record.publisher or None,
        "text_hash": text_hash(text),
    }


def _free_url(session: Session, record: SeedRecord, url: str) -> str:
    """`url`, unless a crawled article holds it already: then the seed's own URN.

    The crawled article stays as it is (its verdicts, matches and alerts stand); the seed is
    imported beside it instead of stopping the import on the unique URL.
    """
    holder = session.exec(
        select(Article.id).where(
            Article.url == url, col(Article.seed).is_(None) | (Article.seed != record.stem)
        )
    ).first()
    if holder is None:
        return url
    urn = f"seed:{record.stem}"
    logger.warning(
        "seed %s: its URL %s was already crawled as article %d; the seed is stored as %s",
        record.stem,
        url,
        holder,
        urn,
    )
    return urn


def _sketch(row: Article, record: SeedRecord, names: Names) -> Sketch:
    """A seed known to the month may have appeared on any day of it: the deduplicator's time
    window counts from the whole month."""
    span = 30 if record.published_precision == "month" else 0
    assert row.published is not None
    return Sketch.of(
        row.title, row.text, row.lang, row.published, span, reference=True, names=names
    )


def import_seeds(
    engine: Engine,
    seeds_dir: Path,
    on_progress: Callable[[int, int], None] | None = None,
    canonical: Callable[[str], str] = str,
    dedup: DedupConfig | None = None,
) -> ImportReport:
    """Load the seeds as articles that start their own stories; a second run changes nothing.

    `canonical` turns a seed's URL into the archive's form (the crawler's canonical URL).
    Seeds are filed in the deduplicator's index as reference articles (under all their
    features), with the topic's names of `dedup` (the config's `[dedup]`). An index built
    with other names (by the migration, which knows no config, or before `[dedup.names]`
    changed) is built anew first, so that every article is compared with the same names."""
    names = (dedup or DedupConfig()).name_table()
    records = load_catalogue(seeds_dir)
    added = updated = unchanged = 0
    with Session(engine) as session:
        rebuilt = specificity.stamp(session) != names.stamp
        if rebuilt:
            count = rebuild(session, names)
            if count:
                logger.info("dedup index built anew with the configured names: %d articles", count)
        for done, record in enumerate(records, start=1):
            fields = _seed_fields(seeds_dir, record, canonical)
            fields["url"] = _free_url(session, record, fields["url"])
            row = session.exec(select(Article).where(Article.seed == record.stem)).first()
            if row is None:
                row = Article(seed=record.stem, **fields)
                session.add(row)
                session.flush()
                assert row.id is not None
                row.story_id = row.id
                add_keys(session, row.id, weigh(session, _sketch(row, record, names)))
                added += 1
            elif any(getattr(row, key) != value for key, value in fields.items()):
                assert row.id is not None
                if not rebuilt:
                    remove_keys(session, row.id, _sketch(row, record, names))
                for key, value in fields.items():
                    setattr(row, key, value)
                # A changed seed is looked at again by the rules and filed anew in the index.
                row.evaluated_at = None
                add_keys(session, row.id, weigh(session, _sketch(row, record, names)))
                updated += 1
            else:
                unchanged += 1
                assert row.id is not None
                if rebuilt:
                    add_keys(session, row.id, weigh(session, _sketch(row, record, names)))
            session.add(row)
            if on_progress is not None:
                on_progress(done, len(records))
        specificity.set_stamp(session, names.stamp)
        session.commit()
    return ImportReport(added, updated, unchanged)
