"""How specific a fingerprint feature is in this archive: its document frequency.

A name or number that few archived articles carry says much when two articles share it;
one that most carry (the countries and leaders a topic's coverage always names, an agency,
a newsroom's caption credit) says little. The counts live in `dedup_frequency`, one row per
feature identity, incremented as articles are filed, so the weighting follows whatever
topic the archive holds with no list of its actors, and works alike on SQLite and
PostgreSQL and for several workers (an upsert per feature).

The factor is an inverse document frequency scaled to 1 for a feature no article has:
log((N + 1) / (df + 1)) / log(N + 1), with N at least `_FLOOR` so that a young archive
(the seeds alone) does not call every feature common.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt
from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from db.models import DedupFrequency

TOTAL = -1  # the key of the row counting the articles
STAMP = -2  # the key of the row holding what the index was built with (`stamp`)
_FLOOR = 1000
_BATCH = 500


def factors(df: npt.NDArray[np.float64], total: int) -> npt.NDArray[np.float64]:
    n = max(total, _FLOOR)
    result: npt.NDArray[np.float64] = np.log((n + 1) / (df + 1)) / math.log(n + 1)
    return np.clip(result, 0.02, 1.0)


def lookup(db: Session | Connection, keys: Sequence[int]) -> tuple[dict[int, int], int]:
    """(document frequency per key, number of articles) for these feature keys."""
    connection = db.connection() if isinstance(db, Session) else db
    wanted = sorted({*keys, TOTAL})
    found: dict[int, int] = {}
    # (STAMP is never a feature key: identities are 28-bit, non-negative.)
    for start in range(0, len(wanted), _BATCH):
        chunk = wanted[start : start + _BATCH]
        rows = connection.execute(
            select(col(DedupFrequency.key), col(DedupFrequency.articles)).where(
                col(DedupFrequency.key).in_(chunk)
            )
        )
        found.update((int(key), int(count)) for key, count in rows)
    total = found.pop(TOTAL, 0)
    return found, total


def count(db: Session | Connection, batches: Iterable[Iterable[int]]) -> None:
    """Add one article per batch of feature keys (each batch an article's distinct keys)."""
    increments: dict[int, int] = {}
    articles = 0
    for keys in batches:
        articles += 1
        for key in set(keys):
            increments[key] = increments.get(key, 0) + 1
    if not articles:
        return
    increments[TOTAL] = increments.get(TOTAL, 0) + articles
    connection = db.connection() if isinstance(db, Session) else db
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    rows = [{"key": key, "articles": n} for key, n in sorted(increments.items())]
    for start in range(0, len(rows), _BATCH):
        statement = dialect.insert(DedupFrequency).values(rows[start : start + _BATCH])
        statement = statement.on_conflict_do_update(
            index_elements=[col(DedupFrequency.key)],
            set_={"articles": col(DedupFrequency.articles) + statement.excluded.articles},
        )
        connection.execute(statement)


def uncount(db: Session | Connection, keys: Iterable[int]) -> None:
    """Take one article's features out of the counts (a seed filed anew)."""
    connection = db.connection() if isinstance(db, Session) else db
    wanted = sorted({*keys, TOTAL})
    for start in range(0, len(wanted), _BATCH):
        chunk = wanted[start : start + _BATCH]
        connection.execute(
            update(DedupFrequency)
            .where(col(DedupFrequency.key).in_(chunk))
            .values(articles=col(DedupFrequency.articles) - 1)
        )


def clear(db: Session | Connection) -> None:
    connection = db.connection() if isinstance(db, Session) else db
    connection.execute(delete(DedupFrequency))


def stamp(db: Session | Connection) -> int | None:
    """What the index was built with (a hash of the names table), None when not known."""
    connection = db.connection() if isinstance(db, Session) else db
    row = connection.execute(
        select(col(DedupFrequency.articles)).where(col(DedupFrequency.key) == STAMP)
    ).first()
    return None if row is None else int(row[0])


def set_stamp(db: Session | Connection, value: int) -> None:
    connection = db.connection() if isinstance(db, Session) else db
    connection.execute(delete(DedupFrequency).where(col(DedupFrequency.key) == STAMP))
    connection.execute(insert(DedupFrequency).values(key=STAMP, articles=value))
