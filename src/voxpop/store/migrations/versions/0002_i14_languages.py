"""languages: conversation languages, statement language and translations, place aliases

Revision ID: 0002_i14_languages
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_i14_languages"
down_revision = "0001"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("conversations") as b:
        b.add_column(sa.Column("languages", sa.JSON(none_as_null=True), nullable=True))
    with op.batch_alter_table("statements") as b:
        b.add_column(sa.Column("language", sa.String(length=16), nullable=True))
    op.create_table(
        "statement_translations",
        sa.Column("id", BigId, nullable=False),
        sa.Column("statement_id", BigId, nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["statement_id"], ["statements.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("statement_id", "language"),
    )
    op.create_table(
        "place_aliases",
        sa.Column("id", BigId, nullable=False),
        sa.Column("conversation_id", sa.String(length=32), nullable=False),
        sa.Column("alias", sa.String(length=200), nullable=False),
        sa.Column("place_id", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_place_aliases_conversation_id", "place_aliases", ["conversation_id"])


def downgrade() -> None:
    op.drop_index("ix_place_aliases_conversation_id", "place_aliases")
    op.drop_table("place_aliases")
    op.drop_table("statement_translations")
    with op.batch_alter_table("statements") as b:
        b.drop_column("language")
    with op.batch_alter_table("conversations") as b:
        b.drop_column("languages")
