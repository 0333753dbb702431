"""2-D PCA of the vote matrix, Pol.is style, without ever densifying it (docs/polis-math.md §2, §3, §11.4).

Conventions (export sign: +1 agree, -1 disagree, 0 pass):

* The "rating matrix" is the vote matrix with every moderated-out column set to 0 for *every* participant.
  Those cells count as voted (in the projection scale) but are constant, so they carry no variance.
* Missing cells are imputed with the column mean of the observed values (passes count as 0 in the mean),
  then the matrix is centred by the same means. A missing cell is therefore exactly 0 after centring, and
  the centred matrix has the sparsity pattern of the observed cells: X_c = S ∘ (X0 - 1 cᵀ) with S the
  "seen" mask. This is the §11.4 identity X_c v = X0 v - S (c∘v) folded into one sparse matrix that
  reuses the index arrays of `VoteMatrix.cells` (one sparse product per step instead of two).
* The two principal axes are the top-2 eigenvectors of X_cᵀX_c: dense and exact for up to 400 voted
  statements, else Lanczos (ARPACK) on the product operator, converged to 1e-10 and deterministic for a
  seed — instead of Pol.is's unseeded 101-step power iteration.
* Sign convention: each axis is flipped so that its largest-magnitude loading is positive (ties → the
  first such statement), like scikit-learn's `svd_flip(u_based_decision=False)`. Pol.is has none.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg as sla
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from .matrix import VoteMatrix

_BLOCK = 1 << 22  # entries per block in the passes over all votes


@dataclass(frozen=True)
class PCAResult:
    center: np.ndarray  # float[n_cols], column means of the rating matrix (0 on moderated-out columns)
    comps: np.ndarray  # float[n_comps, n_cols], orthonormal rows
    explained_variance: np.ndarray  # float[n_comps], sigma² / (n_rows - 1)
    explained_variance_ratio: np.ndarray  # float[n_comps], share of the total variance of X_c
    iterations: int  # XᵀX products used (1 for the dense path)


def column_means(m: VoteMatrix, mod_out: np.ndarray) -> np.ndarray:
    """Mean of the observed votes per column (passes are 0); 0 for moderated-out or never-seen columns."""
    cells = m.cells
    n_seen = np.bincount(cells.indices, minlength=m.n_cols).astype(np.float64)
    total = np.bincount(cells.indices, weights=cells.data, minlength=m.n_cols)
    center = np.divide(total, n_seen, out=np.zeros(m.n_cols), where=n_seen > 0)
    center[mod_out] = 0.0
    return center


def centred_matrix(m: VoteMatrix, center: np.ndarray, mod_out: np.ndarray) -> sp.csr_matrix:
    """X_c on the observed cells (moderated-out columns all-zero), sharing `m.cells`' index arrays."""
    cells = m.cells
    cols, x = cells.indices, cells.data
    data = np.empty_like(x)
    drop = mod_out if mod_out.any() else None
    for s in range(0, len(x), _BLOCK):  # block by block: small temporaries, one pass
        c = cols[s : s + _BLOCK]
        out = data[s : s + _BLOCK]
        np.subtract(x[s : s + _BLOCK], np.take(center, c), out=out)
        if drop is not None:
            out[np.take(drop, c)] = 0.0  # moderated-out cells are 0 for everyone
    return sp.csr_matrix((data, cols, cells.indptr), shape=cells.shape)


def _orient(comps: np.ndarray) -> np.ndarray:
    """Flip each row so its largest-|loading| entry is positive (first one on ties)."""
    if comps.size == 0:
        return comps
    idx = np.argmax(np.abs(comps), axis=1)
    signs = np.sign(comps[np.arange(len(comps)), idx])
    signs[signs == 0] = 1.0
    return comps * signs[:, None]


def _live_columns(xc: sp.csr_matrix) -> np.ndarray:
    """Per column: does it hold a non-zero entry?"""
    counts = np.zeros(xc.shape[1], dtype=np.int64)
    for s in range(0, len(xc.data), _BLOCK):
        c = xc.indices[s : s + _BLOCK]
        counts += np.bincount(c[xc.data[s : s + _BLOCK] != 0], minlength=xc.shape[1])
    return counts


