"""The places section of the analysis document: weighted support, breakdowns, coverage, common ground.

`section(document, conv, registry, ...)` computes it (the analysis step voxpop.analysis.steps.places
calls it when places are given); `apply(...)` writes it into a document. The JSON shape is
docs/places.md. Pure arrays in, plain JSON values out; small cells are suppressed here.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from voxpop import i18n
from voxpop.conversation import Conversation
from voxpop.engine.matrix import VoteMatrix, from_vote_log
from voxpop.places import coverage as cov
from voxpop.places.common_ground import common_ground, weighted_consensus, weighted_gic
from voxpop.places.pooling import pool
from voxpop.places.registry import PlaceError, PlaceRegistry
from voxpop.places.shares import (
    LEVEL,
    VoteIndicators,
    atom_sums,
    cell_sums,
    unweighted_share,
    weighted_share,
    z_for,
)
from voxpop.places.suppression import Relation, place_relations, suppress
from voxpop.places.weighting import POLICIES, check_policy, compute_weights, policy_targets

COLUMNS = ["statement", "group", "dimension", "level", "cell", "n", "n_agree", "n_disagree", "n_pass",
           "agree", "agree_lo", "agree_hi", "disagree", "disagree_lo", "disagree_hi",
           "w_agree", "w_agree_lo", "w_agree_hi", "w_disagree", "w_disagree_lo", "w_disagree_hi",
           "pooled_agree", "pooled_agree_lo", "pooled_agree_hi"]
DIGITS = 4


def place_indices(conv: Conversation, registry: PlaceRegistry) -> np.ndarray:
    """Index of each participant's place (-1 = unknown); unknown place ids are an input error."""
    idx = registry.index
    out = np.full(len(conv.participant_ids), -1, dtype=np.int64)
    bad: list[str] = []
    for i, pid in enumerate(conv.participant_ids):
        place = conv.participant_place.get(pid)
        if place:
            j = idx.get(place)
            if j is None:
                bad.append(f"{pid} -> {place}")
            else:
                out[i] = j
    if bad:
        raise PlaceError(conv.source or "participants", i18n.lazy_gettext("%(n)s participants have places that are "
                                                                          "not in the registry (%(source)s), e.g. "
                                                                          "%(names)s", n=len(bad), source=registry.source, names=', '.join(bad[:3])),
                         fix=i18n.lazy_gettext("use the place ids of the places file, or leave the place "
                                               "empty"))
    return out


def _r(a: np.ndarray) -> list:
    """Rounded floats with None for nan, as a list."""
    a = np.round(np.asarray(a, dtype=float), DIGITS)
    if not np.isnan(a).any():
        return a.tolist()
    if np.isnan(a).all():
        return [None] * len(a)
    return [None if v != v else v for v in a.tolist()]


def _share_block(sh: tuple) -> dict:
    p, lo, hi = sh[:3]
    return {"share": p, "lo": lo, "hi": hi}


def _support(n, unw: dict, wtd: dict, n_w, kish, min_cell: int, policy: str, j: int) -> dict:
    def side(block, key, jj, suppressed):
        if suppressed:
            return {key: None, f"{key}_ci": None}
        p, lo, hi = block[key]["share"][jj], block[key]["lo"][jj], block[key]["hi"][jj]
        f = lambda x: None if x != x else round(float(x), DIGITS)  # noqa: E731
        return {key: f(p), f"{key}_ci": [f(lo), f(hi)]}

    su, sw = bool(n[j] < min_cell), bool(n_w[j] < min_cell)
    u = {"n": int(n[j])} | {k: v for key in ("agree", "disagree", "pass") for k, v in side(unw, key, j, su).items()}
    w = {"policy": policy, "n": None if sw and n_w[j] > 0 else int(n_w[j]),
         "n_effective": None if sw else round(float(kish[j]), 2)}
    w |= {k: v for key in ("agree", "disagree", "pass") for k, v in side(wtd, key, j, sw).items()}
    return {"policy": policy, "unweighted": u | {"suppressed": su}, "weighted": w | {"suppressed": sw}}


