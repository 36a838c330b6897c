"""Articles and alerts in a real archive for the delivery tests: stories we wrote ourselves.

The rule is built in one place (`rule`) so that the delivery tests do not depend on how rules
are written beyond "these terms, these channels".
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from alerts.evaluate import evaluate_pending
from alerts.rules.config import RuleConfig
from db.config import DedupConfig
from db.draft import ArticleDraft
from db.models import Article, Delivery
from db.store import store_article, sync_sources

PUBLISHED = dt.datetime(2026, 11, 2, 8, 30, tzinfo=dt.UTC)
TEXT = (
    "Customs records show that drone engines from Shenzhen reached a factory near Moscow in "
    "March, and that the shipments of drone parts have grown every month since. {extra}"
)


# The delivery tests decide stories by hand (`story_of`); the near and cross-lingual detectors
# would rightly take these deliberately alike texts for copies of one another. Only exact
# copies (same text) still count as duplicates.
EXACT_ONLY = DedupConfig(
    near_threshold=1.0,
    cross_lingual_threshold=1.0,
    cross_lingual_min_shared=1e9,
    contained_threshold=1.0,
    contained_min_shared=1e9,
    story_threshold=1.0,
    story_min_shared=1e9,
)


def rule(channels: list[str], name: str = "drone_parts") -> RuleConfig:
    return RuleConfig(name=name, severity="high", channels=channels, query="drone*")


def store(
    engine: Engine,
    url: str,
    title: str,
    extra: str = "",
    source: str = "example",
    story_of: int | None = None,
) -> int:
    sync_sources(engine, [(source, "feed", f"https://{source}.example/feed.xml")])
    draft = ArticleDraft(
        url=url,
        title=title,
        text=TEXT.format(extra=extra),
        published=PUBLISHED,
        lang="en",
        site_name=f"{source} site",
        source=source,
    )
    article_id = store_article(engine, draft, EXACT_ONLY).article_id
    if story_of is not None:
        with Session(engine) as session:
            # What the near-duplicate detector does: the article joins an earlier story.
            session.exec(
                update(Article).where(col(Article.id) == article_id).values(story_id=story_of)
            )
            session.commit()
    return article_id


def stories(engine: Engine, count: int, prefix: str = "Story") -> list[int]:
    """`count` articles, each its own story, with distinct titles and texts."""
    return [
        store(engine, f"https://news.example/{prefix.lower()}-{i}", f"{prefix} {i}", f"Case {i}.")
        for i in range(count)
    ]


def evaluate(engine: Engine, channels: list[str], now: dt.datetime) -> int:
    return evaluate_pending(engine, [rule(channels)], now=now).alerts


def deliveries(engine: Engine) -> list[Delivery]:
    with Session(engine) as session:
        return list(session.exec(select(Delivery).order_by(col(Delivery.id))).all())
