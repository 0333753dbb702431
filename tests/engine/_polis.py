"""A small private reader for Pol.is openData exports, for the engine's fidelity tests only.

participants-votes.csv holds the final vote matrix in Pol.is's cold-start row order (first appearance in
(tid, pid)-sorted votes) with +1 = agree; comments.csv `moderated == -1` marks moderated-out statements.
The real importer lives in voxpop.io; this one must not depend on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from voxpop.engine.matrix import VoteMatrix

# Conversations held in 2019 or later, where a cold start is the parity target (polis-math.md §11.2).
RECENT = ("austria-climate.5twd2jsnkf", "ssis.land-bank-farmland", "london.youth.policing")
# ... of which a cold start reproduces Pol.is's k (london's k comes from smoother history, §11.2).
SAME_K = ("austria-climate.5twd2jsnkf", "ssis.land-bank-farmland")


@dataclass
class PolisExport:
    name: str
    matrix: VoteMatrix
    mod_out: np.ndarray  # bool per column
    group: np.ndarray  # Pol.is group-id per row, -1 = not grouped
    tids: np.ndarray

    @property
    def recent(self) -> bool:
        return self.name.startswith(RECENT)

    @property
    def polis_k(self) -> int:
        return len(np.unique(self.group[self.group >= 0]))


def load_export(folder: Path) -> PolisExport:
    pv = pd.read_csv(folder / "participants-votes.csv")
    tid_cols = [c for c in pv.columns if c.isdigit()]
    dense = pv[tid_cols].to_numpy(dtype=np.float64)
    rows, cols = np.nonzero(~np.isnan(dense))
    vals = dense[rows, cols].astype(np.int8)
    m = VoteMatrix(rows.astype(np.int32), cols.astype(np.int32), vals, dense.shape[0], dense.shape[1])
    comments = pd.read_csv(folder / "comments.csv")
    out_ids = set(comments.loc[comments["moderated"] == -1, "comment-id"].astype(int))
    tids = np.array([int(c) for c in tid_cols])
    mod_out = np.isin(tids, list(out_ids))
    group = pv["group-id"].fillna(-1).to_numpy().astype(np.int64)
    return PolisExport(folder.name, m, mod_out, group, tids)
