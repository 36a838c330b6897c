"""Facets of a set of articles, as datasette shows them: each value with its count.

The review UI's search finds article ids (the rule language decides); this module reads what
the facets need about those articles in batches, narrows them by the chosen values (values of
one facet are alternatives, facets combine with AND) and counts each facet's values.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Engine
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from db.models import Article, ArticleEntity, Match, Source

FACETS = ("source", "lang", "rule", "entity", "story", "flag", "month")
FLAGS = ("relevant", "duplicate", "seed")
_BATCH = 500
# Columns, not rows: the facets never need an article's text.
_COLUMNS: list[Any] = [
    col(Article.id),
    col(Article.source_id),
    col(Article.seed),
    col(Article.lang),
    col(Article.story_id),
    col(Article.published),
    col(Article.created_at),
    col(Article.relevant),
    col(Article.duplicate_of),
]


@dataclass(slots=True)
class Facts:
    """What the facets know about one article."""

    article_id: int
    source: str
    lang: str
    story: str
    day: date | None
    flags: set[str] = field(default_factory=set)
    rules: set[str] = field(default_factory=set)
    entities: set[str] = field(default_factory=set)

    def values(self, facet: str) -> set[str]:
        if facet == "source":
            return {self.source}
        if facet == "lang":
            return {self.lang}
        if facet == "story":
            return {self.story}
        if facet == "month":
            return {self.day.strftime("%Y-%m")} if self.day else set()
        if facet == "flag":
            return self.flags
        if facet == "rule":
            return self.rules
        return self.entities


def load_facts(engine: Engine, ids: Sequence[int]) -> list[Facts]:
    """Facts of the articles `ids`, in the order given."""
    found: dict[int, Facts] = {}
    with Session(engine) as session:
        sources = {s.id: s.name for s in session.exec(select(Source))}
        for at in range(0, len(ids), _BATCH):
            chunk = list(ids[at : at + _BATCH])
            rows = session.connection().execute(
                sa_select(*_COLUMNS).where(col(Article.id).in_(chunk))
            )
            for article_id, source_id, seed, lang, story, published, created, relevant, dup in rows:
                when = published or created
                facts = Facts(
                    article_id,
                    sources.get(source_id, "-") if source_id else ("seed" if seed else "-"),
                    lang or "-",
                    str(story or article_id),
                    when.date() if when else None,
                )
                if relevant:
                    facts.flags.add("relevant")
                if dup is not None:
                    facts.flags.add("duplicate")
                if seed:
                    facts.flags.add("seed")
                found[article_id] = facts
            for article_id, rule in session.exec(
                select(Match.article_id, Match.rule).where(col(Match.article_id).in_(chunk))
            ):
                found[article_id].rules.add(rule)
            for article_id, entity in session.exec(
                select(ArticleEntity.article_id, ArticleEntity.entity).where(
                    col(ArticleEntity.article_id).in_(chunk)
                )
            ):
                found[article_id].entities.add(entity)
    return [found[i] for i in ids if i in found]


@dataclass(frozen=True, slots=True)
class Narrowed:
    facts: list[Facts]  # the articles every chosen value allows, in the order given
    counts: dict[str, list[tuple[str, int]]]  # per facet: (value, count), most frequent first


def narrow(
    facts: Iterable[Facts],
    chosen: Mapping[str, set[str]],
    since: date | None = None,
    until: date | None = None,
    top: int = 12,
) -> Narrowed:
    """Keep the articles that have one of the chosen values of every facet, within the dates.

    Each facet's counts are taken over the articles the *other* facets allow, so a value
    shows how many results choosing it (too) would give, as in datasette.
    """
    within = [
        f
        for f in facts
        if (since is None or (f.day is not None and f.day >= since))
        and (until is None or (f.day is not None and f.day <= until))
    ]

    def allowed(f: Facts, skip: str | None) -> bool:
        return all(
            f.values(facet) & values for facet, values in chosen.items() if values and facet != skip
        )

    counts: dict[str, list[tuple[str, int]]] = {}
    for facet in FACETS:
        counter: Counter[str] = Counter()
        for f in within:
            if allowed(f, facet):
                counter.update(f.values(facet))
        ranked = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))
        keep = ranked[:top] + [kv for kv in ranked[top:] if kv[0] in chosen.get(facet, set())]
        counts[facet] = keep
    return Narrowed([f for f in within if allowed(f, None)], counts)
