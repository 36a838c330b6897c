"""Keeping the archive in shape: retention of irrelevant text, statistics, space, backups.

Retention empties the text of articles the topic rule found irrelevant once they are old
enough; the row stays, with its URL, text hash and dedup index (the keys and the sketch), so
the page is never fetched again and later copies of it are still told apart.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import Engine, text, update
from sqlalchemy.engine import make_url
from sqlmodel import Session, col, select

from db.models import Article, utcnow

logger = logging.getLogger(__name__)

# SQLite: VACUUM (which rewrites the whole file and holds the write lock meanwhile) only when
# at least this share of the file is free pages; otherwise the space is reused anyway.
VACUUM_FREE_SHARE = 0.25
RETENTION_BATCH = 500


class BackupError(Exception):
    """The backup could not be made; the message says why."""


@dataclass(frozen=True, slots=True)
class MaintenanceReport:
    texts_dropped: int
    analyzed: bool
    vacuumed: bool


def drop_irrelevant_text(engine: Engine, days: int) -> int:
    """Empty the text of irrelevant, evaluated, non-seed articles collected over `days` ago.

    In batches of short transactions, so the daemon's writers never wait long."""
    cutoff = utcnow() - timedelta(days=days)
    dropped = 0
    while True:
        with Session(engine) as session:
            ids = session.exec(
                select(Article.id)
                .where(
                    col(Article.relevant).is_(False),
                    col(Article.evaluated_at).is_not(None),
                    col(Article.seed).is_(None),
                    col(Article.created_at) < cutoff,
                    col(Article.text) != "",
                )
                .limit(RETENTION_BATCH)
            ).all()
            if not ids:
                return dropped
            session.exec(update(Article).where(col(Article.id).in_(ids)).values(text=""))
            session.commit()
        dropped += len(ids)


def optimize(engine: Engine) -> tuple[bool, bool]:
    """Refresh the planner's statistics and give back space when much is free: (analyzed,
    vacuumed). SQLite: ANALYZE, VACUUM past VACUUM_FREE_SHARE; PostgreSQL: VACUUM ANALYZE."""
    if engine.dialect.name == "sqlite":
        # Outside any transaction (the driver's connection is in autocommit): VACUUM and a
        # checkpoint cannot run inside one.
        raw = engine.raw_connection()
        try:
            sqlite = raw.driver_connection
            assert isinstance(sqlite, sqlite3.Connection)
            sqlite.execute("ANALYZE")
            pages = sqlite.execute("PRAGMA page_count").fetchone()[0]
            free = sqlite.execute("PRAGMA freelist_count").fetchone()[0]
            vacuum = bool(pages) and free / pages >= VACUUM_FREE_SHARE
            if vacuum:
                sqlite.execute("VACUUM")
            sqlite.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            raw.close()
        return True, vacuum
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM (ANALYZE)"))
    return True, True


def maintain(engine: Engine, retention_days: int | None) -> MaintenanceReport:
    dropped = drop_irrelevant_text(engine, retention_days) if retention_days else 0
    analyzed, vacuumed = optimize(engine)
    logger.info(
        "maintenance: text of %d irrelevant articles dropped; statistics refreshed%s",
        dropped,
        "; file vacuumed" if vacuumed else "",
    )
    return MaintenanceReport(dropped, analyzed, vacuumed)


def backup(engine: Engine, target: Path) -> int:
    """Copy a SQLite archive to `target` with SQLite's online backup (the daemon may keep
    writing meanwhile); the size of the copy in bytes."""
    url = make_url(str(engine.url))
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        raise BackupError(
            "backup copies a SQLite archive; for PostgreSQL use pg_dump (or its base backups)"
        )
    if target.exists():
        raise BackupError(f"{target} exists already; choose a new file")
    target.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(url.database, timeout=30)
    copy = sqlite3.connect(target)
    try:
        # Page by page, so the writers in other processes get the lock between steps.
        source.backup(copy, pages=1024, sleep=0.01)
    except sqlite3.Error as exc:
        copy.close()
        target.unlink(missing_ok=True)
        raise BackupError(f"backup to {target} failed: {exc}") from exc
    finally:
        source.close()
    copy.close()
    return target.stat().st_size
