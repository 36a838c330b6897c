"""`newswatch export`: every article with its verdicts, as JSON Lines or CSV (a stable contract)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from newswatch.context import Context, pass_context


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
