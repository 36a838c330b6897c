"""rejected_page attempts and retry_at: a page that held no article is retried, then given up

Revision ID: 0010a
Revises: 0009a
Create Date: 2026-12-01

Pages rejected before this were never to be fetched again; they get the first retry, an hour
after they were rejected, like a page rejected now.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from alembic import op

from db.models import UTCDateTime

revision = "0010a"
down_revision = "0009a"
branch_labels = None
depends_on = None

FIRST_RETRY = timedelta(hours=1)


def upgrade() -> None:
    with op.batch_alter_table("rejected_page", schema=None) as batch_op:
        batch_op.add_column(sa.Column("attempts", sa.Integer(), server_default="1", nullable=False))
        batch_op.add_column(sa.Column("retry_at", sa.DateTime(timezone=True), nullable=True))
    # Through the model's column type, so SQLite and PostgreSQL store the time as they do for
    # every other timestamp.
    rejected = sa.table(
        "rejected_page",
        sa.column("id", sa.Integer()),
        sa.column("created_at", UTCDateTime()),
        sa.column("retry_at", UTCDateTime()),
    )
    connection = op.get_bind()
    rows = connection.execute(sa.select(rejected.c.id, rejected.c.created_at)).all()
    if rows:
        connection.execute(
            rejected.update()
            .where(rejected.c.id == sa.bindparam("b_id"))
            .values(retry_at=sa.bindparam("b_retry")),
            [{"b_id": row_id, "b_retry": created + FIRST_RETRY} for row_id, created in rows],
        )


def downgrade() -> None:
    with op.batch_alter_table("rejected_page", schema=None) as batch_op:
        batch_op.drop_column("retry_at")
        batch_op.drop_column("attempts")
