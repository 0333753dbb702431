"""conversations.votes_removed: counts removals of votes other than undos (a participant erased), so that an
analysis worker's kept snapshot of the votes knows it is stale

Revision ID: 0008_i16_votes_removed
Revises: 0007_i16_votes_order
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_i16_votes_removed"
down_revision = "0007_i16_votes_order"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("votes_removed", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.drop_column("votes_removed")
