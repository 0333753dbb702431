"""A conversation's places as stored: the place registry, the fairness settings (an Artifact), and
what voxpop.analysis.run.analyze needs for places (docs/places.md).

Pure store reads/writes over the `places` table and artifacts, plus voxpop.places (pure); the web API
(voxpop.web.api_places) and the analysis worker (voxpop.store.analyses) both use these.
"""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from voxpop.places.io import registry_from_rows, registry_to_rows
from voxpop.places.registry import PlaceRegistry
from voxpop.store.errors import Invalid
from voxpop.store.models import Artifact, Place

SETTINGS_KIND = "places_settings"
DEFAULT_SETTINGS = {"policy": "population", "min_cell": 5, "margins": {}}


def stored_registry(s: Session, cid: str) -> PlaceRegistry | None:
    """The conversation's registry from its stored places, or None when it has none."""
    rows = s.execute(select(Place.place_id, Place.parent_id, Place.name, Place.kind, Place.population,
                            Place.context).where(Place.conversation_id == cid).order_by(Place.id)).all()
    if not rows:
        return None
    return registry_from_rows([{"id": r[0], "parent": r[1], "name": r[2], "kind": r[3], "population": r[4],
                                "context": r[5]} for r in rows], source=f"places of conversation {cid}")


def settings_of(s: Session, cid: str) -> dict:
    """The conversation's places settings (policy, min_cell, margins), defaults filled in."""
    row = s.execute(select(Artifact.payload).where(Artifact.conversation_id == cid, Artifact.kind == SETTINGS_KIND)
                    .order_by(Artifact.id.desc()).limit(1)).scalar()
    return DEFAULT_SETTINGS | dict(row or {})


def analysis_inputs(s: Session, cid: str) -> dict | None:
    """What voxpop.analysis.run.analyze needs for places, from the store: {"places": registry,
    "policy": ..., "min_cell": ..., "margins": ... (when the organiser set some)}; None when the
    conversation has no places."""
    reg = stored_registry(s, cid)
    if reg is None:
        return None
    st = settings_of(s, cid)
    out = {"places": reg, "policy": st["policy"], "min_cell": int(st["min_cell"])}
    if st.get("margins"):
        out["margins"] = st["margins"]
    return out


def replace_places(s: Session, cid: str, reg: PlaceRegistry) -> None:
    """Store the registry as the conversation's places (replacing any; the caller's transaction)."""
    s.execute(delete(Place).where(Place.conversation_id == cid))
    s.add_all([Place(conversation_id=cid, place_id=r["id"], parent_id=r["parent"], name=r["name"][:300],
                     kind=r["kind"][:50], population=r["population"], context=r["context"])
               for r in registry_to_rows(reg)])


def save_settings(s: Session, cid: str, settings: dict) -> None:
    """Replace the conversation's places settings (margins checked: shares >= 0, not all 0)."""
    for name, target in (settings.get("margins") or {}).items():
        if not target or any(v < 0 for v in target.values()) or sum(target.values()) <= 0:
            raise Invalid(f"margin {name!r}: give each category a share of 0 or more, not all 0")
    s.execute(delete(Artifact).where(Artifact.conversation_id == cid, Artifact.kind == SETTINGS_KIND))
    s.add(Artifact(conversation_id=cid, kind=SETTINGS_KIND, payload=settings))
