"""`newswatch run` (the daemon) and `newswatch crawl` (one pass in the foreground)."""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

import click

from newswatch.commands.reload import reloaded
from newswatch.commands.seeds import import_seeds
from newswatch.config import ConfigError
from newswatch.context import Context, pass_context

if TYPE_CHECKING:
    from newswatch.config import AppConfig
    from scheduler.processing import WorkerSetup
    from scheduler.service import Service

logger = logging.getLogger(__name__)


def worker_setup(
    config: AppConfig, log_level: str | None = None, log_format: str | None = None
) -> WorkerSetup | None:
    """What the processing worker processes are started with; None: `[pipeline] workers = 0`,
    the crawling process processes the pages itself."""
    from newswatch.logs import setup_logging
    from scheduler.processing import WorkerSetup

    if config.pipeline.worker_count() == 0:
        return None
    return WorkerSetup(
        archive_url=config.database.url,
        crawl=config.crawl,
        pipeline=config.pipeline,
        dedup=config.dedup,
        rules=list(config.rules),
        groups=dict(config.groups),
        entities=list(config.entities),
        snippet_chars=config.alerts.snippet_chars,
        log_setup=functools.partial(
            setup_logging, log_level or config.logging.level, log_format or config.logging.format
        ),
    )


def _service(context: Context) -> Service:
    from db.store import sync_sources
    from scheduler.service import Service

    config = context.config
    # The two commands that may upgrade the schema (besides `migrate`): they write the most.
    context.open_archive(upgrade=True)
    sync_sources(context.archive, [(s.name, s.kind, s.url) for s in config.sources])
    return Service(
        context.archive,
        config.crawl,
        config.sources,
        config.ruleset(),
        config.alerts,
        config.dedup,
        config.scheduler.health,
        config.database.irrelevant_text_days,
        config.pipeline,
        worker_setup(config, context.log_level, context.log_format),
    )


@click.command()
@pass_context
def run(context: Context) -> None:
    """Run the daemon: poll every source on its schedule, alert, until SIGINT/SIGTERM."""
    from scheduler.daemon import run_daemon

    config = context.config
    context.open_archive(upgrade=True)
    if config.seeds.import_on_start:
        import_seeds(context)
    if not config.sources:
        logger.warning("no [[sources]] in %s: nothing to poll", context.path)
    run_daemon(
        _service(context),
        config.sources,
        config.crawl,
        config.scheduler,
        lambda: reloaded(context),
    )


@click.command()
@click.option("--source", "names", multiple=True, help="poll only this source (repeatable)")
@pass_context
def crawl(context: Context, names: Sequence[str]) -> None:
    """One pass in the foreground: poll sources, evaluate rules, send alerts, then exit."""
    from newswatch.progress import progress_bar
    from scheduler.reactor import run_until_complete
    from scheduler.service import WORKER_STOP_SECONDS, PassReport

    config = context.config
    for name in names:
        try:
            config.source(name)
        except ConfigError as exc:
            raise click.ClickException(str(exc)) from None
    chosen = list(names) or [s.name for s in config.sources if s.enabled]
    if not chosen:
        raise click.ClickException(f"no enabled sources in {context.path}")
    service = _service(context)

    async def crawl_pass() -> PassReport:
        try:
            return await service.run_pass(chosen, lambda outcome: bar.advance(label=outcome.source))
        finally:
            await service.workers.stop(WORKER_STOP_SECONDS)

    with progress_bar(len(chosen), "polling sources") as bar:
        report = run_until_complete(crawl_pass)
    new = sum(o.new for o in report.outcomes)
    dups = sum(o.duplicates for o in report.outcomes)
    failed = report.failed_sources
    click.echo(
        f"crawl: {len(report.outcomes)} sources polled ({len(failed)} failed), "
        f"{sum(o.fetched for o in report.outcomes)} pages fetched, {new} new articles, "
        f"{dups} duplicates, {sum(o.failed_pages for o in report.outcomes)} pages failed",
        err=True,
    )
    if report.evaluation is not None:
        ev = report.evaluation
        click.echo(
            f"rules: {ev.evaluated} articles evaluated, {ev.relevant} relevant, "
            f"{ev.alerts} alerts raised",
            err=True,
        )
    if report.dispatch is not None:
        click.echo(report.dispatch.summary(), err=True)
    if report.outcomes and len(failed) == len(report.outcomes):
        # A cron job or CI step must not take "every source failed" for a good run.
        raise click.ClickException(
            f"no source could be polled: all {len(failed)} failed (see the errors above; "
            "`newswatch sources` shows the last error of each)"
        )
