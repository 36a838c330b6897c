"""Export of the archive, one record per article, in the field contract other tools rely on.

Fields (stable): id, url, title, lang, published, source, seed, duplicate_of, dup_method,
story, relevant, rules, alerted; then extras: alert_kind (new | update | followup | legacy),
alert_reason (why the article did or did not alert), author, site_name, keywords, dup_score,
fetched_url, collected, text. `alerted` is true for an alert of its own (a new story, or an
update of a known one), not for a follow-up of a story the analysts already have.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any

from sqlalchemy import Engine, and_, or_
from sqlmodel import Session, col, select

from db.engine import reading
from db.models import ALERTING_KINDS, Alert, Article, Match, Source

FIELDS = [
    "id",
    "url",
    "title",
    "lang",
    "published",
    "source",
    "seed",
    "duplicate_of",
    "dup_method",
    "story",
    "relevant",
    "rules",
    "alerted",
    "alert_kind",
    "alert_reason",
    "author",
    "site_name",
    "keywords",
    "dup_score",
    "fetched_url",
    "collected",
    "text",
]

_BATCH = 500


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


@dataclass(frozen=True, slots=True)
class ExportFilter:
    """Which articles to export (all by default); the record fields do not change."""

    since: datetime | None = None  # published (or collected, when undated) at or after
    relevant: bool | None = None
    rules: tuple[str, ...] = ()  # matched by any of these rules
    ids: Sequence[int] | None = None  # exactly these articles, in this order


def _clauses(where: ExportFilter) -> list[Any]:
    clauses: list[Any] = []
    if where.since is not None:
        clauses.append(
            or_(
                col(Article.published) >= where.since,
                and_(col(Article.published).is_(None), col(Article.created_at) >= where.since),
            )
        )
    if where.relevant is not None:
        clauses.append(col(Article.relevant).is_(where.relevant))
    if where.rules:
        clauses.append(
            col(Article.id).in_(select(Match.article_id).where(col(Match.rule).in_(where.rules)))
        )
    return clauses


def _batches(session: Session, where: ExportFilter) -> Iterator[list[Article]]:
    clauses = _clauses(where)
    if where.ids is not None:
        ids = list(where.ids)
        for at in range(0, len(ids), _BATCH):
            chunk = ids[at : at + _BATCH]
            found = {
                a.id: a
                for a in session.exec(select(Article).where(col(Article.id).in_(chunk), *clauses))
            }
            if found:
                yield [found[i] for i in chunk if i in found]
        return
    last_id = 0
    while True:
        batch = session.exec(
            select(Article)
            .where(col(Article.id) > last_id, *clauses)
            .order_by(col(Article.id))
            .limit(_BATCH)
        ).all()
        if not batch:
            return
        yield list(batch)
        last_id = batch[-1].id or last_id


def iter_records(engine: Engine, where: ExportFilter | None = None) -> Iterator[dict[str, Any]]:
    """The chosen articles (every one, oldest first, by default) as export records, read in
    batches to bound memory."""
    with Session(reading(engine)) as session:
        sources = {s.id: s.name for s in session.exec(select(Source))}
        for batch in _batches(session, where or ExportFilter()):
            ids = [a.id for a in batch]
            rules: dict[int, list[str]] = defaultdict(list)
            for article_id, rule in session.exec(
                select(Match.article_id, Match.rule)
                .where(col(Match.article_id).in_(ids))
                .order_by(col(Match.id))
            ):
                rules[article_id].append(rule)
            kinds: dict[int, str] = {}
            for article_id, kind in session.exec(
                select(Alert.article_id, Alert.kind)
                .where(col(Alert.article_id).in_(ids))
                .order_by(col(Alert.id))
            ):
                kinds.setdefault(article_id, kind)
            for a in batch:
                assert a.id is not None
                yield {
                    "id": a.id,
                    "url": a.url,
                    "title": a.title,
                    "lang": a.lang,
                    "published": _iso(a.published),
                    "source": sources.get(a.source_id) if a.source_id else None,
                    "seed": a.seed,
                    "duplicate_of": a.duplicate_of,
                    "dup_method": a.dup_method,
                    "story": a.story_id,
                    "relevant": a.relevant,
                    "rules": rules.get(a.id, []),
                    "alerted": kinds.get(a.id) in ALERTING_KINDS,
                    "alert_kind": kinds.get(a.id),
                    "alert_reason": a.alert_reason,
                    "author": a.author,
                    "site_name": a.site_name,
                    "keywords": a.keywords or [],
                    "dup_score": a.dup_score,
                    "fetched_url": a.fetched_url,
                    "collected": _iso(a.created_at),
                    "text": a.text,
                }


def write_jsonl(
    engine: Engine,
    out: IO[str],
    where: ExportFilter | None = None,
    extra: Mapping[str, Any] | None = None,
) -> int:
    """One JSON object per line; `extra` fields (the review UI's `query`) follow the record's."""
    count = 0
    for record in iter_records(engine, where):
        out.write(json.dumps(record | dict(extra or {}), ensure_ascii=False) + "\n")
        count += 1
    return count


def write_csv(
    engine: Engine,
    out: IO[str],
    where: ExportFilter | None = None,
    extra: Mapping[str, Any] | None = None,
) -> int:
    """CSV with the same columns (then `extra`'s); lists are joined with ';' and booleans are
    true/false."""
    writer = csv.DictWriter(out, fieldnames=FIELDS + list(extra or {}))
    writer.writeheader()
    count = 0
    for record in iter_records(engine, where):
        row = record | dict(extra or {})
        row["rules"] = ";".join(record["rules"])
        row["keywords"] = ";".join(record["keywords"])
        row["relevant"] = str(record["relevant"]).lower()
        row["alerted"] = str(record["alerted"]).lower()
        writer.writerow(row)
        count += 1
    return count
