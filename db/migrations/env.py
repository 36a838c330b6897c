"""Alembic environment: runs on the connection that `db.engine.migrate` hands over."""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlmodel import SQLModel

import db.models  # registers the tables on SQLModel.metadata
import db.queue  # noqa: F401  (the work queue's tables too)


def include_object(obj: Any, name: str | None, *_: Any) -> bool:
    """The full-text index is backend-specific DDL written by hand in the migrations."""
    return not (name or "").startswith(("article_fts", "ix_article_fts"))


connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    include_object=include_object,
)
with context.begin_transaction():
    context.run_migrations()
