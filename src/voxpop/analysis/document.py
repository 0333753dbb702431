"""The analysis document (docs/analysis-schema.md): built here and only here; its types, and the check
against them, are voxpop.analysis.schema.

Plain JSON types only: no numpy scalars, no NaN (null instead); keys are never dropped.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import PurePath
from typing import Any

import numpy as np

from voxpop.analysis import schema
from voxpop.analysis.schema import SCHEMA, SCHEMA_VERSION, AnalysisDocument
from voxpop.analysis.schema import DocumentError as DocumentError  # re-exported: raised by validate_document

TOP_N = 20  # length of the ranked lists (group_informed_consensus, bridging, divisive)
TIMING_KEYS = ("load_s", "matrix_s", "pca_s", "cluster_s", "stats_s", "bridging_s", "places_s", "total_s")


def floats(a: Any, digits: int = 6) -> list:
    """A float array as a JSON list: rounded, NaN/inf -> None."""
    arr = np.round(np.asarray(a, dtype=np.float64), digits)
    out = arr.tolist()
    if not np.isfinite(arr).all():
        out = _nan_to_none(out)
    return out


def _nan_to_none(x: Any) -> Any:
    if isinstance(x, list):
        return [_nan_to_none(v) for v in x]
    return None if isinstance(x, float) and not np.isfinite(x) else x


def num(x: Any, digits: int = 6) -> float | None:
    if x is None:
        return None
    v = float(x)
    return round(v, digits) if np.isfinite(v) else None


def _source_name(source: str) -> str:
    """A short stable id from where the conversation came from: the export folder or file name."""
    name = PurePath(source).name if source else ""
    return PurePath(name).stem if name.endswith(".csv") else name


def _meta(conv, counts: dict, *, status: str, message: str | None, options: dict, k: int | None,
          k_range: list[int] | None, timings: dict, silhouette: dict | None) -> dict:
    from voxpop import __version__

    return {
        "schema": SCHEMA, "schema_version": SCHEMA_VERSION,
        "generated_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "voxpop_version": __version__,
        "conversation": {"id": str(getattr(conv, "id", None) or _source_name(conv.source) or conv.title
                                   or "conversation"),
                         "title": conv.title, "source": conv.source},
        "counts": counts,
        "k": k, "k_range": k_range, "seed": options.get("seed"),
        "status": status, "message": message,
        "options": options,
        "timings": {key: num(timings.get(key, 0.0), 4) for key in TIMING_KEYS}
        | {key: num(v, 4) for key, v in timings.items() if key not in TIMING_KEYS},
        "silhouette": {str(kk): num(v) for kk, v in (silhouette or {}).items()},
    }


def _counts(conv, m, in_conv: np.ndarray | None, excluded: np.ndarray) -> dict:
    ids = set(conv.statement_ids)
    return {
        "participants": len(conv.participant_ids), "statements": len(conv.statement_ids),
        "votes": int(m.n_votes), "votes_in_log": int(conv.n_votes),
        "participants_in_conversation": int(in_conv.sum()) if in_conv is not None else 0,
        "statements_moderated_out": len(conv.moderated_out & ids), "statements_meta": len(conv.meta & ids),
        "statements_with_votes": int((np.bincount(m.cols, minlength=m.n_cols) > 0).sum()),
    }


def _participants(conv, votes: np.ndarray, labels=None, proj=None, in_conv=None) -> list[dict]:
    n = len(conv.participant_ids)
    groups = labels.tolist() if labels is not None else [None] * n
    groups = [g if g is None or g >= 0 else None for g in groups]
    xs = floats(proj[:, 0], 5) if proj is not None else [None] * n
    ys = floats(proj[:, 1], 5) if proj is not None else [None] * n
    inc = in_conv.tolist() if in_conv is not None else [False] * n
    ref = conv.reference_groups
    # "place" stays null here: voxpop.places fills it, coarsened so that no small place is revealed
    return [
        {"id": pid, "group": g, "x": x, "y": y, "votes": v, "in_conversation": i,
         "place": None, "reference_group": ref.get(pid)}
        for pid, g, x, y, v, i in zip(conv.participant_ids, groups, xs, ys, votes.tolist(), inc, strict=True)
    ]


def _statement_counts(m) -> dict[str, np.ndarray]:
    n = m.n_cols
    # one count of (column, vote) pairs: key = 3 * column + vote + 1
    key = m.vals.astype(np.int64 if 3 * n >= np.iinfo(np.int32).max else np.int32)
    key += 1
    key += m.cols * key.dtype.type(3)
    tally = np.bincount(key, minlength=3 * n).reshape(n, 3) if len(key) else np.zeros((n, 3), dtype=np.int64)
    out = {"n_agree": tally[:, 2].copy(), "n_disagree": tally[:, 0].copy(), "n_seen": tally.sum(axis=1)}
    out["n_pass"] = out["n_seen"] - out["n_agree"] - out["n_disagree"]
    return out


def _statements(conv, counts: dict, by_group: dict | None, k: int, per: dict[str, Any]) -> list[dict]:
    sids = conv.statement_ids
    lists = {key: counts[key].tolist() for key in ("n_agree", "n_disagree", "n_pass", "n_seen")}
    bg = None
    if by_group is not None:
        bg = {key: np.asarray(by_group[key]).tolist() for key in ("n_agree", "n_disagree", "n_seen")}
    cons = per.get("consensus", {})
    out = []
    for j, sid in enumerate(sids):
        seen = lists["n_seen"][j]
        row = {
            "id": sid, "text": conv.statement_text.get(sid, ""),
            "moderated_out": sid in conv.moderated_out, "meta": sid in conv.meta,
            "n_agree": lists["n_agree"][j], "n_disagree": lists["n_disagree"][j],
            "n_pass": lists["n_pass"][j], "n_seen": seen,
            "by_group": [] if bg is None else [
                {"group": g, "n_agree": bg["n_agree"][g][j], "n_disagree": bg["n_disagree"][g][j],
                 "n_pass": bg["n_seen"][g][j] - bg["n_agree"][g][j] - bg["n_disagree"][g][j],
                 "n_seen": bg["n_seen"][g][j]} for g in range(k)],
            "consensus": cons.get(j),
        }
        for key in ("group_informed_consensus", "bridging", "bridging_factor", "divisiveness", "extremity",
                    "x", "y"):
            values = per.get(key)
            row[key] = values[j] if values is not None and seen > 0 else None
        row["support"] = None
        out.append(row)
    return out


def skeleton(conv, m, *, options: dict, timings: dict) -> dict:
    """The document of a conversation before the analysis steps (voxpop.analysis.steps) fill it: the
    vote counts, and every other key with its empty value (status "ok")."""
    counts = _statement_counts(m)
    excluded = np.array([s in conv.moderated_out or s in conv.meta for s in conv.statement_ids], dtype=bool)
    votes = np.bincount(m.rows, minlength=m.n_rows)
    return {
        "meta": _meta(conv, _counts(conv, m, None, excluded), status="ok", message=None, options=options, k=None,
                      k_range=None, timings=timings, silhouette=None),
        "participants": _participants(conv, votes),
        "groups": [],
        "statements": _statements(conv, counts, None, 0, {}),
        "consensus": {"agree": [], "disagree": []},
        "group_informed_consensus": [], "bridging": [], "divisive": [],
        "places": None,
        "themes": None,
        "common_ground": [], "splits": [],
    }


def too_few_votes(conv, m, message: str, *, options: dict, timings: dict) -> dict:
    """The document when there is not enough to analyse: counts, no groups, no map."""
    counts = _statement_counts(m)
    excluded = np.zeros(len(conv.statement_ids), dtype=bool)
    votes = np.bincount(m.rows, minlength=m.n_rows)
    return {
        "meta": _meta(conv, _counts(conv, m, None, excluded), status="too_few_votes", message=message,
                      options=options, k=None, k_range=None, timings=timings, silhouette=None),
        "participants": _participants(conv, votes),
        "groups": [],
        "statements": _statements(conv, counts, None, 0, {}),
        "consensus": {"agree": [], "disagree": []},
        "group_informed_consensus": [], "bridging": [], "divisive": [],
        "common_ground": [], "splits": [],
        "places": None, "themes": None,
    }


# ---- validation: the types in voxpop.analysis.schema -----------------------------------------------

def validate_document(doc: Any, *, sample: int = 1000, strict_json: bool = True) -> AnalysisDocument:
    """Raise DocumentError unless `doc` follows the types of voxpop.analysis.schema (every required key
    with the right type) and is strict JSON (no NaN); returns it, typed. Long lists are checked on their
    first and last `sample` items."""
    return schema.validate(doc, sample=sample, strict_json=strict_json)
