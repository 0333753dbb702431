"""an index for the analysis loader's ORDER BY event_id (no on-disk sort of a big conversation's votes)

Revision ID: 0007_i16_votes_order
Revises: 0006_i9_job_failures
"""

from __future__ import annotations

from alembic import op

revision = "0007_i16_votes_order"
down_revision = "0006_i9_job_failures"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_votes_conv_event", "votes", ["conversation_id", "event_id"])


def downgrade() -> None:
    op.drop_index("ix_votes_conv_event", table_name="votes")
