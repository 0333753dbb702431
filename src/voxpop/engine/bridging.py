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
small ridge regression solved in closed form; all sufficient statistics come from ONE sparse product per
half-sweep over the votes (agrees and disagrees in separate column halves, no per-participant Python
loops). Two accelerations keep the number of sweeps low without changing the optimum: after each sweep μ
and the mean participant and statement intercepts are moved jointly to their exact optimum (plain ALS
crawls along that nearly flat direction), and from the third sweep on the sweeps are Anderson-accelerated
(depth 5, on the statement parameters and μ; an extrapolation that raises the objective is replaced by
the plain ALS point, and after 10 such the acceleration stops). Stops when the objective
falls by less than `tol` (relative) in a sweep AND no statement intercept moved by more than `step_tol`.
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
    """One side of the bipartite rating graph (participants or statements).

    `split` is the 0/1 indicator of the ratings with agree and disagree in separate column halves: row u
    has a 1 at column s for an agree on statement s and at column n + s for a disagree (n = the other
    side's size). One sparse product with it yields, per row, the sums over agrees and over disagrees
    (participants: a stacked dense operand; statements: the transposed view gives both halves at once),
    so each half-sweep is ONE pass over the non-zeros.
    """

    split: sp.spmatrix
    count: np.ndarray  # ratings per row
    n_agree: np.ndarray  # agree ratings per row (r = 1)
    lam_i: float
    lam_f: float
    stacked: bool  # True: columns are (other side) × {agree, disagree}; False: rows are


def _split_from_cells(cells: sp.csr_matrix, n_cols: int, votes: np.ndarray):
    """The split matrix (see `_Side`) of the agree/disagree votes, built straight from the vote cells
    (`votes`: their int8 votes in the cells' order, VoteMatrix.cell_votes; passes are dropped), with ratings
    and agrees per participant and per statement. Returns (split, p_count, p_agree, s_count, s_agree).

    Linear passes over bytes only (a refresh of a big conversation builds it every time): per-row counts are
    running counts read at the row starts, no search per dropped pass, no 64-bit running count."""
    indices, indptr = cells.indices, cells.indptr
    n_rows = cells.shape[0]
    big = max(2 * n_cols, len(indices) + 1) >= np.iinfo(np.int32).max
    itype = np.int64 if big else np.int32
    keep = votes != 0
    running = np.zeros(len(indices) + 1, dtype=itype)  # running count of the kept (agree/disagree) cells
    np.cumsum(keep, dtype=itype, out=running[1:])
    new_ptr = running[indptr]
    np.cumsum(votes > 0, dtype=itype, out=running[1:])  # reused: running count of the agrees
    p_agree = np.diff(running[indptr]).astype(np.float64)
    del running
    col: np.ndarray = (votes < 0).astype(itype)  # disagrees go to the second half of the columns
    np.multiply(col, itype(n_cols), out=col)
    np.add(col, indices, out=col, casting="unsafe")
    if not keep.all():
        col = col[keep]
    del keep
    split = sp.csr_matrix((np.ones(len(col)), col, new_ptr), shape=(n_rows, 2 * n_cols))
    p_count = np.diff(new_ptr).astype(np.float64)
    tally = np.bincount(col, minlength=2 * n_cols).astype(np.float64)
    s_agree = tally[:n_cols]
    return split, p_count, p_agree, s_agree + tally[n_cols:], s_agree


def _row_sums(side: _Side, x: np.ndarray, n_agree_cols: int) -> tuple[np.ndarray, np.ndarray]:
    """Per row of `side`: Σ over its ratings of x (all columns) and Σ over its agrees of x[:, :n_agree_cols]."""
    w = x.shape[1]
    if side.stacked:  # participants: one product with [x, x_agree] over agrees, [x, 0] over disagrees
        dense = np.zeros((2 * len(x), w + n_agree_cols))
        dense[: len(x), :w] = x
        dense[len(x) :, :w] = x
        dense[: len(x), w:] = x[:, :n_agree_cols]
        out = np.asarray(side.split @ dense)
        return out[:, :w], out[:, w:]
    n = side.split.shape[0] // 2  # statements: transposed split, rows = statements × {agree, disagree}
    out = np.asarray(side.split @ x)
    agree = out[:n]
    return agree + out[n:], agree[:, :n_agree_cols]


