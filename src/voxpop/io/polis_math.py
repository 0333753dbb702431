"""Pol.is's own math, read from an openData export: the math blob (math-pca2.json) and API-shaped data.

A live Pol.is conversation serves, through its API, every vote with its time (votes.json), the
statements (comments.json) and its math worker's output (math-pca2.json: in-conv, base-clusters,
group-clusters, lastVoteTimestamp, ...); red-dwarf's `Loader` saves those three files, and
`voxpop.io.polis_api` reads them. An openData export (comments.csv, votes.csv, participants-votes.csv)
holds the same truth about votes and about the groups Pol.is assigned, so

* `math_blob(export)` is the math blob that export implies, and
* `write_api_folder(export, out)` writes votes.json, comments.json and math-pca2.json in red-dwarf's shape,

which lets the fidelity tests and bench/fidelity.py read each shared conversation both ways. Fields an
export cannot know (base-cluster positions, the PCA) are left out or zero: one base cluster per grouped
participant, at (0, 0).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from voxpop import i18n
from voxpop.io.errors import InputError

_COLUMNS = {
    "votes.csv": ("voter-id", "comment-id", "vote", "timestamp"),
    "comments.csv": ("comment-id", "author-id", "comment-body", "timestamp", "moderated", "agrees", "disagrees"),
    "participants-votes.csv": ("participant", "group-id"),
}


def _read(export: Path, name: str) -> Any:
    import pandas as pd

    path = export / name
    if not path.is_file():
        raise InputError(path, i18n.lazy_gettext("not found"),
                         fix=i18n.lazy_gettext("give the folder of a Pol.is openData export (comments.csv, "
                                               "votes.csv, participants-votes.csv)"))
    try:
        frame = pd.read_csv(path, usecols=lambda c: c in _COLUMNS[name])
    except (ValueError, UnicodeDecodeError) as e:
        raise InputError(path, i18n.lazy_gettext("cannot be read as CSV (%(e)s)", e=e),
                         fix=i18n.lazy_gettext("check it is a Pol.is export file")) from None
    missing = [c for c in _COLUMNS[name] if c not in frame.columns]
    if missing:
        raise InputError(path, i18n.lazy_gettext("has no column %(missing)s", missing=', '.join(missing)),
                         fix=i18n.lazy_gettext("a Pol.is export's %(name)s has the columns %(names)s", name=name, names=', '.join(_COLUMNS[name])))
    return frame


def math_blob(export: str | Path) -> dict[str, Any]:
    """The math-pca2.json a Pol.is export implies: who Pol.is grouped (in-conv) and into which groups,
    moderated-out statements, vote counts per participant and the time of the last vote."""
    export = Path(export)
    return _blob(_read(export, "votes.csv"), _read(export, "comments.csv"), _read(export, "participants-votes.csv"))


def _blob(votes: Any, comments: Any, pv: Any) -> dict[str, Any]:
    grouped = pv.dropna(subset=["group-id"])
    pids = grouped["participant"].astype(int).tolist()
    groups = grouped["group-id"].astype(int).tolist()
    cells = votes.drop_duplicates(["voter-id", "comment-id"])
    tids = sorted(int(t) for t in cells["comment-id"].unique())
    return {
        "n": int(votes["voter-id"].nunique()),
        "n-cmts": len(tids),
        "tids": tids,
        "in-conv": pids,
        "mod-out": sorted(int(t) for t in comments.loc[comments["moderated"] == -1, "comment-id"]),
        "meta-tids": [],
        "lastVoteTimestamp": float(votes["timestamp"].max()) if len(votes) else 0.0,
        "user-vote-counts": {str(k): int(v) for k, v in cells.groupby("voter-id").size().items()},
        "base-clusters": {"id": list(range(len(pids))), "members": [[p] for p in pids],
                          "x": [0.0] * len(pids), "y": [0.0] * len(pids), "count": [1] * len(pids)},
        "group-clusters": [{"id": g, "members": [i for i, gg in enumerate(groups) if gg == g], "center": [0.0, 0.0]}
                           for g in sorted(set(groups))],
    }


def write_api_folder(export: str | Path, out: str | Path) -> Path:
    """Write votes.json, comments.json and math-pca2.json for `export` into `out` (created if needed), as
    red-dwarf's Loader saves a live conversation; `voxpop.io.read_conversation(out)` reads them. Returns out."""
    export, out = Path(export), Path(out)
    votes = _read(export, "votes.csv")
    comments = _read(export, "comments.csv")
    blob = _blob(votes, comments, _read(export, "participants-votes.csv"))
    conv_id = export.name
    out.mkdir(parents=True, exist_ok=True)
    (out / "votes.json").write_text(json.dumps([
        {"participant_id": int(p), "statement_id": int(s), "vote": int(v), "modified": float(t),
         "conversation_id": conv_id}
        for p, s, v, t in zip(votes["voter-id"], votes["comment-id"], votes["vote"], votes["timestamp"], strict=True)]))
    (out / "comments.json").write_text(json.dumps([
        {"statement_id": int(r["comment-id"]), "participant_id": int(r["author-id"]), "txt": str(r["comment-body"]),
         "created": float(r["timestamp"]), "moderated": int(r["moderated"]), "is_meta": False,
         "agree_count": int(r["agrees"]), "disagree_count": int(r["disagrees"]), "conversation_id": conv_id}
        for _, r in comments.iterrows()]))
    (out / "math-pca2.json").write_text(json.dumps(blob))
    return out
