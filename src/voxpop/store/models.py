"""SQLAlchemy 2 models: the whole voxpop schema.

Times are integers (milliseconds since the epoch, UTC) so SQLite and PostgreSQL agree exactly and the
Pol.is exports get their millisecond timestamps for free. Statements carry a per-conversation
number `tid` (Pol.is's comment-id) that the API and exports show; participants are shown by their integer
primary key (no per-conversation counter, so creating a participant never locks the conversation row).

Votes are kept twice: `vote_events` is the append-only history (every agree/disagree/pass and every
undo, with the client's idempotency key) and `votes` is the current vote per participant and statement.
"""

from __future__ import annotations

import time

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a real bigint.
BigId = BigInteger().with_variant(Integer(), "sqlite")
TOPIC_MAX = 300  # characters of a conversation's topic (services.conversations validates it)
STATEMENT_LEN_RANGE = (20, 2000)  # the allowed range of a conversation's statement_max_len


def now_ms() -> int:
    return int(time.time() * 1000)


class Base(DeclarativeBase):
    pass


class Setting(Base):
    """Server-wide settings shared by every process (e.g. the cookie-signing secret)."""

    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Organiser(Base):
    """A moderator / organiser account (argon2 password hash, never the password)."""

    __tablename__ = "organisers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    created_ms: Mapped[int] = mapped_column(BigInteger, default=now_ms)


