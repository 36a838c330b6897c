"""How much of an article is new to its story: evidence no other article of the story carries.

Another outlet's report of an event the story already holds names its people, places,
numbers and dates again; a new statement in the same news cycle (the same ministers, a
week later) brings names, numbers and dates of its own. The share is read off the stored
sketches (db/dedup/sketch.py): each of the article's features weighs its kind's weight
times its specificity in the archive (db/dedup/specificity.py), so a country or leader that
all coverage names counts for little and a new name or figure for much.
"""

from __future__ import annotations

import numpy as np
from sqlmodel import Session, col, select

from db.dedup.sketch import CODE_WEIGHT, IDENTITY, Stored
from db.dedup.specificity import factors, lookup
from db.models import Article, DedupSketch

# Enough of a long story to know what it has said; its newest articles first.
_STORY_LIMIT = 200


def new_evidence(session: Session, article_id: int, story_id: int) -> float | None:
    """The share (0..1) of the article's weighed evidence that no other article of the story
    carries; None when there is nothing to compare (no sketch, or a story of its own)."""
    rows = session.exec(
        select(DedupSketch.article_id, DedupSketch.data)
        .join(Article, col(Article.id) == col(DedupSketch.article_id))
        .where(col(Article.story_id) == story_id)
        .order_by(col(Article.id).desc())
        .limit(_STORY_LIMIT)
    ).all()
    own: Stored | None = None
    others: list[np.ndarray] = []
    for number, data in rows:
        stored = Stored.decode(data)
        if number == article_id:
            own = stored
        else:
            others.append(stored.features & np.uint32(IDENTITY))
    if own is None or not others or own.features.size == 0:
        return None
    ids = own.features & np.uint32(IDENTITY)
    df, total = lookup(session, [int(i) for i in ids])
    counts = np.array([df.get(int(i), 0) for i in ids], dtype=np.float64)
    weight = CODE_WEIGHT[own.features >> np.uint32(28)] * factors(counts, total)
    whole = float(weight.sum())
    if whole <= 0.0:
        return None
    fresh = ~np.isin(ids, np.concatenate(others))
    return float(weight[fresh].sum()) / whole
