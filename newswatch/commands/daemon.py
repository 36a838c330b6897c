"""`newswatch run` (the daemon) and `newswatch crawl` (one pass in the foreground)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

import click

from newswatch.commands.reload import reloaded
from newswatch.commands.seeds import import_seeds
from newswatch.config import ConfigError
from newswatch.context import Context, pass_context

if TYPE_CHECKING:
    from scheduler.service import Service

logger = logging.getLogger(__name__)


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
    with progress_bar(len(chosen), "polling sources") as bar:
        report = run_until_complete(
            lambda: service.run_pass(chosen, lambda outcome: bar.advance(label=outcome.source))
        )
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
