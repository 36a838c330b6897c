"""The `newswatch` command: one click group; every subcommand is registered here, one way."""

from __future__ import annotations

from pathlib import Path

import click

from newswatch.commands.alerts import alerts
from newswatch.commands.backup import backup
from newswatch.commands.check import check
from newswatch.commands.daemon import crawl, run
from newswatch.commands.evaluate import evaluate
from newswatch.commands.export import export
from newswatch.commands.migrate import migrate
from newswatch.commands.reload import reload
from newswatch.commands.rules import rules, search
from newswatch.commands.seeds import seeds
from newswatch.commands.serve import serve
from newswatch.commands.show import show
from newswatch.commands.sources import sources
from newswatch.commands.status import status
from newswatch.config import config_path
from newswatch.context import Context


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


for command in (
    run,
    crawl,
    sources,
    seeds,
    check,
    search,
    show,
    export,
    rules,
    alerts,
    evaluate,
    migrate,
    serve,
):
    cli.add_command(command)
cli.add_command(status)
cli.add_command(reload)
cli.add_command(backup)


def main() -> None:
    cli(prog_name="newswatch")
