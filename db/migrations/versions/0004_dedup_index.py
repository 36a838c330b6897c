"""dedup index: LSH band keys, fingerprint keys and the sketch of every article

Revision ID: 0004
Revises: 0005
Create Date: 2026-11-23

Articles already in the archive are indexed here, once, so the deduplicator needs no rebuild.
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
    # Imported late: the migration indexes existing articles with the code of this release.
    from db.dedup.index import index_all

    index_all(op.get_bind())


def downgrade() -> None:
    op.drop_table("dedup_sketch")
    op.drop_table("dedup_key")
