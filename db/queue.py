"""The durable work queue between fetching and processing: fetched article pages as plain data.

The crawler adds each fetched article page (`enqueue`); a processing worker claims one with a
lease (`claim`), and removes it in the very transaction that stores its article or records
its rejection (`finish`), together with the count its poll reads (`PollTally`). A page whose
worker died is claimed again once its lease is over; a page claimed `max_attempts` times
without being finished is set aside with its reason, shown by `newswatch status`.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Column, Engine, Integer, LargeBinary, String, Text, func, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import JSON, Field, Session, SQLModel, col, select

from db.models import UTCDateTime, utcnow

__all__ = [
    "PageWork",
    "PollTally",
    "QueuedPage",
    "claim",
    "enqueue",
    "fail",
    "finish",
    "poll_open",
    "set_aside_pages",
    "take_tally",
    "waiting_pages",
]


class QueuedPage(SQLModel, table=True):
    """One fetched article page waiting to be extracted, deduplicated, stored and evaluated."""

    __tablename__ = "page_queue"

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(sa_column=Column(String, nullable=False))
    poll_id: str = Field(sa_column=Column(String, nullable=False, index=True))
    url: str = Field(sa_column=Column(Text, nullable=False))  # canonical: the archive's identity
    fetched_url: str = Field(sa_column=Column(Text, nullable=False))  # after redirects
    content_type: str | None = Field(default=None, sa_column=Column(String, nullable=True))
    body: bytes = Field(sa_column=Column(LargeBinary, nullable=False))  # zlib-compressed
    hint: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    lang_hint: str | None = Field(default=None, sa_column=Column(String, nullable=True))
    attempts: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    lease_until: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime(), nullable=True, index=True)
    )
    failed_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    enqueued_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class PollTally(SQLModel, table=True):
    """What the workers made of one poll's pages, read by the poll once its pages are done."""

    __tablename__ = "poll_tally"

    poll_id: str = Field(sa_column=Column(String, primary_key=True))
    new: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    duplicates: int = Field(
        default=0, sa_column=Column(Integer, nullable=False, server_default="0")
    )
    known: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    failed: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))


@dataclass(frozen=True, slots=True)
class PageWork:
    """A page as the crawler hands it over and a worker gets it back: plain data only."""

    source: str
    poll_id: str
    url: str
    fetched_url: str
    body: bytes  # as downloaded (not compressed)
    content_type: str | None = None
    hint: dict[str, Any] | None = None
    lang_hint: str | None = None
    id: int | None = None
    attempts: int = 0


def enqueue(engine: Engine, page: PageWork) -> int:
    """Put a fetched page on the queue (committed when this returns); its id."""
    row = QueuedPage(
        source=page.source,
        poll_id=page.poll_id,
        url=page.url,
        fetched_url=page.fetched_url,
        content_type=page.content_type,
        # Level 1: most of zlib's saving on HTML at a fraction of its CPU.
        body=zlib.compress(page.body, 1),
        hint=page.hint,
        lang_hint=page.lang_hint,
    )
    with Session(engine) as session:
        session.add(row)
        session.commit()
        assert row.id is not None
        return row.id


def _claimable(now: datetime, max_attempts: int) -> Any:
    return (
        col(QueuedPage.failed_reason).is_(None)
        & (col(QueuedPage.attempts) < max_attempts)
        & (col(QueuedPage.lease_until).is_(None) | (col(QueuedPage.lease_until) < now))
    )


def claim(
    engine: Engine, lease_seconds: float, max_attempts: int, now: datetime | None = None
) -> PageWork | None:
    """The oldest page free to work on, leased to the caller until `lease_seconds` from now."""
    moment = now or utcnow()
    until = moment + timedelta(seconds=lease_seconds)
    with Session(engine, expire_on_commit=False) as session:
        _set_aside_abandoned(session, moment, max_attempts)
        if engine.dialect.name == "postgresql":
            page_id = session.exec(
                select(QueuedPage.id)
                .where(_claimable(moment, max_attempts))
                .order_by(col(QueuedPage.id))
                .limit(1)
                .with_for_update(skip_locked=True)
            ).first()
            if page_id is None:
                session.commit()
                return None
            target = col(QueuedPage.id) == page_id
        else:
            # One conditional UPDATE: the write lock (BEGIN IMMEDIATE, db/engine.py) makes
            # the pick and the lease one step, so two workers never lease the same page.
            oldest = (
                select(QueuedPage.id)
                .where(_claimable(moment, max_attempts))
                .order_by(col(QueuedPage.id))
                .limit(1)
                .scalar_subquery()
            )
            target = col(QueuedPage.id) == oldest
        claimed = session.execute(
            update(QueuedPage)
            .where(target)
            .values(lease_until=until, attempts=col(QueuedPage.attempts) + 1)
            .returning(QueuedPage)
        ).first()
        session.commit()
    if claimed is None:
        return None
    row: QueuedPage = claimed[0]
    return PageWork(
        source=row.source,
        poll_id=row.poll_id,
        url=row.url,
        fetched_url=row.fetched_url,
        body=zlib.decompress(row.body),
        content_type=row.content_type,
        hint=row.hint,
        lang_hint=row.lang_hint,
        id=row.id,
        attempts=row.attempts,
    )


