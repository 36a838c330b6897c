"""The work the daemon and `newswatch crawl` do: poll sources, evaluate rules, send alerts."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import Engine

from alerts.delivery.channels import Channel, build_channels
from alerts.delivery.config import AlertsConfig
from alerts.delivery.outbox import DispatchReport, dispatch_due
from alerts.evaluate import EvaluationReport, evaluate_pending
from alerts.rules.ruleset import RuleSet
from db.config import DedupConfig
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
    ) -> None:
        self.archive = archive
        self.sources = {s.name: s for s in sources}
        self.rules = rules
        self.alerts = alerts
        self.channels: dict[str, Channel] = build_channels(alerts)
        self.worker = CrawlWorker(archive, crawl, dedup)
        # Evaluation and dispatch touch the database and SMTP servers: one at a time, off the
        # reactor thread, so a slow mail server never stalls the crawls.
        self._alerting = asyncio.Lock()

    async def poll(self, name: str) -> PollOutcome:
        outcome = await self.worker.poll(self.sources[name])
        if outcome.new or outcome.duplicates:
            await self.evaluate()
            await self.dispatch()
        return outcome

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
            return await asyncio.to_thread(dispatch_due, self.archive, self.channels, self.alerts)

    async def run_pass(
        self,
        names: Sequence[str],
        on_source_done: Callable[[PollOutcome], None] | None = None,
    ) -> PassReport:
        """Poll the named sources concurrently, then evaluate the rules and send the alerts."""
        report = PassReport()

        async def one(name: str) -> None:
            outcome = await self.worker.poll(self.sources[name])
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