@dataclass
class PlacesSection:
    """document["places"], and per statement its "support", per participant its (coarsened) "place"."""

    places: dict[str, Any]
    support: list[dict[str, Any]]  # in document["statements"] order
    place: list[str | None]  # in document["participants"] order


def apply(document: dict, conv: Conversation, registry: PlaceRegistry, **kwargs: Any) -> None:
    """Fill document["places"], statements[*]["support"] and participants[*]["place"] (docs/places.md) in
    place, and meta.timings.places_s; keyword arguments as `section`."""
    t0 = time.perf_counter()
    out = section(document, conv, registry, **kwargs)
    document["places"] = out.places
    for st, support in zip(document.get("statements", []), out.support, strict=True):
        st["support"] = support
    for rec, place in zip(document.get("participants") or [], out.place, strict=True):
        rec["place"] = place
    timings = document.get("meta", {}).get("timings")
    if isinstance(timings, dict):
        timings["places_s"] = round(time.perf_counter() - t0, 4)


def section(document: Mapping[str, Any], conv: Conversation, registry: PlaceRegistry, *, policy: str = "population",
            min_cell: int = 5, margins: dict[str, dict[str, float]] | None = None,
            trim_cap: float | None = 5.0, level: float = LEVEL, matrix: VoteMatrix | None = None) -> PlacesSection:
    """The places section for a document that has its groups (docs/places.md); the document is only read.

    `matrix` is the conversation's VoteMatrix when the caller already has it (else it is rebuilt);
    `margins` are the organiser's extra raking targets, e.g. {"age_band": {"16-24": 0.12, ...}}, matched
    with conv.participant_strata; `trim_cap` trims weights at that multiple of the mean weight."""
    check_policy(policy)
    min_cell = max(int(min_cell), 1)
    n = len(conv.participant_ids)
    place_idx = place_indices(conv, registry)
    strata = {name: np.array([conv.participant_strata.get(pid, {}).get(name) for pid in conv.participant_ids],
                             dtype=object) for name in (margins or {})}
    W = compute_weights(registry, place_idx, policy=policy, strata=strata, margins=margins, trim_cap=trim_cap)
    w = W.w
    if matrix is None or matrix.n_rows != n or matrix.n_cols != len(conv.statement_ids):
        matrix = from_vote_log(conv.participant, conv.statement, conv.vote, conv.timestamp, n_participants=n,
                               n_statements=len(conv.statement_ids))
    m = matrix
    sids = conv.statement_ids
    # groups from the document (aligned with conv.participant_ids by construction)
    group_of = {p["id"]: p.get("group") for p in document.get("participants", [])}
    gl = np.array([g if g is not None else -1 for g in (group_of.get(pid) for pid in conv.participant_ids)],
                  dtype=np.int64)
    group_ids = [int(g["id"]) for g in document.get("groups", [])]
    n_places, leaf = len(registry), registry.is_leaf
    kinds = registry.kind_names
    kind_of_place = np.array([kinds.index(k) if k in kinds else -1 for k in registry.kinds], dtype=np.int64)
    known = place_idx >= 0
    n_cells = n_places + len(kinds) + 1
    n_blocks = 1 + len(group_ids)
    atom, atom_cells = _atoms(registry, place_idx, kind_of_place, gl, group_ids, n_cells)
    sums = atom_sums(atom, atom_cells, m.rows, m.cols, m.vals, len(sids), w)
    # z per cell: pointwise for leaf places, Sidak families for each non-leaf level and for kinds
    level_sizes = {lv: sum(1 for i in range(n_places) if registry.levels[i] == lv) for lv in registry.level_names}
    z_cell = np.array([z_for(level) if leaf[i] else z_for(level, level_sizes[registry.levels[i]])
                       for i in range(n_places)] + [z_for(level, len(kinds))] * len(kinds) + [z_for(level)])
    z_all = np.tile(z_cell, n_blocks)[:, None]
    unw = {k: _share_block(unweighted_share(sums, k, z_all)) for k in ("agree", "disagree", "pass")}
    wtd_cells = {k: weighted_share(sums, k, z_all) for k in ("agree", "disagree")}
    # national (per block) weighted estimates: strata = top-level places of that block
    tops = np.flatnonzero(registry.parent < 0)
    srows = np.repeat(np.arange(n_blocks), len(tops))
    scols = (np.arange(n_blocks)[:, None] * n_cells + tops[None, :]).ravel()
    strata_m = sp.csr_matrix((np.ones(len(srows)), (srows, scols)), shape=(n_blocks, n_blocks * n_cells))
    z0 = z_for(level)
    nat = {k: weighted_share(sums, k, z0, strata=strata_m) for k in ("agree", "disagree", "pass")}
    n_w = np.asarray(strata_m @ sums.n)
    # support per statement (block 0 = everyone; its last cell = all participants)
    every = n_cells - 1
    unw0 = {k: {q: v[every] for q, v in unw[k].items()} for k in unw}
    wtd0 = {k: _share_block(nat[k]) | {} for k in nat}
    wtd0 = {k: {q: v[0] for q, v in wtd0[k].items()} for k in wtd0}
    col_of = {sid: j for j, sid in enumerate(sids)}
    support = [_support(sums.n[every], unw0, wtd0, n_w[0], nat["agree"][3][0], min_cell, policy, col_of[st["id"]])
               for st in document.get("statements", [])]
    # partial pooling (everyone; participants placed exactly at each place)
    pr = place_idx[m.rows]
    okv = pr >= 0
    pkey = pr[okv] * len(sids) + m.cols[okv]
    own_s = np.bincount(pkey, minlength=n_places * len(sids)).reshape(n_places, len(sids)).astype(float)
    own_a = np.bincount(pkey[m.vals[okv] == 1], minlength=n_places * len(sids)).reshape(n_places, -1)
    own_a = own_a.astype(float)
    pooled = pool(registry, own_a, own_s, level=level, z_parent=z_cell[:n_places])
    own_counts = np.bincount(place_idx[known], minlength=n_places)
    sub_counts = cov.subtree_counts(registry, own_counts)
    visible = _breakdown_visibility(sums.n, n_w, registry, n_blocks, n_cells, min_cell)
    rows_out, suppressed = _breakdown_rows(sums, unw, wtd_cells, pooled, sub_counts, registry, kinds,
                                           group_ids, sids, min_cell, visible)
    cg = common_ground(rows_out, registry, min_cell)
    group_sizes = _group_sizes(document, gl, group_ids, w, registry, place_idx, z0, min_cell)
    place_visible, _ = cov.visible_counts(registry, own_counts, min_cell)
    targets = policy_targets(registry, policy)
    places_doc = {
        "policy": policy, "policy_label": POLICIES[policy], "min_cell": min_cell,
        "interval": {"level": level, "unweighted": "wilson",
                     "weighted": "wilson on effective n, linearised variance, strata = top-level places",
                     "simultaneous": "sidak within each family of non-leaf or kind cells; leaf places pointwise"},
        "levels": registry.level_names, "kinds": kinds, "context_columns": sorted(registry.context),
        "places": cov.place_records(registry, own_counts, targets, min_cell),
        "weights": W.summary(registry),
        "groups": group_sizes,
        "consensus": weighted_consensus(nat, n_w, group_ids, sids, min_cell),
        "group_informed_consensus": weighted_gic(nat, n_w, group_ids, sids, min_cell),
        "breakdowns": {"columns": COLUMNS, "rows": rows_out, "suppressed": suppressed},
        "coverage": cov.coverage(registry, own_counts, min_cell),
        "common_ground": cg,
    }
    return PlacesSection(places_doc, support, _coarsened_places(document, conv, registry, place_idx, place_visible))


