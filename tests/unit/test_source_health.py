"""Source health judgements, without a clock or a database."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from db.models import PollEvent
from scheduler.health import failure_kind, failure_score, rate_verdict, yield_drop

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def _event(
    outcome: str = "ok", failure: str | None = None, fetched: int = 0, new: int = 0
) -> PollEvent:
    return PollEvent(
        source_id=1, at=NOW, outcome=outcome, failure=failure, fetched=fetched, new=new
    )


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        ("HTTP 404", "hard"),
        ("HTTP 410", "hard"),
        ("DNS lookup failed for x.invalid (unknown host, or no network)", "hard"),
        ("not a feed: the server sent an HTML page (text/html)", "hard"),
        ("HTTP 503", "soft"),
        ("HTTP 403", "soft"),
        ("larger than the size limit (max_page_bytes = 5): 9 bytes", "soft"),
        ("timed out (took longer than 30 seconds)", "temporary"),
        ("connection refused by 127.0.0.1", "temporary"),
        ("crawl failed: RuntimeError: boom", "temporary"),
    ],
)
def test_failures_are_weighed_by_kind(error: str, kind: str) -> None:
    assert failure_kind(error) == kind


def test_failure_score_counts_only_the_failures_since_the_last_success() -> None:
    events = [
        _event("failed", "hard"),
        _event("failed", "soft"),
        _event("failed", "temporary"),
        _event("ok"),
        _event("failed", "hard"),
    ]
    assert failure_score(events) == 1.75
    assert failure_score([_event("ok"), *events]) == 0.0


def test_a_week_of_silence_or_well_below_the_usual_rate_is_silent() -> None:
    usual = [5, 6, 4, 5, 7, 5, 4] * 4
    assert rate_verdict([*usual, *[0] * 7]).kind == "silent"
    assert rate_verdict([*usual, *[2] * 7]).kind == "silent"
    assert rate_verdict([*usual, 5, 4, 6, 5, 5, 4, 6]).kind is None
    assert rate_verdict([*usual, *[12] * 7]).kind == "surge"
    # A source that never had news cannot go silent.
    assert rate_verdict([0] * 35).kind is None


def test_yield_drop_compares_the_newer_half_of_the_polls_with_the_older() -> None:
    good = [_event(fetched=4, new=4) for _ in range(10)]
    bad = [_event(fetched=4, new=1) for _ in range(10)]
    reason = yield_drop([*bad, *good], min_pages=10)
    assert reason is not None and "from 100% to 25%" in reason
    assert yield_drop([*good, *good], min_pages=10) is None
    assert yield_drop([*bad[:1], *good[:1]], min_pages=10) is None  # too few pages to judge
