"""The poll job: poll one source, then set when it is polled next (adaptive, backed off)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.interval import IntervalTrigger

from db.store import get_source, set_poll_interval
from scheduler.pacing import Bounds, backoff_delay, next_delay
from scheduler.service import Service
from spiders.config import CrawlConfig, SourceConfig, interval_seconds
from spiders.outcome import PollOutcome

logger = logging.getLogger(__name__)


def poll_job_id(source: str) -> str:
    return f"poll:{source}"


def _seconds(text: str) -> int:
    seconds = interval_seconds(text)
    assert seconds is not None, "validated by the config"
    return seconds


class PollJobs:
    """Runs the polls the scheduler asks for and reschedules each source after its poll."""

    def __init__(
        self,
        service: Service,
        sources: Sequence[SourceConfig],
        crawl: CrawlConfig,
        jitter_seconds: int,
    ) -> None:
        self.service = service
        self.sources: dict[str, SourceConfig] = {source.name: source for source in sources}
        self.crawl = crawl
        self.jitter_seconds = jitter_seconds
        self.scheduler: BaseScheduler | None = None

    def bounds(self, source: SourceConfig) -> Bounds:
        # A cron source has no interval of its own: its backoff starts at the adaptive minimum.
        base = interval_seconds(source.effective_schedule(self.crawl))
        return Bounds(
            base=base or _seconds(self.crawl.adaptive_min_interval),
            adaptive_min=_seconds(self.crawl.adaptive_min_interval),
            adaptive_max=_seconds(self.crawl.adaptive_max_interval),
            backoff_max=_seconds(self.crawl.backoff_max_interval),
        )

    def start_interval(self, source: SourceConfig) -> int | None:
        """The interval to start with: the adapted one from the archive, else the schedule."""
        base = interval_seconds(source.effective_schedule(self.crawl))
        if base is None or not source.is_adaptive(self.crawl):
            return base
        state = get_source(self.service.archive, source.name)
        return (state.poll_interval_seconds if state else None) or base

    def interval_trigger(self, seconds: int) -> IntervalTrigger:
        jitter = min(self.jitter_seconds, seconds // 2) or None
        return IntervalTrigger(seconds=seconds, jitter=jitter)

    async def poll(self, name: str) -> PollOutcome:
        outcome = await self.service.poll(name)
        source = self.sources.get(name)
        if source is not None:  # not removed by a reload while it was polled
            self.pace(source, outcome)
        return outcome

    def pace(self, source: SourceConfig, outcome: PollOutcome) -> None:
        if self.scheduler is None or outcome.interrupted:
            return
        job = self.scheduler.get_job(poll_job_id(source.name))
        state = get_source(self.service.archive, source.name)
        if job is None or state is None:
            return
        bounds = self.bounds(source)
        failures = state.consecutive_failures
        if interval_seconds(source.effective_schedule(self.crawl)) is None:
            # A cron schedule is the user's word; only a failing source is held back.
            if failures > 1:
                delay = backoff_delay(bounds, failures)
                job.modify(next_run_time=datetime.now().astimezone() + timedelta(seconds=delay))
                self._report_backoff(source, failures, delay)
            return
        adaptive = source.is_adaptive(self.crawl)
        delay = next_delay(
            bounds,
            adaptive=adaptive,
            current=state.poll_interval_seconds,
            ok=outcome.ok,
            new_items=outcome.new,
            failures=failures,
        )
        if adaptive and outcome.ok and delay != state.poll_interval_seconds:
            set_poll_interval(self.service.archive, source.name, delay)
        if getattr(job.trigger, "interval", None) != timedelta(seconds=delay):
            job.reschedule(self.interval_trigger(delay))
            logger.debug("source %s: next poll every %ds", source.name, delay)
        if failures > 1:
            self._report_backoff(source, failures, delay)

    @staticmethod
    def _report_backoff(source: SourceConfig, failures: int, delay: int) -> None:
        logger.warning(
            "source %s: %d failures in a row; backing off, next poll in %s",
            source.name,
            failures,
            timedelta(seconds=delay),
        )