def _atoms(registry, place_idx, kind_of_place, gl, group_ids, n_cells):
    """Each participant's atom (place or none x group or none) and the atoms x (blocks x cells) matrix.
    Cells of a block: every place (a participant counts in their place and all its ancestors), every
    kind, and everyone; block 0 is everyone, block k the k-th group."""
    n_places = len(registry)
    gpos = {g: k for k, g in enumerate(group_ids)}
    gidx = np.array([gpos.get(int(g), -1) for g in gl.tolist()], dtype=np.int64) if len(gl) else gl
    n_g = len(group_ids) + 1
    atom = (place_idx + 1) * n_g + (gidx + 1)
    n_atoms = (n_places + 1) * n_g
    anc = registry.ancestry
    kind_base = n_places
    every = n_cells - 1
    r, c = [], []
    for a in range(n_atoms):
        p, g = a // n_g - 1, a % n_g - 1
        cells = [every]
        if p >= 0:
            cells += anc.indices[anc.indptr[p]:anc.indptr[p + 1]].tolist()
            if kind_of_place[p] >= 0:
                cells.append(kind_base + int(kind_of_place[p]))
        blocks = [0] if g < 0 else [0, g + 1]
        for b in blocks:
            r += [a] * len(cells)
            c += [b * n_cells + x for x in cells]
    mat = sp.csr_matrix((np.ones(len(r)), (r, c)), shape=(n_atoms, n_g * n_cells))
    return atom, mat


