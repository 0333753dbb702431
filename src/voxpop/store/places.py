"""A conversation's places as stored: the place registry, the fairness settings (an Artifact), and
what voxpop.analysis.run.analyze needs for places (docs/places.md).

Pure store reads/writes over the `places` table and artifacts, plus voxpop.places (pure); the web API
(voxpop.web.api.places) and the analysis worker (voxpop.services.analyses) both use these.
"""

from __future__ import annotations

import csv
import io

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from voxpop import i18n
from voxpop.errors import Invalid
from voxpop.places.finder import PlaceFinder, place_aliases
from voxpop.places.io import registry_from_rows, registry_to_rows
from voxpop.places.names import name_in
from voxpop.places.registry import PlaceRegistry
from voxpop.store.models import Artifact, Place, PlaceAlias

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


def names_in(s: Session, cid: str, language: str, place_ids: list[str] | None = None) -> dict[str, str]:
    """The names of the conversation's places (or of `place_ids` among them) in `language` that differ from
    the names they were given (voxpop.places.names: Welsh "Caerdydd" for "Cardiff"); a place missing here
    keeps its own name."""
    q = select(Place.place_id, Place.name, Place.context).where(Place.conversation_id == cid)
    if place_ids is not None:
        q = q.where(Place.place_id.in_(place_ids))
    out = {}
    for pid, name, ctx in s.execute(q):
        local = name_in(pid, name, language, ctx if isinstance(ctx, dict) else None)
        if local != name:
            out[pid] = local
    return out


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
            raise Invalid(i18n.lazy_gettext("margin %(name)s: give each category a share of 0 or more, not "
                                            "all 0", name=repr(name)))
    s.execute(delete(Artifact).where(Artifact.conversation_id == cid, Artifact.kind == SETTINGS_KIND))
    s.add(Artifact(conversation_id=cid, kind=SETTINGS_KIND, payload=settings))


# --- finding a place from what a participant types (voxpop.places.finder) -------------------------------

ALIASES_MAX = 200_000
_finders: dict[str, tuple[tuple, PlaceFinder]] = {}


def aliases_of(s: Session, cid: str) -> list[tuple[str, str]]:
    """The organiser's alias table: (alias, place id) pairs."""
    return [(a, p) for a, p in s.execute(select(PlaceAlias.alias, PlaceAlias.place_id)
                                         .where(PlaceAlias.conversation_id == cid).order_by(PlaceAlias.id))]


def read_aliases_csv(data: bytes, name: str = "aliases.csv") -> list[tuple[str, str]]:
    """Parse an `alias,place_id` CSV (header required; UTF-8). Raises Invalid naming the line and the fix."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid(i18n.lazy_gettext("%(name)s: not UTF-8 text; save it as CSV UTF-8", name=name)) from None
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise Invalid(i18n.lazy_gettext("%(name)s: the file is empty; give a header `alias,place_id` and one "
                                        "row per alias", name=name))
    header = [h.strip().lower() for h in rows[0]]
    if "alias" not in header or "place_id" not in header:
        raise Invalid(i18n.lazy_gettext("%(name)s: the header must name the columns `alias` and `place_id` "
                                        "(found %(value)s)", name=name, value=repr(rows[0])))
    ia, ip = header.index("alias"), header.index("place_id")
    out = []
    for line, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        if len(row) <= max(ia, ip):
            raise Invalid(i18n.lazy_gettext("%(name)s, line %(line)s: give both an alias and a place_id", name=name, line=line))
        alias, pid = row[ia].strip(), row[ip].strip()
        if not alias or not pid or len(alias) > 200 or len(pid) > 100 or not alias.isprintable():
            raise Invalid(i18n.lazy_gettext("%(name)s, line %(line)s: an alias is 1-200 printable characters "
                                            "and a place_id 1-100 (got %(value)s, %(value2)s)", name=name, line=line, value=repr(alias[:40]), value2=repr(pid[:40])))
        out.append((alias, pid))
    if len(out) > ALIASES_MAX:
        raise Invalid(i18n.lazy_gettext("%(name)s: %(n)s aliases; at most %(aliases_max)s", name=name, n=format(len(out), ','), aliases_max=format(ALIASES_MAX, ',')))
    return out


def replace_aliases(s: Session, cid: str, pairs: list[tuple[str, str]]) -> None:
    """Store the alias table (replacing any). Every place_id must be one of the conversation's places."""
    known = set(s.execute(select(Place.place_id).where(Place.conversation_id == cid)).scalars())
    if not known:
        raise Invalid(i18n.lazy_gettext("upload the conversation's places before their aliases"))
    unknown = sorted({p for _, p in pairs} - known)
    if unknown:
        raise Invalid(i18n.lazy_gettext("%(n)s place_id(s) are not places of this conversation, e.g. "
                                        "%(repr)s; use the ids of the places file", n=len(unknown), repr=', '.join(map(repr, unknown[:5]))))
    s.execute(delete(PlaceAlias).where(PlaceAlias.conversation_id == cid))
    s.execute(insert(PlaceAlias), [{"conversation_id": cid, "alias": a, "place_id": p} for a, p in pairs])


def finder_for(s: Session, cid: str) -> PlaceFinder | None:
    """The conversation's place finder (names, packaged variants, aliases), rebuilt only when its places or
    aliases changed; None when the conversation has no places."""
    stamp = tuple(s.execute(select(func.count(Place.id), func.max(Place.id)).where(Place.conversation_id == cid))
                  .one()) + tuple(s.execute(select(func.count(PlaceAlias.id), func.max(PlaceAlias.id))
                                            .where(PlaceAlias.conversation_id == cid)).one())
    if not stamp[0]:
        return None
    cached = _finders.get(cid)
    if cached and cached[0] == stamp:
        return cached[1]
    rows = s.execute(select(Place.place_id, Place.name, Place.context).where(Place.conversation_id == cid)).all()
    pairs = [(alias, pid) for pid, name, ctx in rows for alias in place_aliases(pid, name, ctx)]
    finder = PlaceFinder.build(pairs + aliases_of(s, cid))
    if len(_finders) > 256:
        _finders.clear()
    _finders[cid] = (stamp, finder)
    return finder


LAYOUT_KIND = "places_layout"


def uploaded_layout(s: Session, cid: str) -> dict | None:
    """The map layout the organiser uploaded, if any."""
    row = s.execute(select(Artifact.payload).where(Artifact.conversation_id == cid, Artifact.kind == LAYOUT_KIND)
                    .order_by(Artifact.id.desc()).limit(1)).scalar()
    return dict(row) if row else None


def stored_layout(s: Session, cid: str) -> dict | None:
    """The conversation's map layout (voxpop.places.layout): the one uploaded with its places, else the
    packaged UK map when the places are the UK's 2016 counting areas, else None."""
    from voxpop.places.layout import default_layout_for

    row = uploaded_layout(s, cid)
    if row:
        return row
    ids = set(s.execute(select(Place.place_id).where(Place.conversation_id == cid)).scalars())
    return default_layout_for(ids) if ids else None


def save_layout(s: Session, cid: str, layout: dict | None) -> None:
    """Replace the conversation's map layout (None removes it, so the default applies again)."""
    s.execute(delete(Artifact).where(Artifact.conversation_id == cid, Artifact.kind == LAYOUT_KIND))
    if layout is not None:
        s.add(Artifact(conversation_id=cid, kind=LAYOUT_KIND, payload=layout))
