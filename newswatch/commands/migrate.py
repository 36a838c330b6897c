"""`newswatch migrate`: upgrade the archive's schema to this version's, on purpose."""

from __future__ import annotations

import click

from newswatch.context import Context, pass_context


@click.command()
@pass_context
def migrate(context: Context) -> None:
    """Upgrade the archive's schema to this newswatch's (stop an older daemon first).

    Only `migrate`, `run` and `crawl` upgrade; every other command refuses an archive whose
    schema is older or newer than its own, and says so.
    """
    from db.engine import make_engine, schema_revision

    url = context.config.database.url
    probe = make_engine(url)
    try:
        before = schema_revision(probe)
    finally:
        probe.dispose()
    after = schema_revision(context.open_archive(upgrade=True))
    if before == after:
        click.echo(f"{url}: the schema is up to date (revision {after})")
    else:
        click.echo(f"{url}: schema upgraded from revision {before or '(none)'} to {after}")
