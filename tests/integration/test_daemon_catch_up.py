"""Work a crash left behind is picked up when the daemon starts, not when news next arrives."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

from sqlmodel import Session, select

from db.engine import open_archive
from db.models import Article
from tests.support.cli import start_daemon
from tests.support.configs import write_config
from tests.support.stories import stories


def test_articles_left_pending_are_evaluated_at_daemon_start(tmp_path: Path) -> None:
    config = write_config(
        tmp_path,
        # No poll brings anything new: the source cannot be reached, and not soon again.
        scheduler={"jitter_seconds": 0, "dispatch_interval": "1h"},
        sources=[{"name": "refused", "kind": "feed", "url": "http://127.0.0.1:9/feed.xml"}],
        rules=[{"name": "drones", "query": "drone*"}],
    )
    archive = open_archive(f"sqlite:///{tmp_path / 'archive.db'}")
    # Stored, then the process died before the rules looked at them.
    stories(archive, 2)

    def pending() -> int:
        with Session(archive) as session:
            rows = session.exec(select(Article).where(Article.evaluated_at == None))  # noqa: E711
            return len(list(rows))

    assert pending() == 2
    daemon = start_daemon(config, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while pending() and time.monotonic() < deadline and daemon.poll() is None:
            time.sleep(0.2)
        assert pending() == 0
    finally:
        daemon.send_signal(signal.SIGTERM)
        output, _ = daemon.communicate(timeout=20)
        archive.dispose()
    assert "evaluated 7 articles" in output  # the two stories and the five seeds
