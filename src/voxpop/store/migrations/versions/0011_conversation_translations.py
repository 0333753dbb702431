"""conversation_translations: a conversation's title and description in other interface languages

Revision ID: 0011_conversation_translations
Revises: 0010_publish_themes

A new table only: existing conversations keep their title and description as they are (the original, in
the conversation's default language) and simply have no translations until an organiser gives some.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_conversation_translations"
down_revision = "0010_publish_themes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "conversation_translations",
        sa.Column("conversation_id", sa.String(length=32), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("topic", sa.String(length=300), server_default="", nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("conversation_id", "language"),
    )


def downgrade() -> None:
    op.drop_table("conversation_translations")
