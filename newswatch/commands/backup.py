"""`newswatch backup PATH`: a consistent copy of the SQLite archive while the daemon runs."""

from __future__ import annotations

from pathlib import Path

import click

from newswatch.context import Context, pass_context


@click.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@pass_context
def backup(context: Context, path: Path) -> None:
    """Copy the archive to PATH with SQLite's online backup (safe while the daemon writes)."""
    from db.maintenance import BackupError
    from db.maintenance import backup as copy_archive

    try:
        size = copy_archive(context.archive, path)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"archive copied to {path} ({size} bytes)", err=True)
