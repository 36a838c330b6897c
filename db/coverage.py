"""Counts over time for the review UI's charts: coverage per rule and per story, alert volume,
the entities named most. An article counts on its publication day (its collection day when
the page gave none)."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta

from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from db.models import Alert, Article, ArticleEntity, Match, utcnow

Series = dict[date, int]


def _day(published: datetime | None, created: datetime) -> date:
    return (published or created).date()


def _cutoff(days: int, now: datetime | None) -> datetime:
    return (now or utcnow()) - timedelta(days=days)


def rule_coverage(engine: Engine, days: int = 90, now: datetime | None = None) -> dict[str, Series]:
    """Articles matched per day, per rule, over the last `days` days."""
    since = _cutoff(days, now)
    out: dict[str, Counter[date]] = {}
    with Session(engine) as session:
        rows = session.exec(
            select(Match.rule, Article.published, Article.created_at)
            .join(Article, col(Article.id) == col(Match.article_id))
            .where(func.coalesce(Article.published, Article.created_at) >= since)
        )
        for rule, published, created in rows:
            out.setdefault(rule, Counter())[_day(published, created)] += 1
    return {rule: dict(counts) for rule, counts in sorted(out.items())}


def story_coverage(engine: Engine, story_id: int) -> Series:
    """Articles of one story per day (all of its days)."""
    counts: Counter[date] = Counter()
    with Session(engine) as session:
        for published, created in session.exec(
            select(Article.published, Article.created_at).where(Article.story_id == story_id)
        ):
            counts[_day(published, created)] += 1
    return dict(counts)


def top_stories(
    engine: Engine, days: int = 90, limit: int = 5, now: datetime | None = None
) -> list[tuple[int, str, int]]:
    """The largest stories of the period: (story id, its first article's title, articles)."""
    since = _cutoff(days, now)
    with Session(engine) as session:
        sizes = session.exec(
            select(Article.story_id, func.count())
            .where(func.coalesce(Article.published, Article.created_at) >= since)
            .where(col(Article.story_id).is_not(None))
            .group_by(col(Article.story_id))
            .order_by(func.count().desc(), col(Article.story_id))
            .limit(limit)
        ).all()
        titles = dict(
            session.exec(
                select(Article.id, Article.title).where(
                    col(Article.id).in_([story for story, _n in sizes])
                )
            ).all()
        )
    return [(story, titles.get(story, f"story {story}"), n) for story, n in sizes if story]


def alert_volume(engine: Engine, days: int = 90, now: datetime | None = None) -> Series:
    """Alerts raised per day."""
    since = _cutoff(days, now)
    counts: Counter[date] = Counter()
    with Session(engine) as session:
        for created in session.exec(select(Alert.created_at).where(Alert.created_at >= since)):
            counts[created.date()] += 1
    return dict(counts)


def top_entities(
    engine: Engine, days: int = 90, limit: int = 10, now: datetime | None = None
) -> list[tuple[str, int]]:
    """The watchlisted entities named in most articles of the period."""
    since = _cutoff(days, now)
    with Session(engine) as session:
        rows = session.exec(
            select(ArticleEntity.entity, func.count())
            .join(Article, col(Article.id) == col(ArticleEntity.article_id))
            .where(func.coalesce(Article.published, Article.created_at) >= since)
            .group_by(col(ArticleEntity.entity))
            .order_by(func.count().desc(), col(ArticleEntity.entity))
            .limit(limit)
        ).all()
    return [(entity, int(n)) for entity, n in rows]
