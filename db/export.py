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
from collections.abc import Iterator
from typing import IO, Any

from sqlalchemy import Engine
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


def iter_records(engine: Engine) -> Iterator[dict[str, Any]]:
    """Every article as an export record, oldest first, read in batches to bound memory."""
    with Session(reading(engine)) as session:
        sources = {s.id: s.name for s in session.exec(select(Source))}
        last_id = 0
        while True:
            batch = session.exec(
                select(Article)
                .where(col(Article.id) > last_id)
                .order_by(col(Article.id))
                .limit(_BATCH)
            ).all()
            if not batch:
                return
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
            last_id = batch[-1].id or last_id


def write_jsonl(engine: Engine, out: IO[str]) -> int:
    count = 0
    for record in iter_records(engine):
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
        count += 1
    return count


def write_csv(engine: Engine, out: IO[str]) -> int:
    """CSV with the same columns; `rules` is joined with ';' and booleans are true/false."""
    writer = csv.DictWriter(out, fieldnames=FIELDS)
    writer.writeheader()
    count = 0
    for record in iter_records(engine):
        row = dict(record)
        row["rules"] = ";".join(record["rules"])
        row["keywords"] = ";".join(record["keywords"])
        row["relevant"] = str(record["relevant"]).lower()
        row["alerted"] = str(record["alerted"]).lower()
        writer.writerow(row)
        count += 1
    return count
