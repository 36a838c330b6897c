"""article entities: the watchlisted entities each article names, with where

Revision ID: 0005
Revises: 0007
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "article_entity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("entity", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("mentions", sa.Integer(), nullable=False),
        sa.Column("hits", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["article_id"], ["article.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("article_id", "entity", name="uq_article_entity_article_entity"),
    )
    with op.batch_alter_table("article_entity", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_article_entity_article_id"), ["article_id"])
        batch_op.create_index(batch_op.f("ix_article_entity_entity"), ["entity"])


def downgrade() -> None:
    with op.batch_alter_table("article_entity", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_article_entity_entity"))
        batch_op.drop_index(batch_op.f("ix_article_entity_article_id"))
    op.drop_table("article_entity")
