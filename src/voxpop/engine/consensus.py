"""Pol.is consensus (over all participants) and group-informed consensus (polis-math.md §7)."""

from __future__ import annotations

import numpy as np

from voxpop.engine.matrix import VoteMatrix
from voxpop.engine.stats import Z_90, check_col_mask, prop_test, smoothed_share, vote_counts


def consensus(m: VoteMatrix, mod_out: np.ndarray | None = None, top: int = 5) -> dict[str, list[dict]]:
    """Pol.is `select-consensus-comments` over ALL participants (not only grouped ones).

    A statement is agree-consensus when pa = (na+1)/(ns+2) > 0.5 and its one-proportion test
    pat > 1.2816; the list is sorted by pa·pat (ties keep column order) and cut to `top`. Likewise for
    disagree with pd, pdt. Moderated-out statements are skipped. Entries: col, n_success, n_trials, p, p_test.
    """
    if int(top) != top or top < 0:
        raise ValueError(f"top must be a non-negative integer, got {top!r}")
    mod = check_col_mask(m, mod_out, "mod_out")
    counts = vote_counts(m, np.full(m.n_rows, -1, dtype=np.int64), 0)
    ns = counts["n_seen"]
    out: dict[str, list[dict]] = {}
    for side, n_success in (("agree", counts["n_agree"]), ("disagree", counts["n_disagree"])):
        p = smoothed_share(n_success, ns)
        p_test = prop_test(n_success, ns)
        ok = np.flatnonzero((p > 0.5) & (p_test > Z_90) & ~mod)
        order = ok[np.argsort(-(p[ok] * p_test[ok]), kind="stable")][: int(top)]
        out[side] = [
            {
                "col": int(c),
                "n_success": int(n_success[c]),
                "n_trials": int(ns[c]),
                "p": float(p[c]),
                "p_test": float(p_test[c]),
            }
            for c in order
        ]
    return out


def group_informed_consensus(
    m: VoteMatrix, labels: np.ndarray, k: int, *, counts: dict | None = None
) -> np.ndarray:
    """Pol.is group-aware consensus: Π over groups of (A_g + 1) / (S_g + 2), grouped participants only.

    S counts every vote on the statement (passes included). Groups with no members are skipped (they
    would contribute a constant 1/2 to every statement). Moderated-out statements are included, as in
    Pol.is; filter them when ranking. `counts` may pass an already computed `vote_counts(m, labels, k)`.
    """
    by = (counts if counts is not None else vote_counts(m, labels, k))["by_group"]
    lab = np.asarray(labels)
    present = np.bincount(lab[lab >= 0], minlength=int(k)) > 0
    shares = smoothed_share(by["n_agree"][present], by["n_seen"][present])
    return np.prod(shares, axis=0) if shares.shape[0] else np.ones(m.n_cols)
