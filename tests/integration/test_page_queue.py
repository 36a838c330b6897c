"""The work queue between fetching and processing, on SQLite and PostgreSQL: a page is leased
to one worker, claimed again once a dead worker's lease is over, set aside after its attempts,
and leaves the queue in the transaction that stores its article; dedup stays race-free."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from alerts.rules.ruleset import RuleSet
from db.draft import ArticleDraft
from db.engine import open_archive
from db.models import Article, RejectedPage
from db.queue import PageWork, claim, enqueue, fail, poll_open, set_aside_pages, take_tally
from db.store import store_article
from scheduler.config import PipelineConfig
from scheduler.processing import Processor
from spiders.config import CrawlConfig
from tests.support.cli import run_cli
from tests.support.configs import write_config
from tests.support.dedup_set import load_cases
from tests.support.devset_eval import shipped_dedup

CASES = {case.id: case for case in load_cases()}
DEDUP = shipped_dedup()
LEASE = 60.0

SENTENCES = (
    "Officials in Brussels said on Tuesday that a shipment of machine tools reached a Russian "
    "arms plant through a trading house in Hong Kong.",
    "The shipment was paid for in yuan and routed through two intermediaries in Central Asia, "
    "according to customs records seen by investigators.",
    "The trading house denied any wrongdoing and said it had followed every export rule that "
    "applied to the goods at the time of the sale.",
    "Diplomats expect the case to come up when ministers meet next month to discuss a new round "
    "of restrictions on dual-use goods.",
)
PAGE = (
    "<html><head><title>Machine tools reach a Russian plant</title></head><body><article>"
    + "".join(f"<p>{sentence}</p>" for sentence in SENTENCES)
    + "</article></body></html>"
).encode()


def _page(n: int = 1, poll: str = "poll-1", body: bytes = PAGE) -> PageWork:
    return PageWork(
        source="local",
        poll_id=poll,
        url=f"https://news.example/a{n}",
        fetched_url=f"https://news.example/a{n}?utm=x",
        body=body,
        content_type="text/html; charset=utf-8",
        hint={"title": None, "published": "2026-11-30T08:00:00+00:00", "keywords": ["x"]},
    )


def _later(seconds: float) -> datetime:
    return datetime.now(UTC) + timedelta(seconds=seconds)


def test_a_claim_leases_the_page_to_one_worker_until_its_lease_ends(archive: Engine) -> None:
    enqueue(archive, _page())
    first = claim(archive, LEASE, max_attempts=3)
    assert first is not None and first.body == PAGE and first.attempts == 1
    assert first.hint is not None and first.hint["keywords"] == ["x"]
    assert claim(archive, LEASE, max_attempts=3) is None  # leased
    # Its worker died: once the lease is over another claims it.
    again = claim(archive, LEASE, max_attempts=3, now=_later(LEASE + 1))
    assert again is not None and again.id == first.id and again.attempts == 2
    assert poll_open(archive, "poll-1") == 1


def test_a_page_whose_workers_keep_dying_is_set_aside_with_its_reason(archive: Engine) -> None:
    enqueue(archive, _page())
    assert claim(archive, LEASE, max_attempts=2) is not None
    assert claim(archive, LEASE, max_attempts=2, now=_later(LEASE + 1)) is not None
    assert claim(archive, LEASE, max_attempts=2, now=_later(3 * LEASE)) is None
    count, rows = set_aside_pages(archive)
    assert count == 1 and rows[0].failed_reason is not None
    assert "stopped before finishing it 2 times" in rows[0].failed_reason
    # Done for its poll, counted as failed, and never claimed again.
    assert poll_open(archive, "poll-1") == 0
    assert take_tally(archive, "poll-1").failed == 1
    assert claim(archive, LEASE, max_attempts=2, now=_later(9 * LEASE)) is None


def test_a_page_that_fails_processing_is_retried_then_set_aside(archive: Engine) -> None:
    enqueue(archive, _page())
    page = claim(archive, LEASE, max_attempts=2)
    assert page is not None
    assert not fail(archive, page, "OperationalError: disk I/O error", max_attempts=2)
    page = claim(archive, LEASE, max_attempts=2)  # freed at once, no lease to wait out
    assert page is not None and page.attempts == 2
    assert fail(archive, page, "OperationalError: disk I/O error", max_attempts=2)
    count, rows = set_aside_pages(archive)
    assert count == 1 and rows[0].failed_reason == "OperationalError: disk I/O error"


def _processor(archive: Engine) -> Processor:
    return Processor(
        archive, CrawlConfig(), PipelineConfig(max_attempts=3), RuleSet([]), DEDUP, evaluate=True
    )


def test_a_worker_stores_the_article_and_takes_the_page_off_in_one_go(archive: Engine) -> None:
    enqueue(archive, _page(1))
    enqueue(archive, _page(2, body=b"<html><body><p>Subscribe to read</p></body></html>"))
    enqueue(archive, _page(3, poll="poll-2"))  # the same text again, another URL
    processor = _processor(archive)
    assert processor.next() and processor.next() and processor.next()
    assert not processor.next()
    assert poll_open(archive, "poll-1") == 0 and poll_open(archive, "poll-2") == 0
    one, two = take_tally(archive, "poll-1"), take_tally(archive, "poll-2")
    assert (one.new, one.failed, two.duplicates) == (1, 1, 1)
    with Session(archive) as session:
        stored = session.exec(select(Article).order_by(Article.id)).all()  # type: ignore[arg-type]
        assert [a.url for a in stored] == ["https://news.example/a1", "https://news.example/a3"]
        assert stored[0].fetched_url == "https://news.example/a1?utm=x"
        assert stored[0].evaluated_at is not None  # the worker evaluated it
        assert stored[1].duplicate_of == stored[0].id
        rejected = session.exec(select(RejectedPage)).one()
        assert rejected.url == "https://news.example/a2"
    assert set_aside_pages(archive)[0] == 0


def _draft(case_id: str) -> ArticleDraft:
    case = CASES[case_id]
    return ArticleDraft(
        url=f"https://news.example/{case_id}",
        title=case.title,
        text=case.text,
        published=datetime.combine(case.published, datetime.min.time(), tzinfo=UTC),
        lang=case.lang,
    )


@pytest.mark.parametrize("first", ["s003-en-wire", "s003-fr-wire"])
def test_two_workers_storing_two_copies_at_once_still_link_them(
    archive: Engine, first: str
) -> None:
    """The English wire copy and its French translation stored at the same moment by two
    workers: the check-and-insert is serialised, so the second sees the first."""
    second = "s003-fr-wire" if first == "s003-en-wire" else "s003-en-wire"
    start = threading.Barrier(2)
    results: dict[str, int | None] = {}
    errors: list[BaseException] = []

    def store(case_id: str) -> None:
        try:
            start.wait(10)
            result = store_article(archive, _draft(case_id), DEDUP)
            results[case_id] = result.duplicate_of
        except BaseException as exc:  # reported by the test thread
            errors.append(exc)

    threads = [threading.Thread(target=store, args=(case,)) for case in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    with Session(archive) as session:
        rows = {a.url.rsplit("/", 1)[1]: a for a in session.exec(select(Article))}
    assert set(rows) == {first, second}
    original = [a for a in rows.values() if a.duplicate_of is None]
    copy = [a for a in rows.values() if a.duplicate_of is not None]
    assert len(original) == 1 and len(copy) == 1, results
    assert copy[0].duplicate_of == original[0].id
    assert copy[0].story_id == original[0].story_id


def test_status_shows_the_pages_set_aside_with_their_reason(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    archive = open_archive(f"sqlite:///{tmp_path / 'archive.db'}")
    enqueue(archive, _page(1))
    enqueue(archive, _page(2))
    page = claim(archive, LEASE, max_attempts=1)
    assert page is not None
    assert fail(archive, page, "ValueError: a bug met on this page", max_attempts=1)
    archive.dispose()
    shown = run_cli(config, "status")
    assert "work queue: 1 fetched pages waiting, 1 set aside" in shown.stdout, shown.stderr
    assert (
        "set aside: local https://news.example/a1: ValueError: a bug met on this page"
        in shown.stdout
    )
