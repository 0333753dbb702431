"""statement translations carry their conversation (so archives and erasure find them like every table)

Revision ID: 0005_i14_translation_conv
Revises: 0004_i10a_sessions
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_i14_translation_conv"
down_revision = "0004_i10a_sessions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # the table is new in 0002 and empty wherever 0002 ran before this: recreate it with the column
    op.drop_table("statement_translations")
    BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    op.create_table(
        "statement_translations",
        sa.Column("id", BigId, nullable=False),
        sa.Column("conversation_id", sa.String(length=32), nullable=False),
        sa.Column("statement_id", BigId, nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["statement_id"], ["statements.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("statement_id", "language"),
    )
    op.create_index("ix_statement_translations_conversation_id", "statement_translations", ["conversation_id"])


def downgrade() -> None:
    op.drop_index("ix_statement_translations_conversation_id", "statement_translations")
    op.drop_table("statement_translations")
