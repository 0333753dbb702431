"""Bridging score by regularised matrix factorisation, in the style of Community Notes (peers.md §3).

Model, over agree/disagree votes only (passes are left out: a pass says "no opinion", not a rating):

    r_us ≈ μ + i_u + i_s + f_u · f_s,      r = 1 for agree, 0 for disagree (Community Notes' helpful = 1.0)

fitted by minimising, as the Community Notes scorer does (loss = mean squared error plus mean-squared
penalties),

    (1/N) Σ (r − r̂)² + λ_iu·mean(i_u²) + λ_is·mean(i_s²) + λ_fu·mean(f_u²) + λ_fs·mean(f_s²) + λ_μ·μ²

with λ_i = 0.15 for intercepts and μ and λ_f = 0.03 for factors (intercepts regularised 5× harder, so the
factor explains what it can and only approval across the divide lifts a statement's intercept). The
statement intercept i_s is the bridging score. `normalise=False` uses the plain-sum form of the
Community Notes documentation instead (Σ(r − r̂)² + λ_i(Σi² + μ²) + λ_f Σ‖f‖²).

Fitted by alternating least squares: each participant's (i_u, f_u) and each statement's (i_s, f_s) is a
small ridge regression solved in closed form; all sufficient statistics come from sparse matrix products
over the votes (no per-participant Python loops), so one sweep is a handful of passes over the non-zeros.
Deterministic for a seed (only the initial statement factors are random). Statements with fewer than
`min_ratings` agree/disagree votes (Community Notes: 5) get NaN intercept and factor ("needs more
ratings"); participants with no agree/disagree vote get NaN. Factor sign: flipped so that at least half of
the participants with a non-zero factor have a negative one (Community Notes' identification rule).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from voxpop.engine.matrix import VoteMatrix

LAMBDA_INTERCEPT = 0.15  # Community Notes: 0.03 * 5 for user, note and global intercepts
LAMBDA_FACTOR = 0.03  # Community Notes: userFactorLambda = noteFactorLambda
MIN_RATINGS = 5  # Community Notes minRatingsNeeded


@dataclass(frozen=True, eq=False)
class BridgingResult:
    mu: float
    participant_intercept: np.ndarray  # (n_rows,)
    participant_factor: np.ndarray  # (n_rows, n_factors)
    statement_intercept: np.ndarray  # (n_cols,) — the bridging score
    statement_factor: np.ndarray  # (n_cols, n_factors)
    n_iter: int
    converged: bool
    loss: float = float("nan")  # final objective, in the (1/N)-normalised form
    n_ratings: np.ndarray | None = None  # (n_cols,) agree + disagree votes per statement


@dataclass
class _Side:
    """One side of the bipartite rating graph (participants or statements) with its sparse views."""

    ones: sp.spmatrix  # 1 where rated
    signs: sp.spmatrix  # +1 agree / −1 disagree, same sparsity (shares the index arrays)
    count: np.ndarray  # ratings per row
    n_agree: np.ndarray  # agree ratings per row (r = 1)
    lam_i: float
    lam_f: float


def _side(values: sp.spmatrix) -> tuple[sp.spmatrix, sp.spmatrix, np.ndarray, np.ndarray]:
    """0/1 and ±1 views (sharing index arrays), ratings and agrees per row, for a CSR or CSC matrix."""
    fmt = sp.csr_matrix if values.format == "csr" else sp.csc_matrix
    ones = fmt((np.ones_like(values.data), values.indices, values.indptr), shape=values.shape)
    count = np.asarray(ones.sum(axis=1)).ravel()
    n_agree = (count + np.asarray(values.sum(axis=1)).ravel()) / 2.0
    return ones, values, count, n_agree


def _solve_rows(side: _Side, other_i: np.ndarray, other_f: np.ndarray, mu: float):
    """Closed-form ridge update of (intercept, factors) for every row of `side` given the other side.

    Returns (intercepts, factors, data loss Σ(r − r̂)² at the new parameters, Σ_rows f_row·(Σ other f)).
    """
    d = other_f.shape[1]
    outer = (other_f[:, :, None] * other_f[:, None, :]).reshape(len(other_f), d * d)
    cols = np.hstack([other_f, outer, other_i[:, None], other_i[:, None] * other_f, other_i[:, None] ** 2])
    sx = np.asarray(side.ones @ cols)
    s_f, s_ff = sx[:, :d], sx[:, d : d + d * d].reshape(-1, d, d)
    s_i, s_if, s_ii = sx[:, d + d * d], sx[:, d + d * d + 1 : d + d * d + 1 + d], sx[:, -1]
    vx = np.asarray(side.signs @ np.hstack([other_f, other_i[:, None]]))
    r_f = (s_f + vx[:, :d]) / 2.0  # Σ r·f over the row's ratings (r ∈ {0, 1})
    r_i = (s_i + vx[:, d]) / 2.0
    c, nr = side.count, side.n_agree
    # normal equations for θ = (i, f): G θ = b, with y = r − μ − other_i
    gram = np.empty((len(c), d + 1, d + 1))
    gram[:, 0, 0] = c
    gram[:, 0, 1:] = s_f
    gram[:, 1:, 0] = s_f
    gram[:, 1:, 1:] = s_ff
    b = np.empty((len(c), d + 1))
    b[:, 0] = nr - c * mu - s_i
    b[:, 1:] = r_f - mu * s_f - s_if
    a = gram.copy()
    a[:, 0, 0] += side.lam_i
    idx = np.arange(1, d + 1)
    a[:, idx, idx] += side.lam_f
    theta = np.zeros((len(c), d + 1))
    rated = c > 0
    if d == 1:
        a00, a01, a11 = a[rated, 0, 0], a[rated, 0, 1], a[rated, 1, 1]
        b0, b1 = b[rated, 0], b[rated, 1]
        det = a00 * a11 - a01 * a01
        theta[rated, 0] = (a11 * b0 - a01 * b1) / det
        theta[rated, 1] = (a00 * b1 - a01 * b0) / det
    else:
        theta[rated] = np.linalg.solve(a[rated], b[rated][:, :, None])[:, :, 0]
    # Σ y² − 2 θᵀb + θᵀ G θ, per row, summed
    sum_y2 = nr - 2.0 * (mu * nr + r_i) + c * mu * mu + 2.0 * mu * s_i + s_ii
    quad = np.einsum("ni,nij,nj->n", theta, gram, theta)
    data_loss = float(np.sum(sum_y2 - 2.0 * np.einsum("ni,ni->n", theta, b) + quad))
    cross = float(np.einsum("nk,nk->", theta[:, 1:], s_f))
    return theta[:, 0].copy(), theta[:, 1:].copy(), data_loss, cross


def _empty_result(m: VoteMatrix, n_factors: int, mu: float = float("nan")) -> BridgingResult:
    return BridgingResult(
        mu=mu,
        participant_intercept=np.full(m.n_rows, np.nan),
        participant_factor=np.full((m.n_rows, n_factors), np.nan),
        statement_intercept=np.full(m.n_cols, np.nan),
        statement_factor=np.full((m.n_cols, n_factors), np.nan),
        n_iter=0,
        converged=True,
        n_ratings=np.zeros(m.n_cols, dtype=np.int64),
    )


def fit_bridging(
    m: VoteMatrix,
    *,
    seed: int = 0,
    n_factors: int = 1,
    lambda_intercept: float = LAMBDA_INTERCEPT,
    lambda_factor: float = LAMBDA_FACTOR,
    lambda_global: float = LAMBDA_INTERCEPT,
    normalise: bool = True,
    min_ratings: int = MIN_RATINGS,
    max_iter: int = 200,
    tol: float = 1e-6,
    init_scale: float = 0.1,
) -> BridgingResult:
    """Fit the Community-Notes-style model (module docstring); statement_intercept is the bridging score.

    Stops when the objective falls by less than `tol` (relative) over a sweep, or after `max_iter` sweeps.
    """
    if int(n_factors) != n_factors or n_factors < 1:
        raise ValueError(f"n_factors must be a positive integer, got {n_factors!r}")
    if not (lambda_intercept > 0 and lambda_factor > 0 and lambda_global >= 0):
        raise ValueError(
            "lambda_intercept and lambda_factor must be > 0 (they keep every per-row solve well-posed) "
            f"and lambda_global >= 0; got {lambda_intercept}, {lambda_factor}, {lambda_global}"
        )
    if max_iter < 1:
        raise ValueError(f"max_iter must be >= 1, got {max_iter!r}")
    d = int(n_factors)
    values = m.values  # +1 / −1, passes not stored
    n_total = float(values.nnz)
    if n_total == 0:
        return _empty_result(m, d)

    p_ones, p_signs, p_count, p_agree = _side(values)
    # statements use the transposed (CSC) views of the same arrays: a CSC product streams through the
    # participants' rows in order, which is far more cache-friendly than a transposed CSR copy
    s_ones, s_signs = p_ones.T, p_signs.T
    s_count = np.bincount(values.indices, minlength=m.n_cols).astype(np.float64)
    s_agree = (s_count + np.bincount(values.indices, weights=values.data, minlength=m.n_cols)) / 2.0
    n_u = max(int((p_count > 0).sum()), 1)
    n_s = max(int((s_count > 0).sum()), 1)
    if normalise:  # multiply the (1/N)-normalised objective by N: penalties scale with ratings per row
        lam = dict(
            iu=lambda_intercept * n_total / n_u,
            fu=lambda_factor * n_total / (n_u * d),
            is_=lambda_intercept * n_total / n_s,
            fs=lambda_factor * n_total / (n_s * d),
            mu=lambda_global * n_total,
        )
    else:
        lam = dict(
            iu=lambda_intercept, fu=lambda_factor, is_=lambda_intercept, fs=lambda_factor, mu=lambda_global
        )
    part = _Side(p_ones, p_signs, p_count, p_agree, lam["iu"], lam["fu"])
    stmt = _Side(s_ones, s_signs, s_count, s_agree, lam["is_"], lam["fs"])

    rng = np.random.default_rng(seed)
    s_f = rng.normal(0.0, init_scale, size=(m.n_cols, d))
    s_i = np.zeros(m.n_cols)
    s_f[s_count == 0] = 0.0
    n_agree_total = float(p_agree.sum())
    mu = n_agree_total / (n_total + lam["mu"])
    u_i = np.zeros(m.n_rows)
    u_f = np.zeros((m.n_rows, d))

    prev = np.inf
    loss = np.inf
    converged = False
    n_iter = 0
    for n_iter in range(1, max_iter + 1):  # noqa: B007 — n_iter is reported
        u_i, u_f, data_loss, _ = _solve_rows(part, s_i, s_f, mu)
        penalty = (
            lam["iu"] * float(u_i @ u_i)
            + lam["fu"] * float(np.sum(u_f * u_f))
            + lam["is_"] * float(s_i @ s_i)
            + lam["fs"] * float(np.sum(s_f * s_f))
            + lam["mu"] * mu * mu
        )
        loss = (data_loss + penalty) / n_total
        s_i, s_f, _, cross = _solve_rows(stmt, u_i, u_f, mu)
        resid = n_agree_total - float(p_count @ u_i) - float(s_count @ s_i) - cross
        mu = resid / (n_total + lam["mu"])
        if prev - loss <= tol * max(abs(loss), 1e-12):
            converged = True
            break
        prev = loss

    # identification: at least half of the participants with a non-zero factor are negative
    rated_u = p_count > 0
    for j in range(d):
        f = u_f[rated_u, j]
        nz = np.count_nonzero(f)
        if nz and np.count_nonzero(f < 0) / nz < 0.5:
            u_f[:, j] *= -1.0
            s_f[:, j] *= -1.0

    few = s_count < max(int(min_ratings), 1)
    s_i = np.where(few, np.nan, s_i)
    s_f[few] = np.nan
    u_i = np.where(rated_u, u_i, np.nan)
    u_f[~rated_u] = np.nan
    return BridgingResult(
        mu=float(mu),
        participant_intercept=u_i,
        participant_factor=u_f,
        statement_intercept=s_i,
        statement_factor=s_f,
        n_iter=n_iter,
        converged=converged,
        loss=float(loss),
        n_ratings=s_count.astype(np.int64),
    )
