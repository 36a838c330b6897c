"""`newswatch export`: the archive's articles with their verdicts, as JSON Lines or CSV (a
stable contract); the filters choose which articles, never which fields."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

import click

from newswatch.context import Context, pass_context

SEARCH_RULE = "export"


def _query_ids(context: Context, query: str) -> list[int]:
    """The articles a rule-language query matches, as `newswatch search` finds them."""
    from alerts.archive_search import run_rule
    from alerts.rules.config import RuleConfig
    from alerts.rules.ruleset import RuleError, RuleSet
    from db.search import SearchError

    config = context.config
    try:
        ruleset = RuleSet(
            [RuleConfig(name=SEARCH_RULE, query=query)], config.groups, config.entities
        )
        report = run_rule(context.archive, ruleset, SEARCH_RULE)
    except RuleError as exc:
        prefix = f"rules[0] {SEARCH_RULE!r}: query: "
        errors = "; ".join(e.replace(prefix, "") for e in exc.errors)
        raise click.ClickException(f"bad query: {errors}") from None
    except SearchError as exc:
        raise click.ClickException(str(exc)) from None
    return sorted(found.article_id for found in report.found)


@click.command()
@click.option(
    "--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="write to this file instead of standard output",
)
@click.option("--since", default=None, help="only articles of the last 90d, 12h, ...")
@click.option("--relevant", is_flag=True, help="only articles the topic rule found relevant")
@click.option("--rule", "rules", multiple=True, help="only articles this rule matched (repeatable)")
@click.option("--query", default=None, help="only articles this rule-language query matches")
@pass_context
def export(
    context: Context,
    fmt: str,
    out: Path | None,
    since: str | None,
    relevant: bool,
    rules: Sequence[str],
    query: str | None,
) -> None:
    """Export the archive's articles with their verdicts, oldest first (fields: see
    ARCHITECTURE / README); the options narrow which articles, the fields stay the same."""
    from db.export import ExportFilter, write_csv, write_jsonl
    from db.models import utcnow
    from spiders.config import interval_seconds

    cutoff = None
    if since is not None:
        seconds = interval_seconds(since)
        if seconds is None:
            raise click.BadParameter(
                f"expected a duration such as 90d or 12h, got {since!r}", param_hint="--since"
            )
        cutoff = utcnow() - timedelta(seconds=seconds)
    ids = _query_ids(context, query) if query is not None else None
    where = ExportFilter(
        since=cutoff, relevant=True if relevant else None, rules=tuple(rules), ids=ids
    )
    writer = write_jsonl if fmt == "jsonl" else write_csv
    if out is None:
        count = writer(context.archive, sys.stdout, where)
    else:
        with out.open("w", encoding="utf-8", newline="") as handle:
            count = writer(context.archive, handle, where)
    click.echo(f"{count} articles exported", err=True)
