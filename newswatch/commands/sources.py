"""`newswatch sources [--check]`: the configured sources, their crawl state, and source checks."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import datetime, timedelta

import click

from db.models import RejectedPage, Source
from newswatch.config import AppConfig, ConfigError
from newswatch.context import Context, pass_context
from spiders.check import CheckResult
from spiders.config import interval_seconds


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "never"


def _schedule(config: AppConfig, name: str, state: Source | None) -> str:
    source = config.source(name)
    schedule = source.effective_schedule(config.crawl)
    if not source.enabled:
        return "disabled"
    current = state.poll_interval_seconds if state else None
    if source.is_adaptive(config.crawl) and current and interval_seconds(schedule) is not None:
        return f"~{timedelta(seconds=current)} (adaptive, {schedule})"
    return schedule


def print_source_table(config: AppConfig, states: Sequence[Source]) -> None:
    by_name = {state.name: state for state in states}
    rows = [("NAME", "KIND", "SCHEDULE", "LAST RUN", "LAST OK", "NEW", "FAILS", "LAST ERROR")]
    for source in config.sources:
        state = by_name.get(source.name)
        rows.append(
            (
                source.name,
                source.kind,
                _schedule(config, source.name, state),
                _when(state.last_run_at if state else None),
                _when(state.last_success_at if state else None),
                str(state.items_new if state else 0),
                str(state.consecutive_failures if state else 0),
                (state.last_error or "") if state else "",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        click.echo("  ".join([*cells, row[-1]]).rstrip())


def print_check_results(results: Sequence[CheckResult]) -> None:
    width = max((len(result.source) for result in results), default=4)
    for result in results:
        mark = "ok  " if result.ok else "FAIL"
        click.echo(f"{mark}  {result.source.ljust(width)}  {result.detail}")
    failed = sum(not result.ok for result in results)
    click.echo(f"{len(results) - failed} of {len(results)} sources readable", err=True)


def print_source_detail(config: AppConfig, state: Source, context: Context) -> None:
    """One source: its state, open health issues and its last polls, newest first."""
    from db.polls import open_issues, poll_events

    click.echo(f"{state.name}  {state.kind}  {state.url}")
    click.echo(
        f"schedule {_schedule(config, state.name, state)}; last run {_when(state.last_run_at)}; "
        f"last ok {_when(state.last_success_at)}; {state.consecutive_failures} failures in a row"
    )
    for _name, issue in open_issues(context.archive, state.name):
        settled = "recovered, notice pending" if issue.cleared_at else "open"
        click.echo(
            f"health: {issue.kind} ({settled}) since {_when(issue.raised_at)}: {issue.detail}"
        )
    events = poll_events(context.archive, state.name)
    click.echo(f"last {len(events)} polls:")
    rows = [("WHEN", "OUTCOME", "ENTRIES", "FETCHED", "NEW", "DUPS", "FAILED", "SECONDS", "ERROR")]
    for event in events:
        outcome = f"failed ({event.failure})" if event.outcome == "failed" else event.outcome
        rows.append(
            (
                event.at.strftime("%Y-%m-%d %H:%M:%S"),
                outcome,
                str(event.entries),
                str(event.fetched),
                str(event.new),
                str(event.duplicates),
                str(event.failed_pages),
                f"{event.duration_ms / 1000:.2f}",
                event.error or "",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        click.echo("  " + "  ".join([*cells, row[-1]]).rstrip())


def print_given_up(pages: Sequence[tuple[RejectedPage, str | None]]) -> None:
    for page, source in pages:
        click.echo(
            f"{_when(page.created_at)}  {source or '-'}  {page.attempts} fetches  {page.url}\n"
            f"    {page.reason}"
        )
    click.echo(
        f"{len(pages)} pages given up; `newswatch sources --clear-given-up [URL]` has them "
        "fetched again",
        err=True,
    )


@click.command()
@click.argument("name", required=False)
@click.option("--check", is_flag=True, help="fetch each source's URL once and report what is there")
@click.option("--given-up", is_flag=True, help="list the pages given up after holding no article")
@click.option(
    "--clear-given-up",
    "clear",
    is_flag=False,
    flag_value="*",
    default=None,
    metavar="[URL]",
    help="fetch the pages given up (or the one at URL) again when a source next lists them",
)
@pass_context
def sources(
    context: Context, name: str | None, check: bool, given_up: bool, clear: str | None
) -> None:
    """The configured sources and their crawl state (with --check: are the URLs readable?);
    with NAME, one source's state, health and last 30 polls."""
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
    from db.store import clear_given_up, given_up_pages, list_sources, sync_sources

    if clear is not None:
        url = None if clear == "*" else canonical_or_exit(clear)
        cleared = clear_given_up(context.archive, url)
        if url is not None and not cleared:
            raise click.ClickException(f"no page given up at {url}")
        click.echo(f"{cleared} pages cleared; they are fetched when a source next lists them")
        return
    if given_up:
        print_given_up(given_up_pages(context.archive))
        return
    sync_sources(context.archive, [(s.name, s.kind, s.url) for s in config.sources])
    if name is not None:
        from db.store import get_source

        try:
            config.source(name)
        except ConfigError as exc:
            raise click.ClickException(str(exc)) from None
        state = get_source(context.archive, name)
        assert state is not None, "synced above"
        print_source_detail(config, state, context)
        return
    print_source_table(config, list_sources(context.archive))
    count = len(given_up_pages(context.archive))
    if count:
        click.echo(f"{count} pages given up after holding no article: --given-up lists them")


def canonical_or_exit(url: str) -> str:
    from spiders.urls import canonical_url

    try:
        return canonical_url(url)
    except ValueError as exc:
        raise click.ClickException(f"not a page URL: {url} ({exc})") from None
