"""`newswatch reload`: the running daemon re-reads sources, rules and channels (SIGHUP)."""

from __future__ import annotations

import logging
import os
import signal

import click

from newswatch.config import load_config
from newswatch.context import Context, pass_context
from scheduler.daemon import Reloaded
from scheduler.pidfile import PidFile

logger = logging.getLogger(__name__)

# Sections a running daemon cannot take over: they shape the archive, the crawler or the
# scheduler itself. A change there is logged; it applies at the next start.
_NEED_RESTART = ("database", "dedup", "crawl", "scheduler", "logging", "seeds")


def reloaded(context: Context) -> Reloaded:
    """The config file read again and validated whole (raises ConfigError with the reason)."""
    from db.store import sync_sources

    fresh = load_config(context.path)
    running = context.config
    for section in _NEED_RESTART:
        if getattr(fresh, section) != getattr(running, section):
            logger.warning("reload: [%s] changed; it takes effect at the next start", section)
    sync_sources(context.archive, [(s.name, s.kind, s.url) for s in fresh.sources])
    return Reloaded(fresh.sources, fresh.ruleset(), fresh.alerts, len(fresh.rules))


@click.command()
@pass_context
def reload(context: Context) -> None:
    """Make the running daemon re-read sources, rules and channels (SIGHUP). The file is
    checked first: one that does not validate is refused (exit 1, the reasons printed) and
    the daemon keeps the config it runs with."""
    config = context.config
    pid = PidFile(config.scheduler.pid_file).running()
    if pid is None:
        raise click.ClickException(
            f"no running daemon (no live pid in {config.scheduler.pid_file})"
        )
    os.kill(pid, signal.SIGHUP)
    click.echo(f"asked the daemon (pid {pid}) to reload {context.path}", err=True)
