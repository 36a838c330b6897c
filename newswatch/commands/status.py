"""`newswatch status`: is the daemon alive, how are the sources, what waits, what failed."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from datetime import datetime

import click

from db.polls import open_issues
from db.status import archive_status
from newswatch.context import Context, pass_context
from scheduler.pidfile import PidFile


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else "never"


def _size(n: int) -> str:
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} TB"


def _healthz(host: str, port: int) -> str:
    try:
        with urllib.request.urlopen(f"http://{host}:{port}/healthz", timeout=2) as answer:
            body = json.loads(answer.read())
    except urllib.error.HTTPError as exc:
        return f"/healthz answers {exc.code}"
    except (OSError, ValueError) as exc:
        return f"/healthz not reachable ({exc})"
    return f"/healthz {body.get('status')}, last poll {body.get('last_poll') or 'none yet'}"


@click.command()
@pass_context
def status(context: Context) -> None:
    """The daemon (alive?), each source's last poll, the outbox, pending evaluation, disk use
    and the last errors. Exit 1 when the daemon is not running."""
    config = context.config
    pid = PidFile(config.scheduler.pid_file).running()
    if pid is None:
        click.echo(f"daemon: not running (no live pid in {config.scheduler.pid_file})")
    else:
        line = f"daemon: running, pid {pid}"
        if config.scheduler.http_port:
            line += "; " + _healthz(config.scheduler.http_host, config.scheduler.http_port)
        click.echo(line)
    state = archive_status(context.archive)
    outbox = state.outbox
    waiting = outbox.get("pending", 0) + outbox.get("sending", 0)
    click.echo(
        f"outbox: {waiting} waiting ({outbox.get('sending', 0)} sending), "
        f"{outbox.get('sent', 0)} sent, {outbox.get('failed', 0)} failed"
        + (f"; oldest due {_when(state.oldest_pending)}" if waiting else "")
    )
    click.echo(f"evaluation: {state.pending_evaluation} of {state.articles} articles pending")
    if state.files:
        used = sum(state.files.values())
        free = f", {_size(state.disk_free)} free on its disk" if state.disk_free else ""
        click.echo(f"disk: archive {_size(used)} ({len(state.files)} files){free}")
    click.echo("sources:")
    width = max((len(s.name) for s in state.sources), default=4)
    for source in state.sources:
        health = "ok" if not source.consecutive_failures else f"{source.consecutive_failures} fails"
        click.echo(
            f"  {source.name.ljust(width)}  last poll {_when(source.last_run_at)}  "
            f"last ok {_when(source.last_success_at)}  {health}"
        )
    issues = open_issues(context.archive)
    if issues:
        click.echo("source health:")
        for name, issue in issues:
            settled = "recovered" if issue.cleared_at else "open"
            click.echo(f"  {name}: {issue.kind} ({settled}) since {_when(issue.raised_at)}")
    errors = [s for s in state.sources if s.last_error]
    if errors or state.delivery_errors:
        click.echo("last errors:")
        for source in errors:
            click.echo(f"  source {source.name}: {source.last_error}")
        for error in state.delivery_errors:
            click.echo(f"  delivery {error.id} via {error.channel} ({error.status}): {error.error}")
    if pid is None:
        raise SystemExit(1)
