"""The `newswatch` command: one group, one subcommand per verb; config loaded once, passed down."""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click
from sqlalchemy import Engine

from newswatch.config import AppConfig, ConfigError, config_path, load_config
from newswatch.logs import setup_logging

if TYPE_CHECKING:
    from scheduler.service import Service

logger = logging.getLogger(__name__)


class Context:
    """What every subcommand gets: the path it was given and, once asked for, config and archive."""

    def __init__(self, path: Path, log_level: str | None, log_format: str | None = None) -> None:
        self.path = path
        self.log_level = log_level
        self.log_format = log_format
        self._config: AppConfig | None = None
        self._archive: Engine | None = None

    @property
    def config(self) -> AppConfig:
        if self._config is None:
            try:
                self._config = load_config(self.path)
            except ConfigError as exc:
                raise click.ClickException(str(exc)) from None
            setup_logging(
                self.log_level or self._config.logging.level,
                self.log_format or self._config.logging.format,
            )
        return self._config

    @property
    def archive(self) -> Engine:
        if self._archive is None:
            from db.engine import open_archive

            self._archive = open_archive(self.config.database.url)
        return self._archive


pass_context = click.make_pass_decorator(Context)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="config file (default: $NEWSWATCH_CONFIG or ./config.toml)",
)
@click.option(
    "--log-level",
    type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False),
    default=None,
    help="overrides [logging] level",
)
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    default=None,
    help="overrides [logging] format: text lines, or one JSON object per line",
)
@click.version_option(package_name="newswatch")
@click.pass_context
def cli(
    ctx: click.Context, config_file: Path | None, log_level: str | None, log_format: str | None
) -> None:
    """Newswatch: collect news on a topic, tell new reporting from known, alert analysts."""
    ctx.obj = Context(
        config_path(config_file), log_level.upper() if log_level else None, log_format
    )


def _import_seeds(context: Context) -> None:
    from db.seeds import SeedError, import_seeds
    from newswatch.progress import progress_bar

    seeds_dir = context.config.seeds.dir
    try:
        with progress_bar(0, "importing seeds") as bar:
            report = import_seeds(context.archive, seeds_dir, bar.update)
    except SeedError as exc:
        raise click.ClickException(f"cannot import seeds: {exc}") from None
    click.echo(
        f"seeds from {seeds_dir}: {report.added} added, {report.updated} updated, "
        f"{report.unchanged} unchanged",
        err=True,
    )


def _service(context: Context) -> Service:
    from db.store import sync_sources
    from scheduler.service import Service

    config = context.config
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


@cli.command()
@pass_context
def run(context: Context) -> None:
    """Run the daemon: poll every source on its schedule, alert, until SIGINT/SIGTERM."""
    from scheduler.daemon import run_daemon

    config = context.config
    if config.seeds.import_on_start:
        _import_seeds(context)
    if not config.sources:
        logger.warning("no [[sources]] in %s: nothing to poll", context.path)
    run_daemon(
        _service(context),
        config.sources,
        config.crawl,
        config.scheduler,
        lambda: reloaded(context),
    )


@cli.command()
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
        d = report.dispatch
        click.echo(
            f"alerts: {d.sent} sent, {d.retried} to retry, {d.failed} failed, "
            f"{d.digested} into digests, {d.digests_sent} digests sent",
            err=True,
        )


@cli.command()
@click.option("--check", is_flag=True, help="fetch each source's URL once and report what is there")
@pass_context
def sources(context: Context, check: bool) -> None:
    """The configured sources and their crawl state (with --check: are the URLs readable?)."""
    from newswatch.tables import print_check_results, print_source_table

    config = context.config
    if check:
        from newswatch.progress import progress_bar
        from spiders.check import check_sources

        with progress_bar(len(config.sources), "checking sources") as bar:
            results = check_sources(config.sources, config.crawl, lambda _result: bar.advance())
        print_check_results(results)
        if any(not result.ok for result in results):
            sys.exit(1)
        return
    from db.store import list_sources, sync_sources

    sync_sources(context.archive, [(s.name, s.kind, s.url) for s in config.sources])
    print_source_table(config, list_sources(context.archive))


@cli.group()
def seeds() -> None:
    """The seed corpus."""


@seeds.command("import")
@pass_context
def seeds_import(context: Context) -> None:
    """Load seeds/seeds.toml and its texts into the archive (a second run changes nothing)."""
    _import_seeds(context)


@cli.command()
@click.argument("target", metavar="URL|FILE")
@click.option(
    "--date",
    "published",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="publication day to assume (default: the page's own, else today)",
)
@pass_context
def check(context: Context, target: str, published: datetime | None) -> None:
    """Dry run on one page: extraction, deduplication (with the reasons) and rules."""
    from newswatch.check import CheckError, run_check

    try:
        day = published.replace(tzinfo=UTC) if published else None
        click.echo(run_check(context.archive, context.config, target, day))
    except CheckError as exc:
        raise click.ClickException(str(exc)) from None


@cli.command()
@click.argument("query")
@click.option("--limit", default=20, show_default=True, help="at most this many results")
@click.option("--since", default=None, help="only articles of the last 90d, 12h, ...")
@pass_context
def search(context: Context, query: str, limit: int, since: str | None) -> None:
    """Search the archive with the rule language: AND/OR/NOT, "phrases", pre*, NEAR/n, @groups,
    title:/text:/lang:/source:/entity: fields."""
    from newswatch import rulecmds

    rulecmds.search(context, query, limit, since)


@cli.command()
@click.argument("article_id", type=int)
@pass_context
def show(context: Context, article_id: int) -> None:
    """One article: where it came from, its verdicts, matches, alerts and text."""
    from newswatch.show import render_article

    text = render_article(context.archive, article_id)
    if text is None:
        raise click.ClickException(f"no article with id {article_id}")
    click.echo(text)


@cli.command()
@click.option(
    "--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="write to this file instead of standard output",
)
@pass_context
def export(context: Context, fmt: str, out: Path | None) -> None:
    """Export every article with its verdicts (fields: see ARCHITECTURE / README)."""
    from db.export import write_csv, write_jsonl

    writer = write_jsonl if fmt == "jsonl" else write_csv
    if out is None:
        count = writer(context.archive, sys.stdout)
    else:
        with out.open("w", encoding="utf-8", newline="") as handle:
            count = writer(context.archive, handle)
    click.echo(f"{count} articles exported", err=True)


def _add_rules_commands() -> None:
    from newswatch.rulecmds import rules

    cli.add_command(rules)


_add_rules_commands()


def main() -> None:
    cli(prog_name="newswatch")


from newswatch.alerts_cli import alerts  # noqa: E402  (it needs `cli` defined first)

cli.add_command(alerts)
