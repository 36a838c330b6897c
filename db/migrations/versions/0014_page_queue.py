"""the work queue between fetching and processing (page_queue) and its per-poll tally

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "page_queue",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("poll_id", sa.String(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("fetched_url", sa.Text(), nullable=False),
        sa.Column("content_type", sa.String(), nullable=True),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("hint", sa.JSON(), nullable=True),
        sa.Column("lang_hint", sa.String(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failed_reason", sa.Text(), nullable=True),
        sa.Column("enqueued_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_page_queue_poll_id", "page_queue", ["poll_id"])
    op.create_index("ix_page_queue_lease_until", "page_queue", ["lease_until"])
    op.create_table(
        "poll_tally",
        sa.Column("poll_id", sa.String(), primary_key=True),
        sa.Column("new", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("duplicates", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("known", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("failed", sa.Integer(), nullable=False, server_default="0"),
    )


def downgrade() -> None:
    op.drop_table("poll_tally")
    op.drop_index("ix_page_queue_lease_until", table_name="page_queue")
    op.drop_index("ix_page_queue_poll_id", table_name="page_queue")
    op.drop_table("page_queue")