def _breakdown_visibility(n, n_w, registry, n_blocks: int, n_cells: int, min_cell: int) -> np.ndarray:
    """Which breakdown cells (blocks*cells x statements) may be shown, with complementary suppression
    (places.suppression) over the place tree, the kinds, and the groups within each cell. Extra cells
    after the table: the placed voters of each block (statements[*].support.weighted.n for everyone)."""
    n = np.asarray(n, dtype=float)
    n_places, n_kinds = len(registry), n_cells - len(registry) - 1
    placed0 = n_blocks * n_cells
    values = np.vstack([n, np.asarray(n_w, dtype=float)])
    rels: list = []
    for b in range(n_blocks):
        off = b * n_cells
        every, placed = off + n_cells - 1, placed0 + b
        rels += place_relations(registry, offset=off, everyone=placed,
                                kind_cells=range(off + n_places, off + n_places + n_kinds))
        rels.append(Relation(every, np.array([placed])))
    if n_blocks > 1:
        rels += [Relation(c, c + n_cells * np.arange(1, n_blocks)) for c in range(n_cells)]
        rels.append(Relation(placed0, placed0 + np.arange(1, n_blocks)))
    fixed = np.zeros(values.shape[0], dtype=bool)
    fixed[n_cells - 1:placed0:n_cells] = True  # overall and per-group vote counts are public elsewhere
    fixed[placed0] = bool((values[placed0] >= min_cell).all())  # support.weighted.n, when shown
    return suppress(values, rels, min_cell, fixed=fixed)[:placed0]


