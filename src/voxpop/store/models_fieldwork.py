"""Field work tables (voxpop.fieldwork): kiosks, how each participant came in, paper sheets, invited panels.

A participant who came in through field work has one `field_participants` row saying the channel
(kiosk, paper or invited; no row means online) and where from (the kiosk, the paper sheet, the invitation).
Every vote of a kiosk participant therefore records its kiosk session: one kiosk person is one participant.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from voxpop.store.models import Base, BigId, now_ms

CHANNELS = ("online", "kiosk", "paper", "invited")


class Kiosk(Base):
    """A shared device running one conversation for one place (its id is the device's secret)."""

    __tablename__ = "field_kiosks"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), index=True)
    place_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    event: Mapped[str] = mapped_column(String(200), default="")
    pin_hash: Mapped[str] = mapped_column(String(255))
    questions: Mapped[list | None] = mapped_column(JSON(none_as_null=True), nullable=True)
    idle_seconds: Mapped[int] = mapped_column(Integer, default=120)
    organiser_id: Mapped[int | None] = mapped_column(ForeignKey("organisers.id", ondelete="SET NULL"), nullable=True)
    created_ms: Mapped[int] = mapped_column(BigInteger, default=now_ms)
    closed_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class FieldParticipant(Base):
    """The channel a participant came in through (absent: online)."""

    __tablename__ = "field_participants"
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    kiosk_id: Mapped[str | None] = mapped_column(String(40), nullable=True, index=True)
    sheet_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    volunteer_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    created_ms: Mapped[int] = mapped_column(BigInteger, default=now_ms)


class PaperSheet(Base):
    """One printed ballot sheet: its id, place, the statements printed on it (in order), its tally state."""

    __tablename__ = "field_paper_sheets"
    __table_args__ = (UniqueConstraint("conversation_id", "sheet_id"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    sheet_id: Mapped[str] = mapped_column(String(32))
    place_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    statements: Mapped[list] = mapped_column(JSON)  # statement numbers in printed order
    status: Mapped[str] = mapped_column(String(16), default="printed")  # printed|entered|mismatch|imported
    participant_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    created_ms: Mapped[int] = mapped_column(BigInteger, default=now_ms)


class PaperEntry(Base):
    """One typing of a sheet: entry 1 and 2 by two people; 3 is the third look that settles a mismatch."""

    __tablename__ = "field_paper_entries"
    __table_args__ = (UniqueConstraint("sheet_pk", "entry"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    sheet_pk: Mapped[int] = mapped_column(ForeignKey("field_paper_sheets.id", ondelete="CASCADE"))
    entry: Mapped[int] = mapped_column(SmallInteger)
    answers: Mapped[str] = mapped_column(String(1000))  # one of a/d/p/- per printed statement
    entered_by: Mapped[str] = mapped_column(String(100), default="")
    created_ms: Mapped[int] = mapped_column(BigInteger, default=now_ms)


class Panel(Base):
    """An invited panel: the volunteer pool, the quotas, the draw and its selection probabilities."""

    __tablename__ = "field_panels"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    size: Mapped[int] = mapped_column(Integer)
    features: Mapped[list] = mapped_column(JSON)  # the pool's attribute columns
    quotas: Mapped[list] = mapped_column(JSON)  # [{feature, value, min, max}]
    algorithm: Mapped[str | None] = mapped_column(String(16), nullable=True)
    report: Mapped[dict | None] = mapped_column(JSON(none_as_null=True), nullable=True)
    created_ms: Mapped[int] = mapped_column(BigInteger, default=now_ms)
    selected_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class Volunteer(Base):
    """One person of a panel's pool; when drawn, their one-time invitation code."""

    __tablename__ = "field_volunteers"
    __table_args__ = (UniqueConstraint("panel_id", "pool_id"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    panel_id: Mapped[int] = mapped_column(ForeignKey("field_panels.id", ondelete="CASCADE"), index=True)
    pool_id: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(Text, default="")
    place_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    attributes: Mapped[dict] = mapped_column(JSON)
    selected: Mapped[bool] = mapped_column(Boolean, default=False)
    probability: Mapped[float | None] = mapped_column(Float, nullable=True)
    code: Mapped[str | None] = mapped_column(String(32), nullable=True, unique=True)
    used_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    participant_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
