"""Publishing listening themes: an organiser checks the themes a listening run found (their names come from
people's testimony) before citizens see them, like moderation before publishing.

Each listening run stores its themes as a new Artifact (services.listen_jobs); publishing pins one of them
(voxpop.store.published_themes). The results page and the public themes by place
(GET .../listen/places) show only the published run's themes, and nothing while none is published; a later
run stays off the results page until it is published too, and withdrawing takes the themes off at once. The
listening page always shows the latest run to the organisers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy.orm import Session

from voxpop.errors import Conflict, NotFound
from voxpop.i18n import lazy_gettext
from voxpop.store import published_themes as P

Status = Literal["no_themes", "not_published", "published", "newer_not_published"]


@dataclass(frozen=True)
class PublishState:
    latest: P.Run | None  # the newest listening run's themes
    published: P.Publication | None  # the themes on the results page

    @property
    def status(self) -> Status:
        if self.latest is None:
            return "no_themes"
        if self.published is None:
            return "not_published"
        return "published" if self.published.run.artifact_id == self.latest.artifact_id else "newer_not_published"

    @property
    def newer_not_published(self) -> bool:
        """A run newer than the published one (or any run while none is published) is not on the results page."""
        return self.status in ("not_published", "newer_not_published")

    def to_dict(self) -> dict:
        """The JSON twin's shape (docs/listening.md, "Publishing the themes")."""
        pub = self.published
        return {
            "status": self.status,
            "published": None if pub is None else {"artifact": pub.run.artifact_id, "run_ms": pub.run.created_ms,
                                                    "published_ms": pub.published_ms, "by": pub.by},
            "latest": None if self.latest is None else {"artifact": self.latest.artifact_id,
                                                        "run_ms": self.latest.created_ms},
            "newer_not_published": self.newer_not_published,
        }


def state(s: Session, cid: str) -> PublishState:
    return PublishState(P.latest_run(s, cid), P.publication(s, cid))


def published_artifact(s: Session, cid: str) -> int | None:
    """The artifact id of the themes on the results page, or None (what the public may read)."""
    return P.published_id(s, cid)


def latest_artifact(s: Session, cid: str) -> int | None:
    """The artifact id of the newest themes (what the organisers see on the listening page), or None."""
    run = P.latest_run(s, cid)
    return run.artifact_id if run else None


def publish(s: Session, cid: str, *, organiser_id: int | None, artifact_id: int | None = None) -> PublishState:
    """Put the themes of one listening run on the results page: `artifact_id` (a run of this conversation; the
    one the organiser checked), or the latest run when None. Replaces any published before; publishing the
    published run again changes nothing but the time. Conflict before the first run has finished; NotFound for
    an artifact id that is not one of this conversation's runs."""
    latest = P.latest_run(s, cid)
    if latest is None:
        raise Conflict(lazy_gettext("there are no listening themes to publish yet: upload testimony on the "
                                    "listening page and wait until its themes are found, then publish them"))
    run = latest if artifact_id is None else P.run_of(s, cid, artifact_id)
    if run is None:
        raise NotFound(lazy_gettext("this conversation has no listening themes with id %(id)s: publish the latest "
                                    "themes (send no id), or the artifact id of a run it has (GET .../listen/published "
                                    "gives the latest)", id=artifact_id))
    P.set_published(s, cid, run.artifact_id, organiser_id)
    return state(s, cid)


def withdraw(s: Session, cid: str) -> PublishState:
    """Take the themes off the results page. Withdrawing when none are published changes nothing (so a form
    sent twice is not an error); the state says what is published now."""
    P.clear_published(s, cid)
    return state(s, cid)
