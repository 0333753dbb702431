"""Read place registries and participants' places from CSV files (errors name file, line and fix)."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from voxpop import i18n
from voxpop.i18n import N_
from voxpop.places.registry import UNSPECIFIED_KIND, PlaceError, PlaceRecord, PlaceRegistry, build_registry

DEFAULT_MAPPING: dict[str, Any] = {
    "id": "id", "name": "name", "kind": "kind", "parent": "parent", "level": "level",
    "population": "population",
}

# The UK 2016 EU referendum results by counting area (the shared reference file): region -> area.
REFERENDUM_2016: dict[str, Any] = {
    "id": "Area_Code", "name": "Area", "population": "Electorate", "level_name": "area",
    "parents": [{"level": "region", "id": "Region_Code", "name": "Region"}],
    "context": {"leave_share": "Pct_Leave", "turnout": "Pct_Turnout"},
    "context_scale": {"leave_share": 0.01, "turnout": 0.01},
}
PRESETS = {"eu-referendum-2016": REFERENDUM_2016}
_REFERENDUM_HEADER = {"Area_Code", "Area", "Region_Code", "Region", "Electorate", "Pct_Leave"}

PLACES_MAX_BYTES = 20 * 1024 * 1024  # the largest places CSV the service accepts
PARTICIPANT_COLUMNS = ("participant_id", "participant", "pid", "xid")
PLACE_COLUMNS = ("place_id", "place")


MAPPING_WHERE = N_("place mapping")  # where a mapping error is, in the reader's language
_COLUMN_KEYS = ("id", "name", "kind", "parent", "level", "population", "level_name")
_PARENT_KEYS = ("level", "id", "name", "kind")


def _bad_mapping(what: object, fix: object) -> PlaceError:
    return PlaceError(i18n.gettext(MAPPING_WHERE), what, fix=fix)


def check_mapping(mapping: object) -> dict[str, Any]:
    """The mapping if its shape is right, else PlaceError saying which key is wrong and how to write it.

    Keys: id, name, kind, parent, level, population, level_name (column names or the level's name: text);
    parents: a list of {"level", "id", "name"[, "kind"]} (text); context: {name: column} or [column, ...];
    context_scale: {name: number}.
    """
    if not isinstance(mapping, dict):
        raise _bad_mapping(i18n.lazy_gettext("must be a JSON object"),
                           i18n.lazy_gettext('write e.g. {"id": "Area_Code", "population": "Electorate"}'))
    known = (*_COLUMN_KEYS, "parents", "context", "context_scale")
    for key, val in mapping.items():
        if key not in known:
            raise _bad_mapping(i18n.lazy_gettext("unknown key %(key)s", key=repr(key)),
                               i18n.lazy_gettext("use only %(known)s", known=", ".join(known)))
        if key in _COLUMN_KEYS and not isinstance(val, str):
            raise _bad_mapping(i18n.lazy_gettext("%(key)s must be a column name (text)", key=repr(key)),
                               i18n.lazy_gettext('write e.g. "%(key)s": "COLUMN"', key=key))
    parents = mapping.get("parents", [])
    if not isinstance(parents, list) or not all(isinstance(p, dict) for p in parents):
        raise _bad_mapping(i18n.lazy_gettext("'parents' must be a list of objects"),
                           i18n.lazy_gettext('write e.g. "parents": [{"level": "region", "id": "Region_Code", '
                                             '"name": "Region"}]'))
    for p in parents:
        if not all(isinstance(p.get(k), str) and p.get(k) for k in ("level", "id", "name")) \
                or not set(p) <= set(_PARENT_KEYS) or not isinstance(p.get("kind", ""), str):
            raise _bad_mapping(i18n.lazy_gettext("parent level %(p)s needs text 'level', 'id' and 'name' "
                                                 "(and only those, plus 'kind')", p=repr(p)),
                               i18n.lazy_gettext('write e.g. {"level": "region", "id": "Region_Code", "name": "Region"}'))
    context = mapping.get("context", {})
    if isinstance(context, list):
        context = {c: c for c in context} if all(isinstance(c, str) for c in context) else None
    if not isinstance(context, dict) or not all(isinstance(v, str) for v in context.values()):
        raise _bad_mapping(i18n.lazy_gettext("'context' must map names to column names"),
                           i18n.lazy_gettext('write e.g. "context": {"leave": "Pct_Leave"}'))
    scale = mapping.get("context_scale", {})
    if not isinstance(scale, dict) or not all(isinstance(v, int | float) and not isinstance(v, bool)
                                              for v in scale.values()):
        raise _bad_mapping(i18n.lazy_gettext("'context_scale' must map context names to numbers"),
                           i18n.lazy_gettext('write e.g. "context_scale": {"leave": 0.01}'))
    return mapping


def parse_mapping(text: str) -> dict[str, Any]:
    """A mapping from the command line: a preset name, JSON, or `key=column,...` (see check_mapping).

    `context.NAME=COLUMN` adds a context column; `parent.LEVEL=ID_COLUMN:NAME_COLUMN` adds a parent level
    created from leaf rows (outermost first); `level_name=NAME` names the level of the rows themselves.
    """
    text = text.strip()
    if text in PRESETS:
        return dict(PRESETS[text])
    if text[:1] in ("{", "[", '"') or text in ("null", "true", "false"):
        try:
            return check_mapping(json.loads(text))
        except json.JSONDecodeError as e:
            raise _bad_mapping(i18n.lazy_gettext("not valid JSON (%(msg)s at character %(at)s)", msg=e.msg, at=e.pos + 1),
                               i18n.lazy_gettext("write a JSON object, a preset name, or key=column pairs")) from None
    out: dict[str, Any] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        if "=" not in part:
            raise _bad_mapping(i18n.lazy_gettext("cannot read %(part)s", part=repr(part)),
                               i18n.lazy_gettext("write key=column, e.g. id=Area_Code"))
        key, val = (s.strip() for s in part.split("=", 1))
        if key.startswith("context."):
            out.setdefault("context", {})[key[8:]] = val
        elif key.startswith("parent."):
            id_col, _, name_col = val.partition(":")
            out.setdefault("parents", []).append({"level": key[7:], "id": id_col, "name": name_col or id_col})
        else:
            out[key] = val
    return check_mapping(out)


def _number(raw: str | None, path: str, line: int, what: str, fix: str) -> float | None:
    if raw is None or raw.strip() == "":
        return None
    try:
        return float(raw.strip().replace(",", "").replace("_", ""))
    except ValueError:
        raise PlaceError(path, i18n.lazy_gettext("%(what)s %(raw)s is not a number", what=what, raw=repr(raw)), line=line, fix=fix) from None


def _all_numeric(values) -> bool:
    seen = False
    for v in values:
        v = (v or "").strip()
        if not v:
            continue
        try:
            float(v.replace(",", "").replace("_", ""))
        except ValueError:
            return False
        seen = True
    return seen


def read_places(path: str | Path, mapping: dict[str, Any] | str | None = None) -> PlaceRegistry:
    """Read a place registry from CSV. See docs/places.md (Inputs) for the columns and the mapping."""
    path = Path(path)
    src = str(path)
    if not path.exists():
        raise PlaceError(src, i18n.lazy_gettext("file not found"),
                         fix=i18n.lazy_gettext("give the path of a places CSV"))
    try:
        return _read_places(path, src, mapping)
    except UnicodeDecodeError as e:
        raise PlaceError(src, i18n.lazy_gettext("not UTF-8 text (byte %(start)s of a line)", start=e.start),
                         fix=i18n.lazy_gettext("save the file as UTF-8 CSV")) from None


def _read_places(path: Path, src: str, mapping: dict[str, Any] | str | None) -> PlaceRegistry:
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        header = [h.strip() for h in (reader.fieldnames or [])]
        if not header:
            raise PlaceError(src, i18n.lazy_gettext("empty file"), line=1,
                             fix=i18n.lazy_gettext("the first line must name the columns"))
        reader.fieldnames = header
        if isinstance(mapping, str):
            mapping = parse_mapping(mapping)
        elif mapping is not None:
            check_mapping(mapping)
        if mapping is None:
            mapping = REFERENDUM_2016 if _REFERENDUM_HEADER <= set(header) else {}
        m = {**DEFAULT_MAPPING, **mapping}
        for key in ("id", "population"):
            if m[key] not in header:
                raise PlaceError(src, i18n.lazy_gettext("no %(value)s column for the place %(key)s", value=repr(m[key]), key=key), line=1,
                                 fix=i18n.lazy_gettext("add the column or map it (e.g. %(key)s=YOUR_COLUMN); "
                                                       "columns: %(header)s", key=key, header=', '.join(header)))
        rows = [(reader.line_num, row) for row in reader]
        context = m.get("context")
        if context is None:  # no mapping for context: every other column whose values are all numbers
            used = {m[k] for k in DEFAULT_MAPPING} | {v for spec in m.get("parents", []) for v in spec.values()}
            context = {c: c for c in header if c not in used and _all_numeric(r.get(c) for _, r in rows)}
        if isinstance(context, list):
            context = {c: c for c in context}
        for name, col in context.items():
            if col not in header:
                raise PlaceError(src, i18n.lazy_gettext("context column %(col)s (for %(name)s) not found", col=repr(col), name=repr(name)), line=1,
                                 fix=i18n.lazy_gettext("columns are: %(header)s", header=', '.join(header)))
        scale = m.get("context_scale") or {}
        parents_spec = m.get("parents") or []
        for spec in parents_spec:
            for key in ("id", "name"):
                if spec.get(key) not in header:
                    raise PlaceError(src, i18n.lazy_gettext("parent level column %(value)s not found", value=repr(spec.get(key))), line=1,
                                     fix=i18n.lazy_gettext("columns are: %(header)s", header=', '.join(header)))
        records: list[PlaceRecord] = []
        made: dict[str, PlaceRecord] = {}
        for line, row in rows:
            if not any((v or "").strip() for v in row.values()):
                continue
            get = lambda col, row=row: (row.get(col) or "").strip() if col else ""  # noqa: E731
            pid = get(m["id"])
            if not pid:
                raise PlaceError(src, i18n.lazy_gettext("empty place id"), line=line,
                                 fix=i18n.lazy_gettext("fill the %(id)s column", id=repr(m['id'])))
            pop = _number(get(m["population"]), src, line, "population",
                          "write the population (or electorate) as a number")
            parent = get(m["parent"]) or None
            for spec in parents_spec:
                ppid = get(spec["id"])
                if not ppid:
                    raise PlaceError(src, i18n.lazy_gettext("empty %(id)s", id=repr(spec['id'])), line=line,
                                     fix=i18n.lazy_gettext("every row needs its parent"))
                if ppid not in made:
                    made[ppid] = PlaceRecord(id=ppid, name=get(spec["name"]) or ppid, parent=parent,
                                             kind=spec.get("kind", UNSPECIFIED_KIND), level=spec["level"],
                                             line=line)
                    records.append(made[ppid])
                parent = ppid
            ctx = {}
            for name, col in context.items():
                v = _number(get(col), src, line, f"context value {name!r}", "write a number or leave it empty")
                ctx[name] = None if v is None else v * float(scale.get(name, 1.0))
            if parents_spec and pid == parent and made[pid].population is None:
                # the row is its own parent level (e.g. Northern Ireland: one area that is a region)
                made[pid].population, made[pid].context, made[pid].name = pop, ctx, get(m["name"]) or pid
                made[pid].kind = get(m["kind"]) or made[pid].kind
                continue
            records.append(PlaceRecord(
                id=pid, name=get(m["name"]) or pid, parent=parent, kind=get(m["kind"]) or UNSPECIFIED_KIND,
                level=get(m["level"]) or m.get("level_name"), population=pop, context=ctx, line=line,
            ))
    return build_registry(records, src)


def read_participant_places(path: str | Path) -> dict[str, tuple[str | None, dict[str, str]]]:
    """participant id -> (place id or None, {stratum: value}) from a CSV with participant_id, place_id
    and any further (strata) columns such as age_band."""
    path = Path(path)
    src = str(path)
    if not path.exists():
        raise PlaceError(src, i18n.lazy_gettext("file not found"),
                         fix=i18n.lazy_gettext("give the path of a participants CSV"))
    out: dict[str, tuple[str | None, dict[str, str]]] = {}
    lines: dict[str, int] = {}
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        header = [h.strip() for h in (reader.fieldnames or [])]
        reader.fieldnames = header
        pcol = next((c for c in PARTICIPANT_COLUMNS if c in header), None)
        lcol = next((c for c in PLACE_COLUMNS if c in header), None)
        if pcol is None or lcol is None:
            raise PlaceError(src, i18n.lazy_gettext("needs a participant_id and a place_id column"), line=1,
                             fix=i18n.lazy_gettext("found columns: %(value)s", value=', '.join(header) or '(none)'))
        strata_cols = [c for c in header if c not in (pcol, lcol)]
        for row in reader:
            line = reader.line_num
            pid = (row.get(pcol) or "").strip()
            if not pid:
                if any((v or "").strip() for v in row.values()):
                    raise PlaceError(src, i18n.lazy_gettext("empty participant id"), line=line,
                                     fix=i18n.lazy_gettext("fill the %(pcol)s column", pcol=repr(pcol)))
                continue
            if pid in out:
                raise PlaceError(src, i18n.lazy_gettext("participant %(pid)s appears twice (first on line "
                                                        "%(value)s)", pid=repr(pid), value=lines[pid]),
                                 line=line, fix=i18n.lazy_gettext("give each participant one row"))
            place = (row.get(lcol) or "").strip() or None
            strata = {c: (row.get(c) or "").strip() for c in strata_cols if (row.get(c) or "").strip()}
            out[pid] = (place, strata)
            lines[pid] = line
    return out


LEVEL_KEY = "_level"  # where a stored place keeps its level name inside its context JSON


def registry_from_rows(rows: list[dict[str, Any]], source: str = "database") -> PlaceRegistry:
    """A registry from stored places (store.models.Place as dicts: id, parent, name, kind, population,
    context). The level name, if any, is kept in context["_level"]."""
    records = []
    for k, r in enumerate(rows, start=1):
        ctx = dict(r.get("context") or {})
        level = ctx.pop(LEVEL_KEY, None)
        records.append(PlaceRecord(
            id=str(r["id"]), name=str(r.get("name") or r["id"]), parent=r.get("parent") or None,
            kind=r.get("kind") or UNSPECIFIED_KIND, level=level,
            population=None if r.get("population") is None else float(r["population"]),
            context={c: (None if v is None else float(v)) for c, v in ctx.items()}, line=k,
        ))
    return build_registry(records, source)


def registry_to_rows(registry: PlaceRegistry) -> list[dict[str, Any]]:
    """The inverse of registry_from_rows: what to store for each place (parents first)."""
    out = []
    for i, pid in enumerate(registry.ids):
        ctx: dict[str, Any] = {c: (None if v[i] != v[i] else float(v[i])) for c, v in registry.context.items()}
        ctx[LEVEL_KEY] = registry.levels[i]
        p = registry.parent[i]
        out.append({"id": pid, "parent": registry.ids[p] if p >= 0 else None, "name": registry.names[i],
                    "kind": registry.kinds[i], "population": int(round(registry.population[i])), "context": ctx})
    return out