def top_axes(
    xc: sp.csr_matrix, n_comps: int = 2, *, seed: int = 0, tol: float = 1e-10, dense_below: int = 400,
    start: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, int]:
    """Top right singular vectors (rows) and squared singular values of a sparse matrix, and the number
    of XᵀX products used.

    Only the columns that carry data take part, so all-zero columns (unvoted or moderated-out statements)
    change nothing, not even rounding. Up to `dense_below` such columns (and a cheap XᵀX): exact dense
    eigendecomposition of XᵀX. Otherwise: Lanczos (ARPACK `eigsh`) on the operator v ↦ Xᵀ(Xv), never forming XᵀX, started from a
    seeded Gaussian vector, converged to `tol`; the result does not depend on the seed beyond that.
    With `start` (the previous axes, a warm start) the Lanczos path is replaced by a block subspace
    iteration from them (`_warm_axes`): a few products instead of dozens when the axes moved little; it
    falls back to Lanczos if it does not converge.
    """
    xc = sp.csr_matrix(xc)
    n_cols = xc.shape[1]
    live = np.flatnonzero(_live_columns(xc))
    n_comps = min(n_comps, xc.shape[0], len(live))
    if n_comps == 0:
        return np.zeros((0, n_cols)), np.zeros(0), 0
    comps = np.zeros((n_comps, n_cols))
    per_row = np.diff(xc.indptr).astype(np.float64)
    if len(live) <= dense_below and float(per_row @ per_row) <= 5e7:  # cost of forming XᵀX
        sub = xc[:, live]
        if sub.shape[0] * sub.shape[1] <= 4_000_000:  # sparse × dense is 3-6x faster than sparse × sparse
            gram = np.asarray(sub.T @ sub.toarray())
        else:
            gram = (sub.T @ sub).toarray()
        n = len(live)  # only the top n_comps eigenpairs (LAPACK syevr): 3x faster than a full eigh
        lam, vecs = sla.eigh(gram, subset_by_index=[n - n_comps, n - 1], driver="evr", check_finite=False)
        lam, vecs = lam[::-1], vecs[:, ::-1]
        comps[:, live] = vecs.T
        return comps, np.maximum(lam, 0.0), 1
    xt = xc.T  # CSC view, no copy: its product scatters into a small n_cols output
    if start is not None and len(start) >= n_comps:
        warm = _warm_axes(xc, xt, live, n_comps, start, seed)
        if warm is not None:
            return warm
    calls = 0

    def gram_times(v: np.ndarray) -> np.ndarray:
        nonlocal calls
        calls += 1
        return xt @ (xc @ v.ravel())

    v0 = np.zeros(n_cols)
    v0[live] = np.random.default_rng(seed).standard_normal(len(live))
    op = spla.LinearOperator((n_cols, n_cols), matvec=gram_times, dtype=np.float64)
    lam, vecs = spla.eigsh(op, k=n_comps, which="LA", v0=v0, tol=tol)
    order = np.argsort(lam)[::-1]
    return vecs[:, order].T.copy(), np.maximum(lam[order], 0.0), calls


def fit_pca(
    m: VoteMatrix,
    mod_out: np.ndarray,
    *,
    n_comps: int = 2,
    seed: int = 0,
    center: np.ndarray | None = None,
    xc: sp.csr_matrix | None = None,
    start: np.ndarray | None = None,
) -> PCAResult:
    """PCA of the mean-imputed, centred rating matrix (all participants, as Pol.is does).

    `center` and `xc` may be passed when the caller already has them (column_means / centred_matrix).
    `start`: the axes of the previous analysis of the same conversation (rows; fewer columns if statements
    were added since): a warm start (`top_axes`).
    """
    if center is None:
        center = column_means(m, mod_out)
    if xc is None:
        xc = centred_matrix(m, center, mod_out)
    comps, sig2, iters = top_axes(xc, n_comps, seed=seed, start=start)
    comps = _orient(comps)
    # zero-variance axes (e.g. everybody voted the same) carry no direction
    comps[sig2 <= 1e-12 * max(sig2.max(initial=0.0), 1.0)] = 0.0
    if len(comps) < n_comps:
        comps = np.vstack([comps, np.zeros((n_comps - len(comps), m.n_cols))])
        sig2 = np.concatenate([sig2, np.zeros(n_comps - len(sig2))])
    dof = max(m.n_rows - 1, 1)
    total = float(np.dot(xc.data, xc.data))
    ratio = sig2 / total if total > 0 else np.zeros_like(sig2)
    return PCAResult(center, comps, sig2 / dof, ratio, iters)


