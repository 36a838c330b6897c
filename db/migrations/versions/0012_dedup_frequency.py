"""dedup frequency: document frequency of fingerprint features; the index built anew

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01

The fingerprint changed (page furniture left out, names compared by sound across spellings,
features weighted by how many articles carry them), so every article's keys and sketch are
computed again from its text, and the feature counts with them. The migration knows no
config: the next seed import (`newswatch run` does one at start) builds the index anew with
the topic's names of `[dedup.names]` and files the seeds as reference articles.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dedup_frequency",
        sa.Column("key", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("articles", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
        sqlite_with_rowid=False,
    )
    op.execute("DELETE FROM dedup_key")
    op.execute("DELETE FROM dedup_sketch")
    # Imported late: the migration indexes existing articles with the code of this release.
    from db.dedup.index import index_all

    index_all(op.get_bind())


def downgrade() -> None:
    op.drop_table("dedup_frequency")
