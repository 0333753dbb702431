"""organiser sessions held server-side; per-conversation retention of anonymous identities

Revision ID: 0004_i10a_sessions
Revises: 0003_i15_fieldwork
Create Date: 2026-11-30 17:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_i10a_sessions"
down_revision = "0003_i15_fieldwork"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "organiser_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organiser_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_ms", sa.BigInteger(), nullable=False),
        sa.Column("expires_ms", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["organiser_id"], ["organisers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    with op.batch_alter_table("organiser_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_organiser_sessions_organiser_id"), ["organiser_id"], unique=False)
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("forget_identities_days", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.drop_column("forget_identities_days")
    with op.batch_alter_table("organiser_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_organiser_sessions_organiser_id"))
    op.drop_table("organiser_sessions")
