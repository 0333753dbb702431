"""Where the demo's simulated participants live, and the demo's testimony.

Places: the UK's 382 counting areas of the 2016 referendum (packaged, voxpop.places.layout). Each planted
group is drawn towards the areas that voted like it (the big-cities group towards Remain areas, the towns
group towards Leave areas, the countryside group away from cities), and everyone is drawn towards cities
and London about three times as much as their population alone would say: the skew real online
participation has. Weighting by population then has real work to do.

Testimony (demo_data/testimony.csv): 78 short testimonies written for voxpop in many voices and places
(fiction, not real people); `voxpop demo` turns them into themes with voxpop.listen.
"""

from __future__ import annotations

from importlib import resources

import numpy as np

from voxpop.places.registry import PlaceRegistry

CITY_SKEW = 3.0
# big cities outside London (counting-area names as in the 2016 results)
CITIES = frozenset({
    "Birmingham", "Leeds", "Glasgow City", "Sheffield", "Manchester", "Bristol, City of", "City of Edinburgh",
    "Liverpool", "Cardiff", "Bradford", "Leicester", "Nottingham", "Newcastle upon Tyne", "Coventry",
    "Brighton and Hove", "Southampton", "Portsmouth", "Aberdeen City", "Dundee City", "Oxford", "Cambridge",
    "York", "Norwich", "Exeter", "Salford", "Reading", "Plymouth", "Swansea", "Kingston upon Hull, City of",
    "Stoke-on-Trent", "Derby", "Wolverhampton", "Milton Keynes", "Belfast",
})
LONDON = "E12000007"


def testimony_path():
    """The packaged demo testimony (CSV: id,text,place,speaker)."""
    return resources.files("voxpop").joinpath("demo_data", "testimony.csv")


def place_participants(registry: PlaceRegistry, groups: np.ndarray, seed: int = 0) -> list[str]:
    """A counting-area id for each participant of the planted `groups` (0 cities, 1 towns, 2 countryside)."""
    rng = np.random.default_rng(seed + 11)
    leaves = np.flatnonzero(registry.is_leaf)
    pop = registry.population[leaves].astype(float)
    leave = np.array([registry.context.get("leave_share", np.full(len(registry), 0.5))[i] for i in leaves])
    leave = np.nan_to_num(leave, nan=0.5)
    city = np.array([registry.names[i] in CITIES or registry.parent[i] >= 0
                     and registry.ids[registry.parent[i]] == LONDON for i in leaves])
    skew = np.where(city, CITY_SKEW, 1.0)
    affinity = [(1 - leave) ** 3, leave ** 3, np.where(city, 0.2, 1.0) * (0.5 + leave)]
    out = []
    for g in range(3):
        p = pop * skew * affinity[g]
        p /= p.sum()
        members = np.flatnonzero(groups == g)
        picks = rng.choice(len(leaves), size=len(members), p=p)
        out.append((members, picks))
    where = [""] * len(groups)
    for members, picks in out:
        for m, k in zip(members.tolist(), picks.tolist(), strict=True):
            where[m] = registry.ids[leaves[k]]
    return where
