"""alert story_id: one alert per story and rule, held by a unique constraint

Revision ID: 0009a
Revises: 0008a
Create Date: 2026-12-01

Existing alerts get their article's story. Where a race gave one story two alerts for a rule,
the first keeps the story and the others keep NULL (their deliveries stand; the constraint
cannot hold rows that already break it).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009a"
down_revision = "0008a"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("alert", schema=None) as batch_op:
        batch_op.add_column(sa.Column("story_id", sa.Integer(), nullable=True))
    op.execute(
        """
        UPDATE alert SET story_id = (
            SELECT COALESCE(article.story_id, article.id) FROM article
            WHERE article.id = alert.article_id
        )
        WHERE alert.id = (
            SELECT MIN(first.id) FROM alert AS first
            JOIN article AS a1 ON a1.id = first.article_id
            JOIN article AS a2 ON a2.id = alert.article_id
            WHERE first.rule = alert.rule
              AND COALESCE(a1.story_id, a1.id) = COALESCE(a2.story_id, a2.id)
        )
        """
    )
    op.create_index("uq_alert_story_rule", "alert", ["story_id", "rule"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_alert_story_rule", table_name="alert")
    with op.batch_alter_table("alert", schema=None) as batch_op:
        batch_op.drop_column("story_id")