def _breakdown_rows(sums, unw, wtd, pooled, sub_counts, registry, kinds, group_ids, sids, min_cell, visible):
    n_places = len(registry)
    n_cells = n_places + len(kinds) + 1
    cell_dim = ["place"] * n_places + ["kind"] * len(kinds) + [None]
    cell_level = list(registry.levels) + [None] * len(kinds) + [None]
    cell_id = list(registry.ids) + list(kinds) + [None]
    keep = (sums.n >= min_cell) & visible  # (blocks*cells) x statements
    keep[n_cells - 1::n_cells] = False  # the "everyone" column is statements[*].support, not a breakdown
    everyone = np.zeros(keep.shape[0], dtype=bool)
    everyone[n_cells - 1::n_cells] = True
    suppressed = int(((sums.n > 0) & ~keep & ~everyone[:, None]).sum())
    rr, jj = np.nonzero(keep)
    order = np.lexsort((rr, jj))  # statement-major, then block, then cell
    rr, jj = rr[order], jj[order]
    blk, cell = rr // n_cells, rr % n_cells
    pool_ok = (blk == 0) & (cell < n_places)
    pm = np.where(pool_ok, pooled.mean[np.minimum(cell, n_places - 1), jj], np.nan)
    plo = np.where(pool_ok, pooled.lo[np.minimum(cell, n_places - 1), jj], np.nan)
    phi = np.where(pool_ok, pooled.hi[np.minimum(cell, n_places - 1), jj], np.nan)
    cols = [
        [sids[j] for j in jj.tolist()],
        [None if b == 0 else group_ids[b - 1] for b in blk.tolist()],
        [cell_dim[c] for c in cell.tolist()], [cell_level[c] for c in cell.tolist()],
        [cell_id[c] for c in cell.tolist()],
        sums.n[rr, jj].astype(int).tolist(), sums.n_agree[rr, jj].astype(int).tolist(),
        sums.n_disagree[rr, jj].astype(int).tolist(), sums.n_pass[rr, jj].astype(int).tolist(),
    ]
    for key in ("agree", "disagree"):
        cols += [_r(unw[key][q][rr, jj]) for q in ("share", "lo", "hi")]
    for key in ("agree", "disagree"):
        cols += [_r(wtd[key][q][rr, jj]) for q in range(3)]
    cols += [_r(pm), _r(plo), _r(phi)]
    return list(map(list, zip(*cols, strict=True))), suppressed


def _group_sizes(document, gl, group_ids, w, registry, place_idx, z0, min_cell):
    if not group_ids:
        return []
    n = len(gl)
    in_any = gl >= 0
    g_agree = sp.csr_matrix(np.stack([(gl == g) for g in group_ids], axis=1).astype(float))
    seen = sp.csr_matrix(np.repeat(in_any[:, None].astype(float), len(group_ids), axis=1))
    ind = VoteIndicators(agree=g_agree, disagree=sp.csr_matrix(g_agree.shape), seen=seen)
    tops = np.flatnonzero(registry.parent < 0)
    known = place_idx >= 0
    top_of = np.where(known, registry.top[np.maximum(place_idx, 0)], -1)
    pos = np.searchsorted(tops, top_of)
    rows = np.flatnonzero(known)
    mem = sp.csr_matrix((np.ones(len(rows)), (rows, pos[known])), shape=(n, len(tops)))
    s = cell_sums(mem, ind, w)
    strata = sp.csr_matrix(np.ones((1, len(tops))))
    p, lo, hi, _ = weighted_share(s, "agree", z0, strata=strata)
    sizes = {g["id"]: g.get("size", 0) for g in document.get("groups", [])}
    total = max(int(in_any.sum()), 1)
    out = []
    for k, g in enumerate(group_ids):
        size = int(sizes.get(g, (gl == g).sum()))
        small = size < min_cell
        # weighted shares rest on the group's placed members only: none from a tiny placed sample
        few_placed = small or int(((gl == g) & known).sum()) < min_cell
        out.append({"id": g, "size": None if small else size,
                    "share": None if small else round(size / total, DIGITS),
                    "weighted_share": None if few_placed else _r([p[0, k]])[0],
                    "weighted_share_ci": None if few_placed else _r([lo[0, k], hi[0, k]])})
    return out


def _coarsened_places(document, conv, registry, place_idx, visible) -> list[str | None]:
    """participants[*].place: the place if its count is published, else its nearest ancestor whose count
    is (so the people listed at a place are 0 or at least min_cell beyond those its shown sub-places
    account for: places.suppression)."""
    parts = document.get("participants") or []
    if not parts:
        return []
    shown = []  # each place -> itself or its nearest ancestor with a published count
    for i in range(len(registry)):
        j = i
        while j >= 0 and not visible[j]:
            j = int(registry.parent[j])
        shown.append(registry.ids[j] if j >= 0 else None)
    row_of = {pid: i for i, pid in enumerate(conv.participant_ids)}
    idx = place_idx.tolist()
    out: list[str | None] = []
    for rec in parts:
        row = row_of.get(rec.get("id"))
        out.append(shown[idx[row]] if row is not None and idx[row] >= 0 else None)
    return out
