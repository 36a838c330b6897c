"""`newswatch seeds import`: the seed corpus into the archive (also done by `run` at start)."""

from __future__ import annotations

import click

from newswatch.context import Context, pass_context


def import_seeds(context: Context) -> None:
    """Load the configured seeds, with a progress bar at a terminal and a summary line."""
    from db.seeds import SeedError
    from db.seeds import import_seeds as load
    from newswatch.progress import progress_bar
    from spiders.urls import canonical_url

    seeds_dir = context.config.seeds.dir
    try:
        with progress_bar(0, "importing seeds") as bar:
            report = load(
                context.archive, seeds_dir, bar.update, canonical_url, context.config.dedup
            )
    except SeedError as exc:
        raise click.ClickException(f"cannot import seeds: {exc}") from None
    click.echo(
        f"seeds from {seeds_dir}: {report.added} added, {report.updated} updated, "
        f"{report.unchanged} unchanged",
        err=True,
    )


@click.group()
def seeds() -> None:
    """The seed corpus."""


@seeds.command("import")
@pass_context
def seeds_import(context: Context) -> None:
    """Load seeds/seeds.toml and its texts into the archive (a second run changes nothing)."""
    import_seeds(context)
