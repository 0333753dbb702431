"""Test data in the shape of red-dwarf's Pol.is fixtures, written from a shared Pol.is export.

red-dwarf keeps, per live conversation, what the Pol.is API served: votes.json (every vote with its
time), comments.json and math-pca2.json (Pol.is's own math output: in-conv, base-clusters,
group-clusters, lastVoteTimestamp, ...). We do not have those conversations; the shared openData
exports hold the same kind of truth (every vote with its time, and the groups Pol.is assigned), so this
writes them in that shape. Fields an export cannot know (base-cluster positions, PCA) are left out or
zero: base clusters are one per grouped participant, at (0, 0).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd


def write_math_fixture(export: Path, out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    votes = pd.read_csv(export / "votes.csv")
    comments = pd.read_csv(export / "comments.csv")
    pv = pd.read_csv(export / "participants-votes.csv", usecols=["participant", "group-id"])
    conv_id = export.name
    (out / "votes.json").write_text(json.dumps([
        {"participant_id": int(r.voter_id), "statement_id": int(r.comment_id), "vote": int(r.vote),
         "modified": float(r.timestamp), "conversation_id": conv_id}
        for r in votes.rename(columns={"voter-id": "voter_id", "comment-id": "comment_id"}).itertuples()]))
    (out / "comments.json").write_text(json.dumps([
        {"statement_id": int(r["comment-id"]), "participant_id": int(r["author-id"]), "txt": str(r["comment-body"]),
         "created": float(r["timestamp"]), "moderated": int(r["moderated"]), "is_meta": False,
         "agree_count": int(r["agrees"]), "disagree_count": int(r["disagrees"]), "conversation_id": conv_id}
        for _, r in comments.iterrows()]))
    grouped = pv.dropna(subset=["group-id"])
    pids = grouped["participant"].astype(int).tolist()
    groups = grouped["group-id"].astype(int).tolist()
    cells = votes.drop_duplicates(["voter-id", "comment-id"])
    tids = sorted(int(t) for t in cells["comment-id"].unique())
    math = {
        "n": int(votes["voter-id"].nunique()),
        "n-cmts": len(tids),
        "tids": tids,
        "in-conv": pids,
        "mod-out": sorted(int(t) for t in comments.loc[comments["moderated"] == -1, "comment-id"]),
        "meta-tids": [],
        "lastVoteTimestamp": float(votes["timestamp"].max()),
        "user-vote-counts": {str(k): int(v) for k, v in cells.groupby("voter-id").size().items()},
        "base-clusters": {"id": list(range(len(pids))), "members": [[p] for p in pids],
                          "x": [0.0] * len(pids), "y": [0.0] * len(pids), "count": [1] * len(pids)},
        "group-clusters": [{"id": g, "members": [i for i, gg in enumerate(groups) if gg == g], "center": [0.0, 0.0]}
                           for g in sorted(set(groups))],
    }
    (out / "math-pca2.json").write_text(json.dumps(math))
    return out
