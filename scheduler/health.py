"""Source health, as Media Cloud watches its feeds: weighted failures, silence against the
source's own usual rate, and extraction yield; each problem is raised once and cleared once.

The judgements are pure functions of a source's recent polls and daily counts, so they are
tested without a clock; `SourceHealth` applies them after each poll and keeps the issues in
the archive, where the dispatcher finds the notices to send (scheduler/notices.py).
"""

from __future__ import annotations

import logging
import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Engine

from db.models import PollEvent, utcnow
from db.polls import clear_issue, daily_counts, first_article_at, poll_events, raise_issue
from scheduler.config import HealthConfig

logger = logging.getLogger(__name__)

# A hard failure says the source is gone or is not what the config says; a soft one, that the
# server answers but refuses or errs; a temporary one, that the network failed this time.
WEIGHTS = {"hard": 1.0, "soft": 0.5, "temporary": 0.25}

_HARD = re.compile(
    r"^(HTTP (404|410)|DNS lookup failed|not a (feed|readable feed|listing page|sitemap)"
    r"|too many redirects|redirect)",
    re.IGNORECASE,
)
_SOFT = re.compile(r"^(HTTP \d{3}|larger than the size limit|request refused|the response was)")

BASELINE_DAYS = 28
RECENT_DAYS = 7


def failure_kind(error: str) -> str:
    """hard, soft or temporary, from the one-line reason the crawl gave."""
    if _HARD.search(error):
        return "hard"
    if _SOFT.search(error):
        return "soft"
    return "temporary"


def failure_score(events: Sequence[PollEvent]) -> float:
    """The weighted failures since the last poll that worked (events newest first)."""
    score = 0.0
    for event in events:
        if event.outcome != "failed":
            break
        score += WEIGHTS.get(event.failure or "temporary", WEIGHTS["temporary"])
    return score


@dataclass(frozen=True, slots=True)
class RateVerdict:
    kind: str | None  # None: usual; "silent" or "surge"
    detail: str


def rate_verdict(daily: Sequence[int]) -> RateVerdict:
    """The last RECENT_DAYS against the BASELINE_DAYS before them (daily counts, oldest first):
    silent when the week's daily mean is zero or below mean - 1.5 sigma of the baseline, a
    surge above mean + 2 sigma."""
    baseline = list(daily[:BASELINE_DAYS])
    recent = list(daily[BASELINE_DAYS:])
    mean = statistics.fmean(baseline)
    sigma = statistics.pstdev(baseline)
    week = statistics.fmean(recent)
    low, high = mean - 1.5 * sigma, mean + 2 * sigma
    usual = f"{week:.1f} articles a day last week; usually {mean:.1f} ± {sigma:.1f}"
    if mean > 0 and (week == 0 or week < low):
        return RateVerdict("silent", f"silent: {usual}")
    if mean > 0 and week > high:
        return RateVerdict("surge", f"surge: {usual}")
    return RateVerdict(None, usual)


def yield_drop(events: Sequence[PollEvent], min_pages: int) -> str | None:
    """Why the share of fetched pages that gave an article fell by half, if it did: the newest
    half of the kept polls against the older half, each over at least `min_pages` pages."""
    fetching = [e for e in events if e.outcome == "ok" and e.fetched > 0]
    half = len(fetching) // 2
    recent, older = fetching[:half], fetching[half:]

    def share(group: Sequence[PollEvent]) -> tuple[float, int]:
        pages = sum(e.fetched for e in group)
        stored = sum(e.new + e.duplicates for e in group)
        return (stored / pages if pages else 0.0), pages

    now, now_pages = share(recent)
    before, before_pages = share(older)
    if now_pages < min_pages or before_pages < min_pages or before < 0.5:
        return None
    if now < before / 2:
        return (
            f"extraction yield fell from {before:.0%} to {now:.0%} of fetched pages "
            f"(last {now_pages} pages)"
        )
    return None


class SourceHealth:
    """After each poll: raise a source's problems once, clear them once it is well."""

    def __init__(self, archive: Engine, config: HealthConfig) -> None:
        self.archive = archive
        self.config = config

    def _set(self, name: str, kind: str, problem: str | None) -> None:
        if problem is not None:
            if raise_issue(self.archive, name, kind, problem):
                logger.warning("source %s: %s", name, problem)
        elif clear_issue(self.archive, name, kind):
            logger.info("source %s: recovered (%s)", name, kind)

    def check(self, name: str) -> None:
        if not self.config.enabled:
            return
        events = poll_events(self.archive, name)
        score = failure_score(events)
        failing = None
        if score >= self.config.failure_score:
            failures = next((i for i, e in enumerate(events) if e.outcome != "failed"), len(events))
            failing = (
                f"failing: {failures} polls in a row failed (weighted {score:.2f}); "
                f"last: {events[0].error}"
            )
        self._set(name, "failing", failing)
        self._set(name, "yield", yield_drop(events, self.config.yield_min_pages))
        if events and events[0].outcome == "failed":
            return  # a failing source is reported as failing, not also as silent
        first = first_article_at(self.archive, name)
        history = BASELINE_DAYS + RECENT_DAYS
        if first is None or utcnow() - first < timedelta(days=history):
            return  # too young to have a usual rate
        verdict = rate_verdict(daily_counts(self.archive, name, history))
        for kind in ("silent", "surge"):
            self._set(name, kind, verdict.detail if verdict.kind == kind else None)
