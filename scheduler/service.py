"""The work the daemon and `newswatch crawl` do: poll sources, evaluate rules, send alerts."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import Engine

from alerts.delivery.channels import Channel, build_channels
from alerts.delivery.config import AlertsConfig
from alerts.delivery.outbox import DispatchReport, dispatch_due
from alerts.evaluate import EvaluationReport, evaluate_pending
from alerts.rules.ruleset import RuleSet
from db.config import DedupConfig
from db.maintenance import maintain
from db.polls import PollRecord, add_poll_event
from scheduler.config import HealthConfig
from scheduler.health import SourceHealth, failure_kind
from scheduler.metrics import Metrics
from scheduler.notices import send_source_notices
from spiders.config import CrawlConfig, SourceConfig
from spiders.outcome import PollOutcome
from spiders.worker import CrawlWorker

logger = logging.getLogger(__name__)


@dataclass(slots=True)
class PassReport:
    """What one pass over the sources did, for the end-of-run summary."""

    outcomes: list[PollOutcome] = field(default_factory=list)
    evaluation: EvaluationReport | None = None
    dispatch: DispatchReport | None = None

    @property
    def failed_sources(self) -> list[PollOutcome]:
        return [o for o in self.outcomes if not o.ok]


class Service:
    """Everything a poll needs, built once per process and shared by every job."""

    def __init__(
        self,
        archive: Engine,
        crawl: CrawlConfig,
        sources: Sequence[SourceConfig],
        rules: RuleSet,
        alerts: AlertsConfig,
        dedup: DedupConfig | None = None,
        health: HealthConfig | None = None,
        retention_days: int | None = None,
    ) -> None:
        self.archive = archive
        self.sources = {s.name: s for s in sources}
        self.rules = rules
        self.alerts = alerts
        self.channels: dict[str, Channel] = build_channels(alerts)
        self.worker = CrawlWorker(archive, crawl, dedup)
        self.metrics = Metrics()
        self.health = SourceHealth(archive, health or HealthConfig())
        self.retention_days = retention_days
        # Set when the daemon begins to stop: a poll cancelled under way is then no error.
        self.stopping = False
        # Evaluation and dispatch touch the database and SMTP servers: one at a time, off the
        # reactor thread, so a slow mail server never stalls the crawls.
        self._alerting = asyncio.Lock()

    async def poll(self, name: str) -> PollOutcome:
        outcome = await self._poll(name)
        if outcome.new or outcome.duplicates:
            await self.evaluate()
            await self.dispatch()
        return outcome

    async def _poll(self, name: str) -> PollOutcome:
        source = self.sources[name]
        started = time.monotonic()
        try:
            outcome = await self.worker.poll(source)
        except asyncio.CancelledError:
            if not (self.stopping or self.worker.stopping):
                raise
            # The crawler was stopped under this poll: what it had stored is kept, the rest
            # (the entries not yet archived) is fetched by the next poll, as after a crash.
            logger.info("source %s: poll cut short by shutdown", name)
            return PollOutcome(name, error="interrupted by shutdown", interrupted=True)
        seconds = time.monotonic() - started
        if outcome.interrupted:
            return outcome
        self.metrics.polled(source.kind, outcome, seconds)
        _log_poll(source, outcome, seconds)
        await asyncio.to_thread(self._record, name, outcome, seconds)
        return outcome

    def _record(self, name: str, outcome: PollOutcome, seconds: float) -> None:
        """The poll event, and what it says about the source's health."""
        try:
            add_poll_event(self.archive, name, _poll_record(outcome, seconds))
            self.health.check(name)
        except Exception:  # the poll itself is stored; its bookkeeping must not stop others
            logger.exception("source %s: could not record the poll event", name)

    def reload(self, sources: Sequence[SourceConfig], rules: RuleSet, alerts: AlertsConfig) -> None:
        """Take new sources, rules and channels (the caller validated them all)."""
        self.sources = {s.name: s for s in sources}
        self.rules = rules
        self.alerts = alerts
        self.channels = build_channels(alerts)

    async def evaluate(self) -> EvaluationReport:
        async with self._alerting:
            return await asyncio.to_thread(
                evaluate_pending, self.archive, self.rules, self.alerts.snippet_chars
            )

    async def catch_up(self) -> DispatchReport:
        """Evaluate whatever is pending (left by a crash, or set aside by a busy pass), then
        send what is due: run at daemon start and on every dispatch tick."""
        await self.evaluate()
        return await self.dispatch()

    async def dispatch(self) -> DispatchReport:
        async with self._alerting:
            report = await asyncio.to_thread(dispatch_due, self.archive, self.channels, self.alerts)
            await asyncio.to_thread(self._after_dispatch)
            return report

    def _after_dispatch(self) -> None:
        try:
            send_source_notices(self.archive, self.channels, self.alerts.operator_channel)
            self.metrics.refresh(self.archive)
        except Exception:  # bookkeeping: the next pass tries again
            logger.exception("source notices or metrics could not be updated")

    async def maintain(self) -> None:
        """Retention and the database's upkeep, off the reactor thread, between alert passes."""
        async with self._alerting:
            try:
                await asyncio.to_thread(maintain, self.archive, self.retention_days)
            except Exception:  # the archive works without it; tried again next time
                logger.exception("maintenance failed")

    async def tick(self) -> None:
        """The dispatch job: the heartbeat /healthz reads, then `catch_up`."""
        self.metrics.beat()
        await self.catch_up()

    async def run_pass(
        self,
        names: Sequence[str],
        on_source_done: Callable[[PollOutcome], None] | None = None,
    ) -> PassReport:
        """Poll the named sources concurrently, then evaluate the rules and send the alerts."""
        report = PassReport()

        async def one(name: str) -> None:
            outcome = await self._poll(name)
            report.outcomes.append(outcome)
            if on_source_done is not None:
                on_source_done(outcome)

        await asyncio.gather(*(one(name) for name in names))
        report.evaluation = await self.evaluate()
        report.dispatch = await self.dispatch()
        return report

    async def stop(self) -> None:
        await self.worker.stop()

    async def quiesce(self) -> None:
        """Wait for an evaluation or dispatch under way to commit, so none is cut in half."""
        async with self._alerting:
            pass


def _poll_record(outcome: PollOutcome, seconds: float) -> PollRecord:
    if outcome.ok:
        result, failure = ("not_modified" if outcome.not_modified else "ok"), None
    else:
        result, failure = "failed", failure_kind(outcome.error or "")
    return PollRecord(
        outcome=result,
        failure=failure,
        error=outcome.error,
        entries=outcome.entries,
        fetched=outcome.fetched,
        new=outcome.new,
        duplicates=outcome.duplicates,
        failed_pages=outcome.failed_pages,
        duration_ms=round(seconds * 1000),
    )


def _log_poll(source: SourceConfig, outcome: PollOutcome, seconds: float) -> None:
    """One line per poll, with its counts and duration (fields of their own in JSON logs)."""
    fields = {
        "source": source.name,
        "url": source.url,
        "ok": outcome.ok,
        "not_modified": outcome.not_modified,
        "entries": outcome.entries,
        "known": outcome.known,
        "too_old": outcome.too_old,
        "fetched": outcome.fetched,
        "new": outcome.new,
        "duplicates": outcome.duplicates,
        "failed_pages": outcome.failed_pages,
        "duration_s": round(seconds, 3),
        "error": outcome.error,
    }
    level = logging.INFO if outcome.ok else logging.ERROR
    logger.log(
        level,
        "source %s (%s): %s (%.2fs)",
        source.name,
        source.url,
        outcome.summary(),
        seconds,
        extra={"poll": fields},
    )
