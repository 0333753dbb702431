"""listening jobs: testimony uploads kept in the database (in chunks) and run by the worker

Revision ID: 0009_i9_listen_jobs
Revises: 0008_i16_votes_removed
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_i9_listen_jobs"
down_revision = "0008_i16_votes_removed"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "listen_jobs",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("conversation_id", sa.String(length=32), nullable=False),
        sa.Column("organiser_id", sa.Integer(), nullable=True),
        sa.Column("model", sa.String(length=16), nullable=False),
        sa.Column("max_statement_length", sa.Integer(), nullable=False),
        sa.Column("n_files", sa.Integer(), nullable=False),
        sa.Column("n_bytes", sa.BigInteger(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=True),
        sa.Column("progress", sa.Float(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("retry_ms", sa.BigInteger(), nullable=True),
        sa.Column("claim", sa.String(length=64), nullable=True),
        sa.Column("claim_ms", sa.BigInteger(), nullable=True),
        sa.Column("artifact_id", sa.BigInteger(), nullable=True),
        sa.Column("n_themes", sa.Integer(), nullable=True),
        sa.Column("created_ms", sa.BigInteger(), nullable=False),
        sa.Column("started_ms", sa.BigInteger(), nullable=True),
        sa.Column("updated_ms", sa.BigInteger(), nullable=False),
        sa.Column("finished_ms", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["organiser_id"], ["organisers.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("listen_jobs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_listen_jobs_conversation_id"), ["conversation_id"], unique=False)
        batch_op.create_index("ix_listen_jobs_state_created", ["state", "created_ms"], unique=False)
    op.create_table(
        "listen_job_chunks",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("job_id", sa.String(length=32), nullable=False),
        sa.Column("file_no", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["job_id"], ["listen_jobs.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("listen_job_chunks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_listen_job_chunks_job_id"), ["job_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("listen_job_chunks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_listen_job_chunks_job_id"))
    op.drop_table("listen_job_chunks")
    with op.batch_alter_table("listen_jobs", schema=None) as batch_op:
        batch_op.drop_index("ix_listen_jobs_state_created")
        batch_op.drop_index(batch_op.f("ix_listen_jobs_conversation_id"))
    op.drop_table("listen_jobs")
