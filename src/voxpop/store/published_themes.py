"""Which listening themes are on a conversation's results page (table published_themes, one row at most per
conversation). Listening themes are Artifacts of kind "listen_themes", one per listening run, never changed
once stored; publishing pins one of them, so a later run stays off the results page until it is published
too. The rules (what may be published, the errors) are voxpop.services.theme_publishing's.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from voxpop.store.db import rowcount
from voxpop.store.models import Artifact, Organiser, PublishedThemes, now_ms

THEMES_KIND = "listen_themes"  # the same as voxpop.services.listen_jobs.THEMES_KIND


@dataclass(frozen=True)
class Run:
    """One listening run's themes: the artifact id and when it was stored."""

    artifact_id: int
    created_ms: int


@dataclass(frozen=True)
class Publication:
    run: Run  # the published themes
    published_ms: int
    by: str | None  # the username of the organiser who published them (None: removed account or the demo)


def latest_run(s: Session, cid: str) -> Run | None:
    """The conversation's newest listening themes, or None before the first run."""
    row = s.execute(select(Artifact.id, Artifact.created_ms)
                    .where(Artifact.conversation_id == cid, Artifact.kind == THEMES_KIND)
                    .order_by(Artifact.id.desc()).limit(1)).first()
    return Run(int(row[0]), int(row[1])) if row else None


def run_of(s: Session, cid: str, artifact_id: int) -> Run | None:
    """The listening run with this artifact id, if it is one of this conversation's."""
    row = s.execute(select(Artifact.id, Artifact.created_ms)
                    .where(Artifact.id == artifact_id, Artifact.conversation_id == cid,
                           Artifact.kind == THEMES_KIND)).first()
    return Run(int(row[0]), int(row[1])) if row else None


def publication(s: Session, cid: str) -> Publication | None:
    """The themes on the results page, or None."""
    row = s.execute(select(PublishedThemes.artifact_id, Artifact.created_ms, PublishedThemes.published_ms,
                           Organiser.username)
                    .join(Artifact, Artifact.id == PublishedThemes.artifact_id)
                    .outerjoin(Organiser, Organiser.id == PublishedThemes.organiser_id)
                    .where(PublishedThemes.conversation_id == cid)).first()
    if row is None:
        return None
    return Publication(Run(int(row[0]), int(row[1])), int(row[2]), row[3])


def published_id(s: Session, cid: str) -> int | None:
    """The artifact id of the published themes (one small read, for the results page and its cache key)."""
    return s.execute(select(PublishedThemes.artifact_id).where(PublishedThemes.conversation_id == cid)).scalar()


def set_published(s: Session, cid: str, artifact_id: int, organiser_id: int | None) -> None:
    """Put these themes on the results page in place of any published before (one upsert, so two organisers
    publishing at once both succeed and the later one wins)."""
    values = {"conversation_id": cid, "artifact_id": artifact_id, "organiser_id": organiser_id,
              "published_ms": now_ms()}
    insert = pg_insert if s.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = insert(PublishedThemes).values(**values)
    s.execute(stmt.on_conflict_do_update(index_elements=["conversation_id"],
                                         set_={k: v for k, v in values.items() if k != "conversation_id"}))


def clear_published(s: Session, cid: str) -> bool:
    """Take the themes off the results page; False when none were on it."""
    return rowcount(s.execute(delete(PublishedThemes).where(PublishedThemes.conversation_id == cid))) > 0
