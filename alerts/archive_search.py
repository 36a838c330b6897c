"""Running one query or rule over the archive, sending nothing: `search` and `rules test`.

Candidates come from the FTS5 index where the query allows a prefilter (alerts.rules.prefilter),
otherwise from every article (PostgreSQL, or a query such as `lang:de AND NOT x`); the query
is then evaluated in Python on each candidate exactly as the daemon would.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, and_, or_
from sqlmodel import Session, col, select

from alerts.novelty import novelty_match
from alerts.rules.prefilter import fts_prefilter
from alerts.rules.ruleset import CompiledRule, RuleMatch, RuleSet
from db.models import Article, Source
from db.search import fts_candidates

logger = logging.getLogger(__name__)

BATCH = 200


@dataclass(frozen=True, slots=True)
class Found:
    article_id: int
    title: str
    lang: str | None
    published: datetime | None
    seed: str | None
    duplicate_of: int | None
    source: str | None
    relevant: bool
    match: RuleMatch


@dataclass(frozen=True, slots=True)
class SearchReport:
    found: list[Found]
    scanned: int
    prefiltered: bool  # candidates came from the full-text index


def _since_clause(since: datetime | None) -> list[object]:
    if since is None:
        return []
    return [
        or_(
            col(Article.published) >= since,
            and_(col(Article.published).is_(None), col(Article.created_at) >= since),
        )
    ]


def _candidate_ids(
    engine: Engine, rule: CompiledRule, ruleset: RuleSet, since: datetime | None
) -> tuple[list[int], bool]:
    expression = fts_prefilter(rule.query, ruleset.entity_index)
    ids = fts_candidates(engine, expression) if expression is not None else None
    if ids is not None and since is None:
        return ids, True  # every indexed article is allowed: no need to read every id
    with Session(engine) as session:
        query = select(Article.id).where(*_since_clause(since))  # type: ignore[arg-type]
        if ids is not None:
            allowed = set(session.exec(query).all())
            return [i for i in ids if i in allowed], True
        return [i for i in session.exec(query.order_by(col(Article.id).desc())).all() if i], False


def _articles(engine: Engine, ids: Sequence[int]) -> Iterator[tuple[Article, str | None]]:
    for at in range(0, len(ids), BATCH):
        chunk = ids[at : at + BATCH]
        with Session(engine) as session:
            rows = session.exec(
                select(Article, Source.name)
                .join(Source, col(Source.id) == col(Article.source_id), isouter=True)
                .where(col(Article.id).in_(chunk))
            ).all()
        by_id = {article.id: (article, source) for article, source in rows}
        yield from (by_id[i] for i in chunk if i in by_id)


def run_rule(
    engine: Engine,
    ruleset: RuleSet,
    name: str,
    *,
    limit: int | None = None,
    since: datetime | None = None,
    chronological: bool = False,
    on_progress: Callable[[int, int], None] | None = None,
) -> SearchReport:
    """The archive's articles that rule `name` matches (as the daemon would decide it:
    require_topic and novelty included), best first or oldest first, sending nothing."""
    rule = next((r for r in ruleset.rules if r.config.name == name), None)
    if rule is None:
        raise KeyError(name)
    ids, prefiltered = _candidate_ids(engine, rule, ruleset, since)
    if chronological:
        ids = sorted(ids)
    found: list[Found] = []
    scanned = 0
    for article, source in _articles(engine, ids):
        scanned += 1
        if on_progress is not None:
            on_progress(scanned, len(ids))
        assert article.id is not None
        analysis = ruleset.analyse(article.title, article.text, article.lang, source)
        match = next((m for m in analysis.matches if m.rule.name == name), None)
        if match is None or (match.rule.require_topic and not analysis.relevant):
            continue
        if match.rule.novelty:
            with Session(engine) as session:
                when = article.published or article.created_at
                match = novelty_match(session, match, analysis, article.id, when)
            if match is None:
                continue
        found.append(
            Found(
                article.id,
                article.title,
                article.lang,
                article.published,
                article.seed,
                article.duplicate_of,
                source,
                analysis.relevant,
                match,
            )
        )
        if limit is not None and len(found) >= limit:
            break
    return SearchReport(found, scanned, prefiltered)
