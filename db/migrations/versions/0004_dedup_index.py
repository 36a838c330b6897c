"""dedup index: LSH band keys, fingerprint keys and the sketch of every article

Revision ID: 0004
Revises: 0005
Create Date: 2026-11-23

Articles already in the archive are indexed by migration 0012, which builds the index anew
with the fingerprint of its release (this one only creates the tables).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dedup_key",
        sa.Column("key", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("article_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.ForeignKeyConstraint(["article_id"], ["article.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("key", "article_id"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "dedup_sketch",
        sa.Column("article_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["article_id"], ["article.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("article_id"),
    )


def downgrade() -> None:
    op.drop_table("dedup_sketch")
    op.drop_table("dedup_key")
