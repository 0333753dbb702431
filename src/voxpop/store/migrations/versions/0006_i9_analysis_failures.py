"""analysis jobs that fail: how often in a row, when to try again, and the last error (shown, not retried forever)

Revision ID: 0006_i9_job_failures
Revises: 0005_i14_translation_conv
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_i9_job_failures"
down_revision = "0005_i14_translation_conv"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("analysis_failures", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("analysis_retry_ms", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("analysis_error", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.drop_column("analysis_error")
        batch_op.drop_column("analysis_retry_ms")
        batch_op.drop_column("analysis_failures")