def _solve_rows(side: _Side, other_i: np.ndarray, other_f: np.ndarray, other_count: np.ndarray, mu: float):
    """Closed-form ridge update of (intercept, factors) for every row of `side` given the other side.

    Returns (intercepts, factors, data loss Σ(r − r̂)² at the new parameters, per row Σ of the other side's
    factors over the row's ratings).
    """
    d = other_f.shape[1]
    outer = (other_f[:, :, None] * other_f[:, None, :]).reshape(len(other_f), d * d)
    cols = np.hstack([other_f, other_i[:, None], outer, other_i[:, None] * other_f])
    sx, rx = _row_sums(side, cols, d + 1)
    s_f, s_i = sx[:, :d], sx[:, d]
    s_ff, s_if = sx[:, d + 1 : d + 1 + d * d].reshape(-1, d, d), sx[:, d + 1 + d * d :]
    r_f, r_i = rx[:, :d], rx[:, d]  # Σ r·f and Σ r·i over the row's ratings (r ∈ {0, 1})
    c, nr = side.count, side.n_agree
    rated = c > 0
    # normal equations for θ = (i, f): G θ = b, with y = r − μ − other_i
    b0 = nr - c * mu - s_i
    b1 = r_f - mu * s_f - s_if
    if d == 1:
        g01, g11 = s_f[:, 0], s_ff[:, 0, 0]
        a00, a11 = c + side.lam_i, g11 + side.lam_f
        det = a00 * a11 - g01 * g01
        with np.errstate(invalid="ignore", divide="ignore"):
            t0 = np.where(rated, (a11 * b0 - g01 * b1[:, 0]) / det, 0.0)
            t1 = np.where(rated, (a00 * b1[:, 0] - g01 * b0) / det, 0.0)
        # θᵀGθ − 2θᵀb, per row
        quad = c * t0 * t0 + 2.0 * g01 * t0 * t1 + g11 * t1 * t1 - 2.0 * (t0 * b0 + t1 * b1[:, 0])
        theta_i, theta_f = t0, t1[:, None]
    else:
        gram = np.empty((len(c), d + 1, d + 1))
        gram[:, 0, 0] = c
        gram[:, 0, 1:] = s_f
        gram[:, 1:, 0] = s_f
        gram[:, 1:, 1:] = s_ff
        b = np.column_stack([b0, b1])
        a = gram.copy()
        a[:, 0, 0] += side.lam_i
        idx = np.arange(1, d + 1)
        a[:, idx, idx] += side.lam_f
        theta = np.zeros((len(c), d + 1))
        theta[rated] = np.linalg.solve(a[rated], b[rated][:, :, None])[:, :, 0]
        quad = np.einsum("ni,nij,nj->n", theta, gram, theta) - 2.0 * np.einsum("ni,ni->n", theta, b)
        theta_i, theta_f = theta[:, 0].copy(), theta[:, 1:].copy()
    # Σ y² summed over every rating: the Σ other_i² part is a per-column total (no per-row product)
    sum_y2 = (
        float(nr.sum()) * (1.0 - 2.0 * mu)
        - 2.0 * float(r_i.sum())
        + float(c.sum()) * mu * mu
        + 2.0 * mu * float(s_i.sum())
        + float(other_count @ (other_i * other_i))
    )
    data_loss = sum_y2 + float(quad.sum())
    return theta_i, theta_f, data_loss, s_f


def _global_shift(mu, u_i, s_i, resid_sum, n_total, lam, n_u, n_s, rated_u, rated_s):
    """Exact minimisation over moving μ, every rated participant's and every rated statement's intercept by
    one shared amount each (a, b, c): the three are nearly interchangeable (only the penalties tell them
    apart), the direction ALS crawls along. Closed form: with g = Σe − N·(a + b + c), each penalty's
    gradient equals g."""
    iu_sum, is_sum = float(u_i.sum()), float(s_i.sum())
    if lam["mu"] > 0:
        k = 1.0 / lam["mu"] + 1.0 / (lam["iu"] * n_u) + 1.0 / (lam["is_"] * n_s)
        g = (resid_sum + n_total * (mu + iu_sum / n_u + is_sum / n_s)) / (1.0 + n_total * k)
        a = g / lam["mu"] - mu
    else:
        g = 0.0
    b = (g / lam["iu"] - iu_sum) / n_u
    c = (g / lam["is_"] - is_sum) / n_s
    if lam["mu"] == 0:
        a = resid_sum / n_total - b - c
    return mu + a, u_i + b * rated_u, s_i + c * rated_s


