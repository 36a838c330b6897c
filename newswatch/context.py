"""What every subcommand gets: its config path and, once asked for, the config and the archive."""

from __future__ import annotations

from pathlib import Path

import click
from sqlalchemy import Engine

from newswatch.config import AppConfig, ConfigError, load_config
from newswatch.logs import setup_logging


class Context:
    """Loads config.toml once, on first use, and opens the archive once it is needed."""

    def __init__(self, path: Path, log_level: str | None, log_format: str | None = None) -> None:
        self.path = path
        self.log_level = log_level
        self.log_format = log_format
        self._config: AppConfig | None = None
        self._archive: Engine | None = None

    @property
    def config(self) -> AppConfig:
        if self._config is None:
            try:
                self._config = load_config(self.path)
            except ConfigError as exc:
                raise click.ClickException(str(exc)) from None
            setup_logging(
                self.log_level or self._config.logging.level,
                self.log_format or self._config.logging.format,
            )
        return self._config

    @property
    def archive(self) -> Engine:
        """The archive, as it is: a command that only reads (or writes rows) never changes
        its schema; an older or newer one is a clear error."""
        return self.open_archive(upgrade=False)

    def open_archive(self, upgrade: bool) -> Engine:
        """The archive, upgraded first if `upgrade` (`run`, `crawl`, `migrate`)."""
        if self._archive is None:
            # Imported here: opening an archive loads alembic, which `--help` should not wait for.
            from db.engine import SchemaMismatch, open_archive

            try:
                self._archive = open_archive(self.config.database.url, upgrade=upgrade)
            except SchemaMismatch as exc:
                raise click.ClickException(f"{self.config.database.url}: {exc}") from None
        return self._archive


pass_context = click.make_pass_decorator(Context)
