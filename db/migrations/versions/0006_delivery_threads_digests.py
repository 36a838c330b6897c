"""delivery: follow-up articles, routing, remote ids for threads; digests

Revision ID: 0006
Revises: 0003
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "digest",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("channel", "due_at", name="uq_digest_channel_due"),
    )
    with op.batch_alter_table("digest", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_digest_status"), ["status"], unique=False)

    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.add_column(sa.Column("article_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("route", sa.String(), nullable=True))
        batch_op.add_column(sa.Column("digest_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("remote_id", sa.String(), nullable=True))
        batch_op.add_column(
            sa.Column("in_doubt", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    # Every delivery so far carried its alert's own article.
    op.execute(
        "UPDATE delivery SET article_id = "
        "(SELECT alert.article_id FROM alert WHERE alert.id = delivery.alert_id)"
    )
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.alter_column("article_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_constraint("uq_delivery_alert_channel", type_="unique")
        batch_op.create_unique_constraint(
            "uq_delivery_alert_channel", ["alert_id", "channel", "article_id"]
        )
        batch_op.create_foreign_key(
            "fk_delivery_article_id_article", "article", ["article_id"], ["id"]
        )
        batch_op.create_foreign_key("fk_delivery_digest_id_digest", "digest", ["digest_id"], ["id"])
        batch_op.create_index(batch_op.f("ix_delivery_article_id"), ["article_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_delivery_digest_id"), ["digest_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_delivery_digest_id"))
        batch_op.drop_index(batch_op.f("ix_delivery_article_id"))
        batch_op.drop_constraint("fk_delivery_digest_id_digest", type_="foreignkey")
        batch_op.drop_constraint("fk_delivery_article_id_article", type_="foreignkey")
        batch_op.drop_constraint("uq_delivery_alert_channel", type_="unique")
    op.execute(
        "DELETE FROM delivery WHERE article_id <> "
        "(SELECT alert.article_id FROM alert WHERE alert.id = delivery.alert_id)"
    )
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.create_unique_constraint("uq_delivery_alert_channel", ["alert_id", "channel"])
        batch_op.drop_column("in_doubt")
        batch_op.drop_column("remote_id")
        batch_op.drop_column("digest_id")
        batch_op.drop_column("route")
        batch_op.drop_column("article_id")
    with op.batch_alter_table("digest", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_digest_status"))
    op.drop_table("digest")
