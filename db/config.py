"""The archive's section of config.toml."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class DatabaseConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str = Field(
        default="sqlite:///data/newswatch.db",
        description="SQLAlchemy URL of the archive: sqlite:///PATH (relative paths are taken "
        "from the config file's folder) or postgresql+psycopg://USER@HOST:PORT/DB.",
    )
