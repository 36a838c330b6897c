"""alert story_id: one `new` alert per story, held by a unique index

Revision ID: 0009a
Revises: 0008a
Create Date: 2026-12-01

"The story's first report is its one `new` alert" was checked, then inserted: two articles of a
story evaluated at once could both be new. Existing alerts get their article's story; where a
story already has two `new` alerts, the first keeps the story and the others keep NULL (the
index cannot hold rows that already break it; their deliveries stand).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009a"
down_revision = "0008a"
branch_labels = None
depends_on = None

_NEW = sa.text("kind = 'new'")


def upgrade() -> None:
    with op.batch_alter_table("alert", schema=None) as batch_op:
        batch_op.add_column(sa.Column("story_id", sa.Integer(), nullable=True))
    story = "(SELECT COALESCE(a.story_id, a.id) FROM article AS a WHERE a.id = alert.article_id)"
    op.execute(f"UPDATE alert SET story_id = {story}")
    op.execute(
        f"""
        UPDATE alert SET story_id = NULL
        WHERE kind = 'new' AND EXISTS (
            SELECT 1 FROM alert AS earlier
            WHERE earlier.kind = 'new' AND earlier.id < alert.id
              AND earlier.story_id = {story}
        )
        """
    )
    op.create_index(
        "uq_alert_story_new",
        "alert",
        ["story_id"],
        unique=True,
        sqlite_where=_NEW,
        postgresql_where=_NEW,
    )


def downgrade() -> None:
    op.drop_index("uq_alert_story_new", table_name="alert")
    with op.batch_alter_table("alert", schema=None) as batch_op:
        batch_op.drop_column("story_id")
