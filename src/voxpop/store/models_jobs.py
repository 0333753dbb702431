"""Listening jobs (voxpop.services.listen_jobs): testimony uploaded through the web, themed by the worker.

The upload is kept in the database (web processes are stateless and share it) as chunks of at most
CHUNK_BYTES, so neither the request nor the worker holds a whole file as one value. A job's state is one
of JOB_STATES; a job waiting for a retry after a failure is "queued" with failures > 0 and retry_ms set.
The worker claims a job with one conditional UPDATE (claim, claim_ms) and renews claim_ms while it runs,
so a job whose worker was killed is taken over once the lease runs out.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Float, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from voxpop.store.models import Base, BigId, now_ms

JOB_STATES = ("queued", "running", "done", "failed")


class ListenJob(Base):
    """One upload of testimony and its way to themes."""

    __tablename__ = "listen_jobs"
    __table_args__ = (Index("ix_listen_jobs_state_created", "state", "created_ms"),)
    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # unguessable, in the job's URL
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), index=True)
    organiser_id: Mapped[int | None] = mapped_column(ForeignKey("organisers.id", ondelete="SET NULL"), nullable=True)
    model: Mapped[str] = mapped_column(String(16), default="auto")  # auto | minilm | tfidf
    max_statement_length: Mapped[int] = mapped_column(Integer, default=280)
    n_files: Mapped[int] = mapped_column(Integer, default=0)
    n_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    state: Mapped[str] = mapped_column(String(16), default="queued")  # JOB_STATES
    stage: Mapped[str | None] = mapped_column(String(16), nullable=True)  # what it is doing now
    progress: Mapped[float] = mapped_column(Float, default=0.0)  # 0..1 of the whole job
    failures: Mapped[int] = mapped_column(Integer, default=0)  # failed tries (a killed worker counts)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)  # the last failure's message
    retry_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True)  # not tried again before this
    claim: Mapped[str | None] = mapped_column(String(64), nullable=True)
    claim_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True)  # renewed while it runs
    artifact_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)  # the themes it made
    n_themes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_ms: Mapped[int] = mapped_column(BigInteger, default=now_ms)
    started_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    updated_ms: Mapped[int] = mapped_column(BigInteger, default=now_ms)
    finished_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class ListenJobChunk(Base):
    """A piece of one uploaded file (file number `file_no`, piece `seq`); dropped when the job is done."""

    __tablename__ = "listen_job_chunks"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    job_id: Mapped[str] = mapped_column(ForeignKey("listen_jobs.id", ondelete="CASCADE"), index=True)
    file_no: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(120))  # the file's safe name (on every chunk of it)
    data: Mapped[bytes] = mapped_column(LargeBinary)
