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

from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from db.config import DedupConfig
from db.dedup import minhash
from db.dedup.furniture import strip_furniture
from db.dedup.index import candidates, weigh
from db.dedup.minhash import shingles
from db.dedup.names import DEFAULT, Names
from db.dedup.sketch import Sketch, Stored
from db.models import Article, DedupSketch

_LEAST_EVIDENCE = 2


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
    # The new article's most named actor is named by the known one too: a report of another
    # statement in the same cycle (same ministers, same conference) has someone else at its
    # centre, a copy never does.
    central: bool = True
    # The new article's evidence weighs less than the known one's: it may be a part of it.
    shorter: bool = True

    @property
    def evidence(self) -> int:
        """Shared features that tell an event (not the places or the weekday most reports of
        a region or a week name): one alone is chance, a date or a figure that happens to
        recur, and so are figures without a name (20 % and 12 in a page about food blogs and
        one about party politics). Two figures with their units or dates, though, tell an
        event without a name (a trade total and its growth rate: 240 billion and 26 %)."""
        if not self.named and sum(feature[0] in "qd" for feature in self.shared_features) < 2:
            return 0
        return sum(feature[0] not in "cw" for feature in self.shared_features)

    @property
    def named(self) -> bool:
        """A name is shared: what a copy needs. Figures alone may join a story, but a later
        report repeats last year's totals as background (the record trade, then a weaker
        January): without a name, they cannot tell a copy from the next development."""
        return any(feature[0] in "nft" for feature in self.shared_features)

    def method(self, config: DedupConfig) -> str | None:
        if self.near >= config.near_threshold:
            return "near"
        if (
            self.days_apart > config.window_days
            or self.evidence < _LEAST_EVIDENCE
            or not self.named
        ):
            return None
        threshold = config.cross_lingual_threshold
        if not self.central:
            threshold = max(threshold, config.off_centre_threshold)
        if self.overlap >= threshold and self.shared >= config.cross_lingual_min_shared:
            return "cross-lingual"
        if (
            self.central
            and self.shorter
            and self.overlap >= config.contained_threshold
            and self.shared >= config.contained_min_shared
        ):
            return "cross-lingual"
        return None

    def joins_story(self, config: DedupConfig) -> bool:
        if self.method(config) is not None:
            return True
        return (
            self.days_apart <= config.window_days
            and self.evidence >= _LEAST_EVIDENCE
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
            centre = (
                ""
                if self.central
                else f", its main actor is not in the known article (threshold "
                f"{config.off_centre_threshold:.2f})"
            )
            return f"same story, not a copy: {near}; {xl}, {when}{centre}"
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


@dataclass(frozen=True, slots=True)
class _Known:
    """A candidate as the comparison needs it: a few columns and the stored sketch."""

    id: int
    title: str
    lang: str | None
    published: datetime | None
    duplicate_of: int | None
    story_id: int | None
    stored: Stored
    text: str | None  # only for candidates sharing an LSH band


def _compare(sketch: Sketch, known: _Known) -> Comparison:
    if known.text is None:
        containment, jaccard = 0.0, sketch.near(known.stored)[1]
    else:
        # Sharing an LSH band: worth the exact figure (estimates from the signature are too
        # coarse when one text is much longer than the other).
        theirs = shingles(strip_furniture(known.text))
        containment = minhash.containment(sketch.shingles, theirs)
        jaccard = minhash.jaccard(sketch.shingles, theirs)
    overlap, shared, features = sketch.overlap(known.stored)
    main = sketch.fingerprint.main
    return Comparison(
        article_id=known.id,
        title=known.title,
        lang=known.lang,
        published=known.published,
        root_id=known.duplicate_of or known.id,
        story_id=known.story_id or known.id,
        near=containment,
        jaccard=jaccard,
        overlap=overlap,
        shared=shared,
        days_apart=sketch.days_apart(known.stored),
        shared_features=features,
        central=main is None or main in features,
        shorter=sketch.weight <= known.stored.weight,
    )


def _load(db: Session, ids: list[int], near_ids: list[int]) -> list[_Known]:
    """The candidates' columns and sketches in one query; texts only of near candidates."""
    connection = db.connection()
    rows = connection.execute(
        sa_select(
            col(Article.id),
            col(Article.title),
            col(Article.lang),
            col(Article.published),
            col(Article.duplicate_of),
            col(Article.story_id),
            col(DedupSketch.data),
        )
        .join(DedupSketch, col(DedupSketch.article_id) == col(Article.id))
        .where(col(Article.id).in_(ids))
    ).all()
    texts: dict[int, str] = {}
    if near_ids:
        query = select(col(Article.id), col(Article.text)).where(col(Article.id).in_(near_ids))
        texts = {int(i or 0): text for i, text in connection.execute(query)}
    return [
        _Known(
            int(i or 0),
            title,
            lang,
            published,
            dup,
            story,
            Stored.decode(data),
            texts.get(int(i or 0)),
        )
        for i, title, lang, published, dup, story, data in rows
    ]


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
    """The verdict on an article with this sketch (weighed here by the archive's feature
    counts, in place); nothing is written."""
    weigh(db, sketch)
    near_ids, fp_ids = candidates(db, sketch, config.window_days, config.max_candidates, skip)
    ids = list(dict.fromkeys(near_ids + fp_ids))
    if not ids:
        return Verdict(None, None, None, None)
    comparisons = sorted(
        (_compare(sketch, known) for known in _load(db, ids, near_ids)),
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
    title: str,
    text: str,
    lang: str | None,
    published: datetime | None,
    now: datetime,
    precision: str = "day",
    names: Names = DEFAULT,
) -> Sketch:
    """An article without a publication date is filed at the time it is seen, and compared
    with known articles of any date (the time window cannot apply to it); one dated to the
    month may have appeared on any day of it."""
    span = 30 if precision == "month" and published is not None else 0
    return Sketch.of(
        title, text, lang, published or now, span, dated=published is not None, names=names
    )


__all__ = ["Comparison", "Verdict", "assess", "sketch_for"]