class ApiToken(Base):
    """An API token for an organiser; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organiser_id: Mapped[int] = mapped_column(ForeignKey("organisers.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_ms: Mapped[int] = mapped_column(BigInteger, default=now_ms)
    last_used_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class OrganiserSession(Base):
    """A signed-in browser of an organiser: the cookie holds a random token, only its SHA-256 is stored.
    Signing out deletes the row, so a copied cookie stops working at once."""

    __tablename__ = "organiser_sessions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organiser_id: Mapped[int] = mapped_column(ForeignKey("organisers.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_ms: Mapped[int] = mapped_column(BigInteger, default=now_ms)
    expires_ms: Mapped[int] = mapped_column(BigInteger)


class Conversation(Base):
    __tablename__ = "conversations"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # public slug, unguessable
    topic: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("organisers.id", ondelete="SET NULL"), nullable=True)
    who_may_add: Mapped[str] = mapped_column(String(16), default="participants")  # or "organisers"
    moderation: Mapped[str] = mapped_column(String(16), default="post")  # "post" | "strict"
    statement_max_len: Mapped[int] = mapped_column(Integer, default=280)
    show_results: Mapped[bool] = mapped_column(Boolean, default=True)  # participants see results
    is_open: Mapped[bool] = mapped_column(Boolean, default=True)
    created_ms: Mapped[int] = mapped_column(BigInteger, default=now_ms)
    updated_ms: Mapped[int] = mapped_column(BigInteger, default=now_ms)
    closed_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # retention: anonymous identities (cookie ids, xids) are forgotten this many days after closing
    forget_identities_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    n_statements: Mapped[int] = mapped_column(Integer, default=0)  # hands out statement tids
    # background analysis bookkeeping
    vote_version: Mapped[int] = mapped_column(BigInteger, default=0)  # +1 per vote/undo/moderation
    last_change_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    analysis_dirty_since: Mapped[int | None] = mapped_column(BigInteger, nullable=True, index=True)
    analysis_claim: Mapped[str | None] = mapped_column(String(64), nullable=True)
    analysis_claim_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # failed analyses: failures in a row, not tried again before retry_ms, the last error (services.analyses)
    analysis_failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    analysis_retry_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    analysis_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    # +1 whenever votes are removed other than by an undo (a participant erased): the analysis worker's kept
    # snapshot of the votes (voxpop.services.snapshots) is then stale and is reloaded
    votes_removed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # the languages statements are offered in, default first (None = English only; docs/i18n.md)
    languages: Mapped[list | None] = mapped_column(JSON(none_as_null=True), nullable=True)


class Participant(Base):
    __tablename__ = "participants"
    __table_args__ = (
        UniqueConstraint("conversation_id", "anon_id"),
        UniqueConstraint("conversation_id", "xid"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    anon_id: Mapped[str | None] = mapped_column(String(64), nullable=True)  # browser id from signed cookie
    xid: Mapped[str | None] = mapped_column(String(200), nullable=True)  # id given by a host site
    place_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    strata: Mapped[dict | None] = mapped_column(JSON(none_as_null=True), nullable=True)
    created_ms: Mapped[int] = mapped_column(BigInteger, default=now_ms)


class Statement(Base):
    __tablename__ = "statements"
    __table_args__ = (UniqueConstraint("conversation_id", "tid"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    tid: Mapped[int] = mapped_column(Integer)  # per-conversation number (Pol.is comment-id)
    text: Mapped[str] = mapped_column(Text)
    author_participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("participants.id", ondelete="SET NULL"), nullable=True
    )
    is_seed: Mapped[bool] = mapped_column(Boolean, default=False)
    mod_status: Mapped[int] = mapped_column(SmallInteger, default=0)  # 1 accepted, 0 pending, -1 rejected
    is_meta: Mapped[bool] = mapped_column(Boolean, default=False)
    created_ms: Mapped[int] = mapped_column(BigInteger, default=now_ms)
    language: Mapped[str | None] = mapped_column(String(16), nullable=True)  # as written; None = the default


class VoteEvent(Base):
    """Append-only vote history. vote is +1/-1/0, or NULL for an undo."""

    __tablename__ = "vote_events"
    __table_args__ = (
        Index("ix_vote_events_conv_id", "conversation_id", "id"),
        UniqueConstraint("participant_id", "client_key", name="uq_vote_events_client_key"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"))
    statement_id: Mapped[int] = mapped_column(ForeignKey("statements.id", ondelete="CASCADE"))
    vote: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    client_key: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_ms: Mapped[int] = mapped_column(BigInteger, default=now_ms)


class Vote(Base):
    """The current vote of a participant on a statement (absent when never voted or undone)."""

    __tablename__ = "votes"
    # ix_votes_conv_event serves the analysis loader's ORDER BY event_id (voxpop.store.vote_columns)
    __table_args__ = (Index("ix_votes_conv_stmt", "conversation_id", "statement_id"),
                      Index("ix_votes_conv_event", "conversation_id", "event_id"))
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), primary_key=True
    )
    statement_id: Mapped[int] = mapped_column(ForeignKey("statements.id", ondelete="CASCADE"), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    vote: Mapped[int] = mapped_column(SmallInteger)
    event_id: Mapped[int] = mapped_column(BigInteger)
    updated_ms: Mapped[int] = mapped_column(BigInteger, default=now_ms)


class ModerationDecision(Base):
    __tablename__ = "moderation_decisions"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), index=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("statements.id", ondelete="CASCADE"))
    organiser_id: Mapped[int | None] = mapped_column(ForeignKey("organisers.id", ondelete="SET NULL"), nullable=True)
    action: Mapped[str] = mapped_column(String(16))  # accept | reject | meta | unmeta
    created_ms: Mapped[int] = mapped_column(BigInteger, default=now_ms)


class Analysis(Base):
    """The latest analysis document of a conversation (the cache the API serves)."""

    __tablename__ = "analyses"
    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True
    )
    document: Mapped[dict] = mapped_column(JSON)
    priorities: Mapped[dict | None] = mapped_column(JSON(none_as_null=True), nullable=True)  # tid -> routing priority
    vote_version: Mapped[int] = mapped_column(BigInteger, default=0)  # conversation version it reflects
    status: Mapped[str] = mapped_column(String(32), default="ok")
    computed_ms: Mapped[int] = mapped_column(BigInteger, default=now_ms)
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)


class Place(Base):
    """A place known to a conversation (places engineer fills these; docs/places.md)."""

    __tablename__ = "places"
    __table_args__ = (UniqueConstraint("conversation_id", "place_id"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    place_id: Mapped[str] = mapped_column(String(100))
    parent_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    name: Mapped[str] = mapped_column(String(300), default="")
    kind: Mapped[str] = mapped_column(String(50), default="")
    population: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    context: Mapped[dict | None] = mapped_column(JSON(none_as_null=True), nullable=True)


class Artifact(Base):
    """A generic JSON result attached to a conversation (e.g. listening themes)."""

    __tablename__ = "artifacts"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(50))
    payload: Mapped[dict] = mapped_column(JSON)
    created_ms: Mapped[int] = mapped_column(BigInteger, default=now_ms)


class PublishedThemes(Base):
    """The listening themes (one Artifact of kind "listen_themes") an organiser checked and put on the
    conversation's results page. No row: no themes are shown there. A later listening run is not shown until
    it is published too; withdrawing deletes the row (voxpop.store.published_themes)."""

    __tablename__ = "published_themes"
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"),
                                                 primary_key=True)
    artifact_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("artifacts.id", ondelete="CASCADE"), index=True)
    organiser_id: Mapped[int | None] = mapped_column(ForeignKey("organisers.id", ondelete="SET NULL"), nullable=True)
    published_ms: Mapped[int] = mapped_column(BigInteger, default=now_ms)


class StatementTranslation(Base):
    """A statement in another of its conversation's languages (organiser-supplied)."""

    __tablename__ = "statement_translations"
    __table_args__ = (UniqueConstraint("statement_id", "language"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), index=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("statements.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)


class ConversationTranslation(Base):
    """A conversation's title (topic) and description in another interface language, given by its organiser.
    An empty topic or description means "not given": readers of that language see the original
    (voxpop.store.conversation_translations; the rules are voxpop.services.conversation_text's)."""

    __tablename__ = "conversation_translations"
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"),
                                                 primary_key=True)
    language: Mapped[str] = mapped_column(String(16), primary_key=True)
    topic: Mapped[str] = mapped_column(String(300), default="", server_default="")
    description: Mapped[str] = mapped_column(Text, default="", server_default="")


class PlaceAlias(Base):
    """Another name for one of a conversation's places (a town, village, neighbourhood, postcode district)."""

    __tablename__ = "place_aliases"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), index=True)
    alias: Mapped[str] = mapped_column(String(200))
    place_id: Mapped[str] = mapped_column(String(100))


from voxpop.store import models_fieldwork as _fieldwork  # noqa: E402,F401  (field work tables on the same Base)
from voxpop.store import models_jobs as _jobs  # noqa: E402,F401  (listening jobs, same Base)
