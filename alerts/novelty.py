"""Novelty: is a watchlisted entity new to the relevant coverage in the archive?

An entity is new for an article when no earlier article (lower id: archived before it) that
the topic rule found relevant names it, within `days` when a rule sets `novelty_days`. Seeds
count: they are coverage the team has read.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from alerts.rules.ruleset import Analysis, RuleMatch, explain
from db.models import Article, ArticleEntity


def novel_entities(
    session: Session,
    names: Iterable[str],
    article_id: int,
    now: datetime,
    days: int | None,
) -> list[str]:
    """The entities of `names` that no earlier relevant article names (within `days`)."""
    wanted = list(dict.fromkeys(names))
    if not wanted:
        return []
    query = (
        select(ArticleEntity.entity)
        .join(Article, col(Article.id) == col(ArticleEntity.article_id))
        .where(
            col(ArticleEntity.entity).in_(wanted),
            col(Article.id) < article_id,
            col(Article.relevant).is_(True),
        )
        .distinct()
    )
    if days is not None:
        query = query.where(col(Article.created_at) >= now - timedelta(days=days))
    known = set(session.exec(query).all())
    return [name for name in wanted if name not in known]


def novelty_match(
    session: Session,
    match: RuleMatch,
    analysis: Analysis,
    article_id: int,
    now: datetime,
) -> RuleMatch | None:
    """`match` with the new entities' hits added, or None when nothing it names is new.

    The entities considered are those the rule's own hits name, or, for a rule that names
    none (`@china AND @drones`), every watchlisted entity in the article. Novelty is about
    the topic, so an article off the topic is never novel.
    """
    if not analysis.relevant:
        return None
    candidates = match.entities or [entity.name for entity in analysis.entities]
    new = novel_entities(session, candidates, article_id, now, match.rule.novelty_days)
    if not new:
        return None
    extra = [hit for e in analysis.entities if e.name in new for hit in e.hits]
    return RuleMatch(match.rule, explain([*match.hits, *extra]))
