"""What `newswatch status` reports from the archive: backlogs, sizes and the last errors."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine, func
from sqlalchemy.engine import make_url
from sqlmodel import Session, col, select

from db.engine import reading
from db.models import Article, Delivery, Source


@dataclass(frozen=True, slots=True)
class DeliveryError:
    id: int
    channel: str
    status: str
    error: str


@dataclass(slots=True)
class ArchiveStatus:
    sources: list[Source] = field(default_factory=list)
    outbox: dict[str, int] = field(default_factory=dict)  # deliveries by status
    pending_evaluation: int = 0
    articles: int = 0
    files: dict[str, int] = field(default_factory=dict)  # SQLite file -> bytes
    disk_free: int | None = None
    delivery_errors: list[DeliveryError] = field(default_factory=list)
    oldest_pending: datetime | None = None


def archive_status(engine: Engine, errors: int = 5) -> ArchiveStatus:
    status = ArchiveStatus()
    with Session(reading(engine)) as session:
        status.sources = list(session.exec(select(Source).order_by(col(Source.name))))
        status.outbox = {
            str(state): int(n)
            for state, n in session.exec(
                select(Delivery.status, func.count()).group_by(col(Delivery.status))
            )
        }
        status.oldest_pending = session.exec(
            select(func.min(Delivery.next_attempt_at)).where(
                col(Delivery.status).in_(["pending", "sending"])
            )
        ).one()
        status.pending_evaluation = session.exec(
            select(func.count()).select_from(Article).where(col(Article.evaluated_at).is_(None))
        ).one()
        status.articles = session.exec(select(func.count()).select_from(Article)).one()
        status.delivery_errors = [
            DeliveryError(d.id or 0, d.channel, d.status, d.last_error or "")
            for d in session.exec(
                select(Delivery)
                .where(col(Delivery.last_error).is_not(None))
                .order_by(col(Delivery.id).desc())
                .limit(errors)
            )
        ]
    url = make_url(str(engine.url))
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        base = Path(url.database)
        for suffix in ("", "-wal", "-shm"):
            path = base.with_name(base.name + suffix)
            if path.exists():
                status.files[str(path)] = path.stat().st_size
        status.disk_free = shutil.disk_usage(base.parent).free
    return status