class _Anderson:
    """Anderson acceleration (type II) of the fixed-point map x → one ALS sweep, over the last `depth`
    iterates: x_next = G(x_k) − ΔG·γ with γ = argmin ‖F_k − ΔF·γ‖ (F = G(x) − x). It gives up for good
    after `MAX_REJECTS` extrapolations that raised the objective (plain ALS, monotone, from then on)."""

    MAX_REJECTS = 10

    def __init__(self, depth: int) -> None:
        self.depth, self.rejects = depth, 0
        self.xs: list[np.ndarray] = []
        self.gs: list[np.ndarray] = []

    def reset(self) -> None:
        self.rejects += 1
        self.xs, self.gs = [], []

    def step(self, x: np.ndarray, g: np.ndarray) -> np.ndarray:
        if self.depth < 1 or self.rejects >= self.MAX_REJECTS:
            return g
        self.xs.append(x)
        self.gs.append(g)
        if len(self.xs) > self.depth + 1:
            self.xs.pop(0)
            self.gs.pop(0)
        if len(self.xs) < 2:
            return g
        f = np.array([gg - xx for gg, xx in zip(self.gs, self.xs, strict=True)])
        gamma = np.linalg.lstsq(np.diff(f, axis=0).T, f[-1], rcond=None)[0]
        out = g - np.diff(np.array(self.gs), axis=0).T @ gamma
        return out if np.all(np.isfinite(out)) else g


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
    step_tol: float = 3e-4,
    anderson: int = 5,
    init_scale: float = 0.1,
    start: tuple[np.ndarray, np.ndarray, float] | None = None,
) -> BridgingResult:
    """Fit the Community-Notes-style model (module docstring); statement_intercept is the bridging score.

    Stops when the objective falls by less than `tol` (relative) over a sweep and no statement intercept
    moved by more than `step_tol`, or after `max_iter` sweeps. `anderson` is the depth of the Anderson
    acceleration of the sweeps (0 = plain ALS). `start` = (statement intercepts, statement factors, mu) of
    an earlier fit of the same conversation (statements added since get none): a warm start, the same
    optimum in far fewer sweeps when the votes changed little.
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
    if int(anderson) != anderson or anderson < 0:
        raise ValueError(f"anderson must be a non-negative integer, got {anderson!r}")
    d = int(n_factors)
    split, p_count, p_agree, s_count, s_agree = _split_from_cells(m.cells, m.n_cols, m.cell_votes)
    n_total = float(split.nnz)
    if n_total == 0:
        return _empty_result(m, d)
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
    # statements use the transposed (CSC) view of the same arrays: a CSC product streams through the
    # participants' rows in order, which is far more cache-friendly than a transposed CSR copy
    part = _Side(split, p_count, p_agree, lam["iu"], lam["fu"], stacked=True)
    stmt = _Side(split.T, s_count, s_agree, lam["is_"], lam["fs"], stacked=False)
    rated_u, rated_s = p_count > 0, s_count > 0

    rng = np.random.default_rng(seed)
    s_f = rng.normal(0.0, init_scale, size=(m.n_cols, d))
    s_i = np.zeros(m.n_cols)
    s_f[~rated_s] = 0.0
    n_agree_total = float(p_agree.sum())
    mu = n_agree_total / (n_total + lam["mu"])
    if start is not None:
        k = min(len(start[0]), m.n_cols)
        s_i[:k] = np.nan_to_num(np.asarray(start[0], dtype=np.float64)[:k])
        prev_f = np.asarray(start[1], dtype=np.float64).reshape(len(start[0]), -1)
        if prev_f.shape[1] == d:
            s_f[:k] = np.nan_to_num(prev_f[:k])
        s_i[~rated_s], s_f[~rated_s] = 0.0, 0.0
        mu = float(start[2]) if np.isfinite(start[2]) else mu
    u_i = np.zeros(m.n_rows)
    u_f = np.zeros((m.n_rows, d))

    prev = np.inf
    loss = np.inf
    converged = False
    n_iter = 0
    aa = _Anderson(int(anderson))
    plain = None  # the last plain ALS point, to fall back to when an extrapolation raises the objective
    x = np.concatenate([s_i, s_f.ravel(), [mu]])  # the state: statement parameters and μ
    for n_iter in range(1, max_iter + 1):  # noqa: B007 — n_iter is reported
        s_i, s_f, mu = x[: m.n_cols], x[m.n_cols : -1].reshape(m.n_cols, d), float(x[-1])
        u_i, u_f, data_loss, _ = _solve_rows(part, s_i, s_f, s_count, mu)
        penalty = (
            lam["iu"] * float(u_i @ u_i)
            + lam["fu"] * float(np.sum(u_f * u_f))
            + lam["is_"] * float(s_i @ s_i)
            + lam["fs"] * float(np.sum(s_f * s_f))
            + lam["mu"] * mu * mu
        )
        loss = (data_loss + penalty) / n_total
        if loss > prev and plain is not None:  # the extrapolated point is worse: back to the plain one
            x, plain = plain, None
            aa.reset()
            continue
        new_i, new_f, _, f_sums = _solve_rows(stmt, u_i, u_f, p_count, mu)
        cross = float(np.sum(new_f * f_sums))  # Σ over ratings of f_u·f_s
        resid = n_agree_total - float(p_count @ u_i) - float(s_count @ new_i) - cross - n_total * mu
        new_mu, u_i, new_i = _global_shift(mu, u_i, new_i, resid, n_total, lam, n_u, n_s, rated_u, rated_s)
        step = float(np.max(np.abs(new_i - s_i), initial=0.0))
        if prev - loss <= tol * max(abs(loss), 1e-12) and step <= step_tol:
            s_i, s_f, mu = new_i, new_f, new_mu
            converged = True
            break
        prev = min(prev, loss)
        plain = np.concatenate([new_i, new_f.ravel(), [new_mu]])
        # the first sweeps only find the factor's direction; extrapolate from the third on
        x = aa.step(x, plain) if n_iter > 2 else plain
    s_i, s_f = s_i.copy(), s_f.copy()

    # identification: at least half of the participants with a non-zero factor are negative
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
