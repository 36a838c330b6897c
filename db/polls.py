"""The last polls of each source, its daily article counts, and its open health issues."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Engine, delete, func
from sqlmodel import Session, col, select

from db.models import Article, PollEvent, Source, SourceIssue, utcnow

POLL_EVENTS_KEPT = 30


@dataclass(frozen=True, slots=True)
class PollRecord:
    """How one poll went, as the scheduler saw it."""

    outcome: str  # ok | not_modified | failed
    failure: str | None = None  # hard | soft | temporary
    error: str | None = None
    entries: int = 0
    fetched: int = 0
    new: int = 0
    duplicates: int = 0
    failed_pages: int = 0
    duration_ms: int = 0


def _source_id(session: Session, name: str) -> int:
    found = session.exec(select(Source.id).where(Source.name == name)).first()
    if found is None:
        raise LookupError(f"no source named {name!r} in the archive")
    return found


def add_poll_event(
    engine: Engine, name: str, record: PollRecord, at: datetime | None = None
) -> None:
    """Keep this poll, and only the last POLL_EVENTS_KEPT of the source (one transaction)."""
    with Session(engine) as session:
        source_id = _source_id(session, name)
        session.add(PollEvent(source_id=source_id, at=at or utcnow(), **asdict(record)))
        session.flush()
        keep = (
            select(PollEvent.id)
            .where(PollEvent.source_id == source_id)
            .order_by(col(PollEvent.id).desc())
            .limit(POLL_EVENTS_KEPT)
        )
        session.exec(
            delete(PollEvent).where(
                col(PollEvent.source_id) == source_id, col(PollEvent.id).not_in(keep)
            )
        )
        session.commit()


def poll_events(engine: Engine, name: str, limit: int = POLL_EVENTS_KEPT) -> list[PollEvent]:
    """The source's last polls, newest first."""
    with Session(engine) as session:
        source_id = _source_id(session, name)
        return list(
            session.exec(
                select(PollEvent)
                .where(PollEvent.source_id == source_id)
                .order_by(col(PollEvent.id).desc())
                .limit(limit)
            )
        )


def daily_counts(engine: Engine, name: str, days: int, today: date | None = None) -> list[int]:
    """Articles collected from the source on each of the last `days` whole days, oldest first
    (today, still under way, is not one of them)."""
    end = today or utcnow().date()
    start = end - timedelta(days=days)
    with Session(engine) as session:
        source_id = _source_id(session, name)
        day = func.date(col(Article.created_at))
        rows = session.exec(
            select(day, func.count())
            .where(
                col(Article.source_id) == source_id,
                col(Article.created_at) >= datetime.combine(start, datetime.min.time()),
                col(Article.created_at) < datetime.combine(end, datetime.min.time()),
            )
            .group_by(day)
        ).all()
    by_day = {str(d): int(n) for d, n in rows}
    return [by_day.get(str(start + timedelta(days=i)), 0) for i in range(days)]


def first_article_at(engine: Engine, name: str) -> datetime | None:
    with Session(engine) as session:
        source_id = _source_id(session, name)
        return session.exec(
            select(func.min(Article.created_at)).where(col(Article.source_id) == source_id)
        ).one()


def open_issues(engine: Engine, name: str | None = None) -> list[tuple[str, SourceIssue]]:
    """Health issues not yet settled (raised, or cleared but not yet announced), by source."""
    with Session(engine) as session:
        query = select(Source.name, SourceIssue).join(
            Source, col(Source.id) == col(SourceIssue.source_id)
        )
        if name is not None:
            query = query.where(Source.name == name)
        return [(n, issue) for n, issue in session.exec(query.order_by(col(SourceIssue.id)))]


def raise_issue(engine: Engine, name: str, kind: str, detail: str) -> bool:
    """Open an issue unless one of this kind is open; whether a new one was opened. An issue
    cleared but not yet announced is opened again (the source relapsed): nothing to tell."""
    with Session(engine) as session:
        source_id = _source_id(session, name)
        issue = session.exec(
            select(SourceIssue).where(SourceIssue.source_id == source_id, SourceIssue.kind == kind)
        ).first()
        if issue is not None:
            if issue.cleared_at is not None:
                issue.cleared_at = None
                session.add(issue)
                session.commit()
            return False
        session.add(SourceIssue(source_id=source_id, kind=kind, detail=detail, raised_at=utcnow()))
        session.commit()
        return True


def clear_issue(engine: Engine, name: str, kind: str) -> bool:
    """Mark an open issue as over; whether there was one. Never announced: it just goes."""
    with Session(engine) as session:
        source_id = _source_id(session, name)
        issue = session.exec(
            select(SourceIssue).where(
                SourceIssue.source_id == source_id,
                SourceIssue.kind == kind,
                col(SourceIssue.cleared_at).is_(None),
            )
        ).first()
        if issue is None:
            return False
        if issue.notified_at is None:
            session.delete(issue)
        else:
            issue.cleared_at = utcnow()
            session.add(issue)
        session.commit()
        return True


def mark_notified(engine: Engine, issue_id: int) -> None:
    with Session(engine) as session:
        issue = session.get(SourceIssue, issue_id)
        if issue is not None:
            issue.notified_at = utcnow()
            session.add(issue)
            session.commit()


def drop_issue(engine: Engine, issue_id: int) -> None:
    with Session(engine) as session:
        issue = session.get(SourceIssue, issue_id)
        if issue is not None:
            session.delete(issue)
            session.commit()
