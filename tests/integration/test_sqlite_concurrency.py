"""Several processes on one SQLite archive at once never meet "database is locked".

Two writers play the daemon and a `crawl` (articles stored with their dedup check, rejected
pages, poll records, adaptive intervals, rule evaluation: each a read followed by a write),
two readers play the review UI and CLI reads (source list, search, export, outbox counts).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from sqlalchemy import text

from db.engine import open_archive
from db.store import sync_sources
from tests.support.cli import env

ROLES = [("write", "daemon"), ("write", "crawl"), ("read", "ui"), ("read", "cli")]
SECONDS = 8


def test_writers_and_readers_in_separate_processes_never_fail(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'archive.db'}"
    engine = open_archive(url)
    sync_sources(engine, [(tag, "feed", f"https://example.org/{tag}.xml") for _r, tag in ROLES])
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.support.contention", role, url, str(SECONDS), tag],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env(),
        )
        for role, tag in ROLES
    ]
    results = []
    for worker in workers:
        out, err = worker.communicate(timeout=SECONDS + 120)
        assert worker.returncode == 0, f"{out}\n{err[-2000:]}"
        results.append(json.loads(out.strip().splitlines()[-1]))
    stored = sum(r.get("stored", 0) for r in results)
    assert all(r.get("polls", r.get("reads", 0)) > 0 for r in results), results
    with engine.connect() as conn:
        articles = conn.execute(text("SELECT count(*) FROM article")).scalar_one()
        pending = conn.execute(
            text("SELECT count(*) FROM article WHERE evaluated_at IS NULL")
        ).scalar_one()
        integrity = conn.execute(text("PRAGMA integrity_check")).scalar_one()
    engine.dispose()
    assert stored > 0 and articles == stored
    assert pending <= stored
    assert integrity == "ok"
