"""`newswatch evaluate FILE.jsonl ...`: a labelled set through dedup and rules, scored."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path

import click

from newswatch.context import Context, pass_context
from newswatch.progress import progress_bar

_PER_ARTICLE_LOGGERS = ("alerts.evaluate", "db.store", "db.seeds", "db.dedup")


@click.command()
@click.argument(
    "files",
    nargs=-1,
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    metavar="FILE.jsonl...",
)
@click.option("--json", "as_json", is_flag=True, help="machine-readable output")
@pass_context
def evaluate(context: Context, files: Sequence[Path], as_json: bool) -> None:
    """Replay a labelled set (JSON Lines) through storage, dedup and rules in a throwaway
    archive with this config (its seeds first), and print how it scored, with the misses.
    Nothing is fetched and nothing is sent."""
    from db.seeds import SeedError, load_catalogue
    from newswatch.evaluation.records import RecordError, read_records
    from newswatch.evaluation.replay import replay
    from newswatch.evaluation.report import render
    from newswatch.evaluation.scores import score

    config = context.config
    try:
        stems = [record.stem for record in load_catalogue(config.seeds.dir)]
        records = read_records(files, stems)
        # One log line per article is the daemon's record of its work; here it would bury the
        # table (`--log-level DEBUG` keeps them).
        if context.log_level != "DEBUG":
            for name in _PER_ARTICLE_LOGGERS:
                logging.getLogger(name).setLevel(logging.WARNING)
        with progress_bar(len(records), "replaying the labelled set") as bar:
            replayed = replay(
                records,
                config.seeds.dir,
                config.dedup,
                config.ruleset(),
                config.alerts.snippet_chars,
                on_record=bar.advance,
            )
    except (SeedError, RecordError) as exc:
        raise click.ClickException(str(exc)) from None
    scores = score(records, replayed)
    if as_json:
        click.echo(json.dumps(scores.to_json(), ensure_ascii=False, indent=2))
    else:
        click.echo(render(scores))
