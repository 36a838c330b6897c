"""The verdict on one article: is it a copy of a known one, and which story does it join?

A new article is compared in full with the few known articles the index ranks first:
- `near`: the share of its word shingles one known article already has (a copy with other
  boilerplate, light edits, another headline, or cut short keeps most of them);
- `cross-lingual`: the overlap of the language-independent fingerprints, within the time
  window (a translation, a wire copy in another language, another outlet's rewrite).
A copy points at the first article of what it copies, and joins its story. An article that is
no copy but shares enough of a known article's fingerprint within the window joins that
article's story: a new development of it. Anything else starts a story of its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import load_only
from sqlmodel import Session, col, select

from db.config import DedupConfig
from db.dedup import minhash
from db.dedup.index import candidates, load_sketches
from db.dedup.minhash import shingles
from db.dedup.sketch import Sketch, Stored, day_number
from db.models import Article

_SHOWN: tuple[Any, ...] = (
    Article.id,
    Article.title,
    Article.lang,
    Article.published,
    Article.duplicate_of,
    Article.story_id,
)


@dataclass(frozen=True, slots=True)
class Comparison:
    """How a new article compares with one known article, per method."""

    article_id: int
    title: str
    lang: str | None
    published: datetime | None
    root_id: int  # the first article of what the known one copies (itself if original)
    story_id: int
    near: float  # share of the new article's shingles the known one has
    jaccard: float
    overlap: float  # fingerprint overlap
    shared: float  # weight of shared fingerprint features
    days_apart: int
    shared_features: tuple[str, ...] = ()

    def method(self, config: DedupConfig) -> str | None:
        if self.near >= config.near_threshold:
            return "near"
        if self.days_apart <= config.window_days and (
            self.overlap >= config.cross_lingual_threshold
            and self.shared >= config.cross_lingual_min_shared
        ):
            return "cross-lingual"
        return None

    def joins_story(self, config: DedupConfig) -> bool:
        if self.method(config) is not None:
            return True
        return (
            self.days_apart <= config.window_days
            and self.overlap >= config.story_threshold
            and self.shared >= config.story_min_shared
        )

    def score(self, method: str | None) -> float:
        return self.near if method == "near" else self.overlap

    def reason(self, config: DedupConfig) -> str:
        method = self.method(config)
        near = f"near {self.near:.2f} (threshold {config.near_threshold:.2f})"
        xl = (
            f"fingerprint {self.overlap:.2f} with {self.shared:g} shared "
            f"(threshold {config.cross_lingual_threshold:.2f} "
            f"with {config.cross_lingual_min_shared:g})"
        )
        when = f"{self.days_apart} days apart (window {config.window_days})"
        if method == "near":
            return f"duplicate: {near}"
        if method == "cross-lingual":
            return f"duplicate: {xl}, {when}"
        if self.joins_story(config):
            return f"same story, not a copy: {near}; {xl}, {when}"
        if self.days_apart > config.window_days and self.overlap >= config.story_threshold:
            return f"unrelated: {near}; outside the window, {when}"
        return f"unrelated: {near}; {xl}"


@dataclass(frozen=True, slots=True)
class Verdict:
    duplicate_of: int | None
    method: str | None
    score: float | None
    story_id: int | None  # None: the article starts its own story
    comparisons: list[Comparison] = field(default_factory=list)
    best: Comparison | None = None


def _compare(sketch: Sketch, row: Article, stored: Stored, text: str | None) -> Comparison:
    if text is None:
        containment, jaccard = 0.0, sketch.near(stored)[1]
    else:
        # Sharing an LSH band: worth the exact figure (estimates from the signature are too
        # coarse when one text is much longer than the other).
        known = shingles(text)
        containment = minhash.containment(sketch.shingles, known)
        jaccard = minhash.jaccard(sketch.shingles, known)
    overlap, shared, features = sketch.overlap(stored)
    assert row.id is not None
    return Comparison(
        article_id=row.id,
        title=row.title,
        lang=row.lang,
        published=row.published,
        root_id=row.duplicate_of or row.id,
        story_id=row.story_id or row.id,
        near=containment,
        jaccard=jaccard,
        overlap=overlap,
        shared=shared,
        days_apart=abs(sketch.day - stored.day),
        shared_features=features,
    )


def _rank(comparison: Comparison, config: DedupConfig) -> tuple[int, float, float, int]:
    method = comparison.method(config)
    order = {"near": 3, "cross-lingual": 2}.get(
        method or "", 1 if comparison.joins_story(config) else 0
    )
    return (
        order,
        comparison.score(method),
        comparison.near + comparison.overlap,
        -comparison.article_id,
    )


def assess(
    db: Session,
    sketch: Sketch,
    config: DedupConfig,
    skip: int | None = None,
) -> Verdict:
    """The verdict on an article with this sketch; nothing is written."""
    near_ids, fp_ids = candidates(db, sketch, config.window_days, config.max_candidates, skip)
    ids = list(dict.fromkeys(near_ids + fp_ids))
    if not ids:
        return Verdict(None, None, None, None)
    stored = load_sketches(db, ids)
    texts: dict[int | None, str] = {
        article_id: text
        for article_id, text in db.exec(
            select(col(Article.id), col(Article.text)).where(col(Article.id).in_(near_ids))
        )
    }
    # Only what the report needs: a known article's text is never read again.
    rows = db.exec(
        select(Article)
        .options(load_only(*_SHOWN))
        .where(col(Article.id).in_([i for i in ids if i in stored]))
    )
    comparisons = sorted(
        (_compare(sketch, row, stored[row.id or 0], texts.get(row.id)) for row in rows),
        key=lambda c: _rank(c, config),
        reverse=True,
    )
    if not comparisons:
        return Verdict(None, None, None, None)
    best = comparisons[0]
    method = best.method(config)
    if method is not None:
        return Verdict(best.root_id, method, best.score(method), best.story_id, comparisons, best)
    story = best.story_id if best.joins_story(config) else None
    return Verdict(None, None, None, story, comparisons, best)


def sketch_for(
    title: str, text: str, lang: str | None, published: datetime | None, now: datetime
) -> Sketch:
    """An article without a publication date is placed at the time it is seen."""
    return Sketch.of(title, text, lang, published or now)


__all__ = ["Comparison", "Verdict", "assess", "day_number", "sketch_for"]
