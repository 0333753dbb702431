"""published_themes: which listening themes an organiser put on a conversation's results page

Revision ID: 0010_publish_themes
Revises: 0009_i9_listen_jobs
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_publish_themes"
down_revision = "0009_i9_listen_jobs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "published_themes",
        sa.Column("conversation_id", sa.String(length=32), nullable=False),
        sa.Column("artifact_id", sa.BigInteger(), nullable=False),
        sa.Column("organiser_id", sa.Integer(), nullable=True),
        sa.Column("published_ms", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["artifact_id"], ["artifacts.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["organiser_id"], ["organisers.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("conversation_id"),
    )
    with op.batch_alter_table("published_themes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_published_themes_artifact_id"), ["artifact_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("published_themes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_published_themes_artifact_id"))
    op.drop_table("published_themes")
