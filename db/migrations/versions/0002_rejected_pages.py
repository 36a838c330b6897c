"""rejected pages: fetched pages that held no article, so they are not fetched again

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rejected_page",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["source_id"], ["source.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("rejected_page", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rejected_page_url"), ["url"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("rejected_page", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rejected_page_url"))
    op.drop_table("rejected_page")
