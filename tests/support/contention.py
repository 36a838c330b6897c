"""One process of the SQLite contention test: a daemon-like writer, a `crawl`, or a reader.

Run as `python -m tests.support.contention ROLE URL SECONDS TAG`. It works on the archive for
SECONDS through the real storage, evaluation and read functions, and prints one JSON line:
what it did and the database errors it met (none is the point). Exit 1 on any error.
"""

from __future__ import annotations

import io
import json
import sys
import time
from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from alerts.evaluate import evaluate_pending
from alerts.rules.config import RuleConfig
from alerts.rules.ruleset import RuleSet
from db.draft import ArticleDraft
from db.engine import make_engine, reading
from db.export import write_jsonl
from db.search import search_articles
from db.store import (
    known_urls,
    list_sources,
    record_poll,
    record_rejected,
    set_poll_interval,
    store_article,
)

WORDS = ["harbour", "grain", "freight", "rail", "winter", "berth", "tariff", "convoy"]


def _draft(tag: str, n: int) -> ArticleDraft:
    # Distinct texts, so every article is new and goes through the full dedup check.
    words = " ".join(WORDS[(n * 7 + i) % len(WORDS)] + str(n * 31 + i) for i in range(60))
    return ArticleDraft(
        url=f"https://example.org/{tag}/{n}",
        title=f"{tag} report {n}",
        text=f"The {tag} desk filed report {n}. {words}.",
        published=datetime.now(UTC),
        lang="en",
        source=tag,
    )


def write(url: str, seconds: float, tag: str) -> dict[str, int]:
    engine = make_engine(url)
    rules = RuleSet([RuleConfig(name="grain", query="grain*")], {}, [])
    done = {"stored": 0, "evaluated": 0, "polls": 0}
    deadline = time.monotonic() + seconds
    n = 0
    while time.monotonic() < deadline:
        drafts = [_draft(tag, n + i) for i in range(3)]
        n += 3
        fresh = known_urls(engine, [d.url for d in drafts])
        for draft in drafts:
            if draft.url not in fresh:
                done["stored"] += int(store_article(engine, draft).created)
        record_rejected(engine, f"https://example.org/{tag}/teaser/{n}", tag, "no article")
        record_poll(engine, tag, error=None, seen=3, new=3)
        set_poll_interval(engine, tag, 300 + n)
        done["polls"] += 1
        done["evaluated"] += evaluate_pending(engine, rules, 120).evaluated
    engine.dispose()
    return done


def read(url: str, seconds: float, _tag: str) -> dict[str, int]:
    engine = reading(make_engine(url))
    done = {"reads": 0, "exported": 0}
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        list_sources(engine)
        search_articles(engine, "grain*", limit=5)
        done["exported"] += write_jsonl(engine, io.StringIO())
        with engine.connect() as conn:
            conn.execute(text("SELECT count(*) FROM delivery WHERE status = 'pending'")).one()
        done["reads"] += 1
    engine.dispose()
    return done


def main() -> int:
    role, url, seconds, tag = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
    work = write if role == "write" else read
    try:
        done = work(url, seconds, tag)
    except OperationalError as exc:
        sys.stdout.write(json.dumps({"role": role, "tag": tag, "error": str(exc.orig)}) + "\n")
        return 1
    sys.stdout.write(json.dumps({"role": role, "tag": tag, **done}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
