"""Partial pooling for small places: empirical-Bayes beta-binomial shrinkage, then MRP-style roll-up.

Each leaf's agree share is shrunk towards its parent's (method-of-moments beta prior over the parent's
heard leaves); parents get the population-weighted sum of their leaves' posteriors. All arrays are
places x statements; the only loop is over parent places.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import betaincinv

from voxpop.places.registry import PlaceRegistry

MAX_CONCENTRATION = 1e5


def beta_prior(agree: np.ndarray, seen: np.ndarray, weight: np.ndarray | None = None):
    """Prior mean, concentration and the variance of the prior mean, per statement (columns), from the
    units in the rows.

    The between-unit variance tau2 is DerSimonian-Laird's method of moments, Q = sum n (y - ybar_n)^2,
    tau2 = (Q - (k - 1) ybar_n (1 - ybar_n)) / (N - sum n^2 / N); kappa = mu (1 - mu) / tau2 - 1.
    The prior mean mu is the `weight`-weighted (population, in `pool`) mean of the heard units' shares, so
    shrinkage pulls towards the population's view and not towards the over-heard places; var_mu is its
    sampling variance, sum w^2 (mu (1 - mu) / n + tau2) / (sum w)^2.
    """
    heard = seen > 0
    safe_n = np.where(heard, seen, 1.0)
    y = np.where(heard, agree / safe_n, 0.0)
    wt = np.ones(len(agree)) if weight is None else np.asarray(weight, dtype=float)
    wh = heard * wt[:, None]
    N = seen.sum(axis=0)
    k = heard.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ybar = np.where(N > 0, agree.sum(axis=0) / N, 0.5)
        q = (seen * (y - ybar) ** 2).sum(axis=0)
        denom = N - (seen * seen).sum(axis=0) / np.where(N > 0, N, 1)
        tau2 = np.where(denom > 0, (q - (k - 1) * ybar * (1 - ybar)) / denom, 0.0)
        tau2 = np.maximum(np.nan_to_num(tau2), 0.0)
        mu = np.where(wh.sum(axis=0) > 0, (wh * y).sum(axis=0) / wh.sum(axis=0), ybar)
        mu = np.clip(mu, 1e-6, 1 - 1e-6)
        kappa = np.where(tau2 > 0, mu * (1 - mu) / tau2 - 1.0, MAX_CONCENTRATION)
        unit_var = heard * (mu * (1 - mu) / safe_n + tau2)
        var_mu = np.where(wh.sum(axis=0) > 0, (wh * wh * unit_var).sum(axis=0) / wh.sum(axis=0) ** 2, 0.25)
    kappa = np.clip(np.nan_to_num(kappa, nan=MAX_CONCENTRATION), 1.0, MAX_CONCENTRATION)
    return mu, kappa, var_mu


@dataclass
class Pooled:
    mean: np.ndarray  # places x statements (every place: leaves shrunk, parents rolled up)
    lo: np.ndarray
    hi: np.ndarray


def pool(registry: PlaceRegistry, agree: np.ndarray, seen: np.ndarray, *, level: float = 0.95,
         z_parent: float | np.ndarray = 1.96) -> Pooled:
    """agree / seen: places x statements counts of participants placed exactly at each place.

    Leaf variance = posterior variance given the prior + (shrinkage)^2 x var(prior mean); parents add the
    shared prior-mean uncertainty of their leaves coherently (it does not average out).
    """
    n_places, n_st = agree.shape
    leaf = registry.is_leaf
    mean = np.full((n_places, n_st), np.nan)
    var = np.full((n_places, n_st), np.nan)
    lo = np.full((n_places, n_st), np.nan)
    hi = np.full((n_places, n_st), np.nan)
    leaves = np.flatnonzero(leaf)
    pop = registry.population[leaves]
    gm, gk, gv = beta_prior(agree[leaves], seen[leaves], pop)
    prior_mu, prior_k = np.tile(gm, (len(leaves), 1)), np.tile(gk, (len(leaves), 1))
    prior_group = np.zeros(len(leaves), dtype=np.int64)  # 0 = everything; g > 0 = a parent's own prior
    group_var = [gv]
    parents = np.unique(registry.parent[leaves])
    for par in parents[parents >= 0]:
        kids = np.flatnonzero(registry.parent[leaves] == par)
        if (seen[leaves[kids]].sum(axis=1) > 0).sum() >= 2:
            mu, kappa, vmu = beta_prior(agree[leaves[kids]], seen[leaves[kids]], pop[kids])
            prior_mu[kids], prior_k[kids] = mu, kappa
            prior_group[kids] = len(group_var)
            group_var.append(vmu)
    n_l, a_l = seen[leaves], agree[leaves]
    a = a_l + prior_mu * prior_k
    b = n_l - a_l + (1 - prior_mu) * prior_k
    shrink = prior_k / (prior_k + n_l)
    gvar = np.stack(group_var)[prior_group]  # leaves x statements
    m = a / (a + b)
    v = a * b / ((a + b) ** 2 * (a + b + 1)) + shrink**2 * gvar
    mean[leaves], var[leaves] = m, v
    c = np.maximum(m * (1 - m) / np.maximum(v, 1e-12) - 1.0, 1e-3)  # moment-matched beta for the interval
    tail = (1 - level) / 2
    lo[leaves] = betaincinv(m * c, (1 - m) * c, tail)
    hi[leaves] = betaincinv(m * c, (1 - m) * c, 1 - tail)
    inner = np.flatnonzero(~leaf)
    if len(inner):
        A = registry.ancestry[leaves][:, inner].T.tocsr()  # inner x leaves
        P = np.maximum(A @ pop, 1e-12)[:, None]
        mean[inner] = (A @ (pop[:, None] * m)) / P
        post = a * b / ((a + b) ** 2 * (a + b + 1))
        var_in = (A @ ((pop * pop)[:, None] * post)) / (P * P)
        for g, vmu in enumerate(group_var):
            coef = (A @ (pop[:, None] * shrink * (prior_group == g)[:, None])) / P
            var_in += coef * coef * vmu[None, :]
        var[inner] = var_in
        sd = np.sqrt(var_in)
        zp = np.asarray(z_parent, dtype=float)
        z = zp[inner][:, None] if zp.ndim else float(zp)  # z_parent: per place, or one for all
        lo[inner] = np.clip(mean[inner] - z * sd, 0, 1)
        hi[inner] = np.clip(mean[inner] + z * sd, 0, 1)
    return Pooled(mean, lo, hi)
