"""Simulated participation for tests and benchmarks: who turns up, from where, saying what.

`skewed_participation` draws participants from every leaf place with a bias towards big cities (the
probability of a place grows faster than its population) and extra boosts for named places (e.g. London
boroughs and university cities), the way self-selected online participation usually looks.
"""

from __future__ import annotations

import numpy as np

from voxpop.places.registry import PlaceRegistry

UNIVERSITY_CITIES = (
    "Cambridge", "Oxford", "Manchester", "Bristol, City of", "Leeds", "Sheffield", "Nottingham",
    "Newcastle upon Tyne", "Brighton and Hove", "City of Edinburgh", "Glasgow City", "Cardiff", "Birmingham",
    "Liverpool", "Exeter", "Canterbury", "York", "Coventry", "Leicester", "Southampton", "Norwich", "Lancaster",
)


def skewed_participation(
    registry: PlaceRegistry,
    n: int,
    *,
    seed: int = 0,
    size_power: float = 1.4,
    boost_regions: dict[str, float] | None = None,
    boost_places: dict[str, float] | None = None,
) -> np.ndarray:
    """Place index (a leaf) of each of n simulated participants."""
    rng = np.random.default_rng(seed)
    leaves = np.flatnonzero(registry.is_leaf)
    pop = registry.population[leaves]
    prob = pop * (pop / np.median(pop)) ** (size_power - 1.0)
    names = np.array([registry.names[i] for i in leaves])
    for place, factor in (boost_places or {}).items():
        prob[names == place] *= factor
    top_names = np.array([registry.names[registry.top[i]] for i in leaves])
    for region, factor in (boost_regions or {}).items():
        prob[top_names == region] *= factor
    prob = prob / prob.sum()
    return leaves[rng.choice(len(leaves), size=n, p=prob)]


def referendum_participation(registry: PlaceRegistry, n: int, *, seed: int = 0) -> np.ndarray:
    """London boroughs x4 and university cities x3 on top of the big-city skew."""
    return skewed_participation(
        registry, n, seed=seed, boost_regions={"London": 4.0},
        boost_places=dict.fromkeys(UNIVERSITY_CITIES, 3.0),
    )


def votes_from_shares(place_idx: np.ndarray, agree_share: np.ndarray, *, seed: int = 0) -> np.ndarray:
    """+1 (agree) with the share of the participant's place, else -1."""
    rng = np.random.default_rng(seed + 1)
    p = np.asarray(agree_share, dtype=float)[place_idx]
    return np.where(rng.random(len(place_idx)) < p, 1, -1).astype(np.int8)