def participant_counts(m: VoteMatrix, mod_out: np.ndarray) -> np.ndarray:
    """Cells per row of the rating matrix: votes (passes too) on kept columns + every moderated-out column
    that exists (has ≥1 vote), because Pol.is sets those to 0 for everyone."""
    cells = m.cells
    per_row = np.diff(cells.indptr).astype(np.int64)
    if mod_out.any():
        on_mod = np.concatenate(([0], np.cumsum(mod_out[cells.indices], dtype=np.int64)))
        per_row -= np.diff(on_mod[cells.indptr])  # their own votes on those columns are already counted
        seen_cols = np.bincount(cells.indices, minlength=m.n_cols) > 0
        per_row += int((mod_out & seen_cols).sum())
    return per_row


def project_participants(
    xc: sp.csr_matrix, comps: np.ndarray, n_votes: np.ndarray, n_cmts: int
) -> np.ndarray:
    """Sparsity-aware projection (§3.1): X_c·pcᵀ scaled by sqrt(n_cmts / max(n_votes, 1)) per row.

    Missing cells contribute nothing (they are 0 in X_c), moderated-out ones neither (their loadings are 0).
    """
    p = np.asarray(xc @ comps.T)
    scale = np.sqrt(n_cmts / np.maximum(n_votes, 1).astype(np.float64))
    return p * scale[:, None]


def project_comments(center: np.ndarray, comps: np.ndarray, n_cmts: int) -> tuple[np.ndarray, np.ndarray]:
    """Comment projection and extremity (§3.2), agree = +1 convention.

    Statement j is drawn where a virtual participant who *agreed* with j alone (and saw nothing else)
    would land: proj_j = sqrt(n_cmts) · (1 - center_j) · (pc1_j, pc2_j); extremity_j = ‖proj_j‖.
    Moderated-out statements have zero loadings, so their projection and extremity are 0.
    """
    proj = (np.sqrt(n_cmts) * (1.0 - center))[:, None] * comps.T
    return proj, np.linalg.norm(proj, axis=1)


def _warm_axes(xc: sp.csr_matrix, xt: sp.csc_matrix, live: np.ndarray, n_comps: int, start: np.ndarray,
               seed: int, *, tol: float = 1e-12, max_iter: int = 30) -> tuple[np.ndarray, np.ndarray, int] | None:
    """Top axes by block subspace iteration (Rayleigh-Ritz each step) from the previous axes plus two seeded
    random directions; None when it has not converged after max_iter steps (each step: one product by X and
    one by Xᵀ with a block of n_comps + 2 columns). Converged: every wanted Ritz pair's residual
    ‖XᵀX v - λv‖ <= sqrt(tol) λ (eigenvalues then agree with Lanczos's to about tol)."""
    n_cols = xc.shape[1]
    b = n_comps + 2
    v = np.zeros((n_cols, b))
    k = min(start.shape[1], n_cols)
    v[:k, :n_comps] = np.asarray(start, dtype=np.float64)[:n_comps, :k].T
    v[live, n_comps:] = np.random.default_rng(seed).standard_normal((len(live), b - n_comps))
    mask = np.zeros(n_cols, dtype=bool)
    mask[live] = True
    v[~mask] = 0.0
    v, _ = np.linalg.qr(v)
    for it in range(1, max_iter + 1):
        z = np.asarray(xt @ np.asarray(xc @ v))  # XᵀX V, n_cols x b
        h = v.T @ z
        lam, w = np.linalg.eigh((h + h.T) / 2)
        order = np.argsort(lam)[::-1]
        lam, w = lam[order], w[:, order]
        ritz, zr = v @ w, z @ w
        resid = np.linalg.norm(zr[:, :n_comps] - ritz[:, :n_comps] * lam[:n_comps], axis=0)
        scale = max(float(lam[0]), 1e-300)
        if np.all(resid <= np.sqrt(tol) * np.maximum(lam[:n_comps], 1e-12 * scale)):
            return ritz[:, :n_comps].T.copy(), np.maximum(lam[:n_comps], 0.0), it
        v, _ = np.linalg.qr(zr)
    return None