def _set_aside_abandoned(session: Session, now: datetime, max_attempts: int) -> None:
    """Pages whose last allowed lease ran out unfinished: their worker died on them each time."""
    stale = session.exec(
        select(QueuedPage.id, QueuedPage.poll_id).where(
            col(QueuedPage.failed_reason).is_(None),
            col(QueuedPage.attempts) >= max_attempts,
            col(QueuedPage.lease_until) < now,
        )
    ).all()
    for page_id, poll_id in stale:
        session.exec(
            update(QueuedPage)
            .where(col(QueuedPage.id) == page_id)
            .values(failed_reason=f"its worker stopped before finishing it {max_attempts} times")
        )
        _count(session, poll_id, "failed")


def _count(session: Session, poll_id: str, field: str) -> None:
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(PollTally).values(poll_id=poll_id, **{field: 1})
    column = getattr(PollTally.__table__.c, field)  # type: ignore[attr-defined]
    session.execute(
        statement.on_conflict_do_update(index_elements=["poll_id"], set_={field: column + 1})
    )


def finish(session: Session, page: PageWork, result: str) -> None:
    """Take `page` off the queue and count its `result` (new, duplicates, known, failed) for
    its poll, in the caller's transaction: the one that stores the article or the rejection."""
    session.execute(text("DELETE FROM page_queue WHERE id = :id"), {"id": page.id})
    _count(session, page.poll_id, result)


def fail(engine: Engine, page: PageWork, reason: str, max_attempts: int) -> bool:
    """Processing `page` failed (the archive, a bug): free it for another try, or set it aside
    with `reason` once its attempts are used up. True when it was set aside."""
    given_up = page.attempts >= max_attempts
    with Session(engine) as session:
        session.exec(
            update(QueuedPage)
            .where(col(QueuedPage.id) == page.id)
            .values(lease_until=None, failed_reason=reason[:2000] if given_up else None)
        )
        if given_up:
            _count(session, page.poll_id, "failed")
        session.commit()
    return given_up


def poll_open(engine: Engine, poll_id: str) -> int:
    """How many of the poll's pages are still to be processed (set-aside pages are done)."""
    with Session(engine) as session:
        return session.exec(
            select(func.count())
            .select_from(QueuedPage)
            .where(col(QueuedPage.poll_id) == poll_id, col(QueuedPage.failed_reason).is_(None))
        ).one()


def take_tally(engine: Engine, poll_id: str) -> PollTally:
    """The poll's counts, removed from the archive: each poll reads its own once."""
    with Session(engine) as session:
        row = session.get(PollTally, poll_id)
        tally = PollTally(poll_id=poll_id)
        if row is not None:
            tally = PollTally(
                poll_id=poll_id,
                new=row.new,
                duplicates=row.duplicates,
                known=row.known,
                failed=row.failed,
            )
            session.delete(row)
            session.commit()
        return tally


def set_aside_pages(engine: Engine, limit: int = 20) -> tuple[int, list[QueuedPage]]:
    """How many pages are set aside, and the newest `limit` of them."""
    with Session(engine) as session:
        count = session.exec(
            select(func.count())
            .select_from(QueuedPage)
            .where(col(QueuedPage.failed_reason).is_not(None))
        ).one()
        rows = list(
            session.exec(
                select(QueuedPage)
                .where(col(QueuedPage.failed_reason).is_not(None))
                .order_by(col(QueuedPage.id).desc())
                .limit(limit)
            )
        )
        for row in rows:
            session.expunge(row)
    return count, rows


def waiting_pages(engine: Engine) -> int:
    """Pages waiting to be processed (set-aside ones not counted)."""
    with Session(engine) as session:
        return session.exec(
            select(func.count())
            .select_from(QueuedPage)
            .where(col(QueuedPage.failed_reason).is_(None))
        ).one()
