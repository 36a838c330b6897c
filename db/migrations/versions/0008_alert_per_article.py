"""alerts: one per article, naming every rule that fired; why an article did or did not alert

Existing alerts (one per story and rule) are kept as they were, marked `legacy`; the unique
index on `alert.article_id` covers the alerts written from now on.

Revision ID: 0008
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0004"
branch_labels = None
depends_on = None

_NEW_ONLY = sa.text("kind != 'legacy'")


def upgrade() -> None:
    with op.batch_alter_table("alert", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(), nullable=False, server_default="legacy"))
        batch_op.add_column(sa.Column("rules", sa.JSON(), nullable=True))
    op.create_index(
        "uq_alert_article",
        "alert",
        ["article_id"],
        unique=True,
        sqlite_where=_NEW_ONLY,
        postgresql_where=_NEW_ONLY,
    )
    with op.batch_alter_table("article", schema=None) as batch_op:
        batch_op.add_column(sa.Column("alert_reason", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("article", schema=None) as batch_op:
        batch_op.drop_column("alert_reason")
    op.drop_index("uq_alert_article", table_name="alert")
    with op.batch_alter_table("alert", schema=None) as batch_op:
        batch_op.drop_column("rules")
        batch_op.drop_column("kind")
