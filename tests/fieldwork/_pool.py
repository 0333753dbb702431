"""A volunteer pool of 1,000 and quotas for a panel of 40 (4 places x 10, age bands 8..12, sex 19..21)."""

from __future__ import annotations

import csv
import io
import random

PLACES = ["north", "south", "east", "west"]
AGES = ["16-29", "30-44", "45-64", "65+"]
SEXES = ["female", "male"]


def pool_csv(n: int = 1000, seed: int = 1) -> bytes:
    rng = random.Random(seed)
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["id", "name", "place", "age_band", "sex"])
    for i in range(n):
        # skewed like a real volunteer pool: more older people, fewer in the west
        w.writerow([f"v{i:04d}", f"Volunteer {i}", rng.choices(PLACES, [3, 3, 2, 1])[0],
                    rng.choices(AGES, [1, 1, 1.5, 2])[0], rng.choice(SEXES)])
    return out.getvalue().encode()


def quotas_csv(size: int = 40) -> bytes:
    per_place = size // 4
    rows = ["feature,value,min,max"]
    rows += [f"place,{p},{per_place},{per_place}" for p in PLACES]
    rows += [f"age_band,{a},{size // 5},{size * 3 // 10}" for a in AGES]
    rows += [f"sex,{s},{size // 2 - 1},{size // 2 + 1}" for s in SEXES]
    return ("\n".join(rows) + "\n").encode()
