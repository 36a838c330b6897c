"""Retention, statistics and backups of the archive."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, update
from sqlmodel import Session, col, select

from db.draft import ArticleDraft
from db.maintenance import BackupError, backup, drop_irrelevant_text, maintain
from db.models import Article, DedupKey, DedupSketch, utcnow
from db.store import known_urls, store_article

TEXT = (
    "The harbour board of {place} met on a {day} to weigh the cost of dredging the channel, "
    "which silt has narrowed since the {season} storms. Pilots asked for a second tug and "
    "longer daylight hours; the board set up a committee of {n} members to report by {month}."
)


def _store(archive: Engine, n: int) -> int:
    draft = ArticleDraft(
        url=f"https://harbour.example/{n}",
        title=f"Harbour board meeting {n}",
        text=TEXT.format(
            place=["Ostend", "Varna", "Gdynia", "Bilbao"][n],
            day=["Monday", "Tuesday", "Friday", "Sunday"][n],
            season=["spring", "autumn", "winter", "summer"][n],
            n=n + 3,
            month=["March", "June", "October", "May"][n],
        ),
        published=datetime(2026, 1, 1 + n, tzinfo=UTC),
    )
    return store_article(archive, draft).article_id


def test_retention_empties_old_irrelevant_texts_and_keeps_rows_and_keys(archive: Engine) -> None:
    ids = [_store(archive, n) for n in range(4)]
    old = utcnow() - timedelta(days=100)
    with Session(archive) as session:
        keys_before = session.exec(select(func.count()).select_from(DedupKey)).one()
        # 0: old, irrelevant; 1: old, relevant; 2: recent, irrelevant; 3: old, not evaluated.
        session.exec(update(Article).values(evaluated_at=utcnow(), created_at=old))
        session.exec(update(Article).where(col(Article.id) == ids[1]).values(relevant=True))
        session.exec(update(Article).where(col(Article.id) == ids[2]).values(created_at=utcnow()))
        session.exec(update(Article).where(col(Article.id) == ids[3]).values(evaluated_at=None))
        session.commit()
    assert drop_irrelevant_text(archive, 90) == 1
    assert drop_irrelevant_text(archive, 90) == 0
    with Session(archive) as session:
        texts = {a.id: a.text for a in session.exec(select(Article))}
        keys_after = session.exec(select(func.count()).select_from(DedupKey)).one()
        sketches = session.exec(select(func.count()).select_from(DedupSketch)).one()
    assert texts[ids[0]] == "" and all(texts[i] for i in ids[1:])
    assert keys_after == keys_before and sketches == 4
    # The row stays: its page is still known and never fetched again.
    assert known_urls(archive, ["https://harbour.example/0"]) == {"https://harbour.example/0"}
    report = maintain(archive, 90)
    assert report.analyzed and report.texts_dropped == 0


def test_backup_copies_a_live_sqlite_archive(archive: Engine, tmp_path: Path) -> None:
    if archive.dialect.name != "sqlite":
        with pytest.raises(BackupError, match="pg_dump"):
            backup(archive, tmp_path / "copy.db")
        return
    _store(archive, 0)
    target = tmp_path / "copies" / "copy.db"
    assert backup(archive, target) > 0
    with sqlite3.connect(target) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert copy.execute("SELECT count(*) FROM article").fetchone() == (1,)
    with pytest.raises(BackupError, match="exists already"):
        backup(archive, target)
