"""How fast a typed place is found among 100,000 aliases (issue: < 20 ms per lookup).

Builds a finder over the packaged UK area names plus N synthetic aliases (town-like names, postcode
districts), then times lookups of each kind: exact, type-ahead prefix, typo (fuzzy), postcode, and a miss.
Baseline measured in the same run: a plain linear scan over the same folded aliases (what a naive
"contains" search does). Prints per-kind p50/p95 in ms and the ratio baseline/finder.

    ./run bench place_finder [--aliases 100000] [--repeat 200]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from voxpop.places.finder import PlaceFinder, fold, place_aliases, uk_area_names

SYLL = ["ber", "ton", "ley", "ham", "ford", "wick", "by", "thorpe", "stead", "mouth", "bridge", "field",
        "wood", "port", "caster", "bury", "mere", "dale", "cliff", "holm", "pen", "llan", "aber", "tre"]


def synthetic(n: int, ids: list[str], seed: int = 1) -> list[tuple[str, str]]:
    rnd = random.Random(seed)
    seen: set[str] = set()
    out = []
    while len(out) < n:
        if rnd.random() < 0.1:
            name = f"{rnd.choice('ABCDEGHKLMNPRSTW')}{rnd.choice('ABCDEHLMNRSTY')}{rnd.randint(1, 99)}"
        else:
            name = "".join(rnd.choice(SYLL) for _ in range(rnd.randint(2, 4))).capitalize()
            if rnd.random() < 0.3:
                name += " " + rnd.choice(["Green", "End", "Common", "Heath", "on Sea", "Magna", "Parva"])
        if name.casefold() not in seen:
            seen.add(name.casefold())
            out.append((name, rnd.choice(ids)))
    return out


def timed(fn, queries: list[str], repeat: int) -> list[float]:
    out = []
    for i in range(repeat):
        q = queries[i % len(queries)]
        t = time.perf_counter()
        fn(q)
        out.append((time.perf_counter() - t) * 1000)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--aliases", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=200)
    a = ap.parse_args()
    areas = uk_area_names()
    pairs = [(alias, pid) for pid, r in areas.items() for alias in place_aliases(pid, r["name"])]
    syn = synthetic(a.aliases, list(areas))
    pairs += syn
    t = time.perf_counter()
    finder = PlaceFinder.build(pairs)
    build = time.perf_counter() - t
    folded = [(fold(al), pid) for al, pid in pairs]

    def linear(q: str) -> list[str]:
        f = fold(q)
        return [pid for key, pid in folded if f in key][:10]

    rnd = random.Random(2)
    names = [al for al, _ in rnd.sample(syn, 50)]
    kinds = {
        "exact": names,
        "prefix": [n[: max(3, len(n) // 2)] for n in names],
        "typo": [n[:2] + n[3:] + "e" for n in names],
        "postcode": ["TR18 4AB", "CF10 1AA", "SW1A 1AA"],
        "miss": ["qqqzzzx", "xylophone street 9"],
    }
    print(f"finder over {len(finder):,} distinct aliases ({a.aliases:,} synthetic + UK areas), built in "
          f"{build:.2f} s; {a.repeat} lookups per kind; times in ms")
    print(f"{'kind':<10}{'finder p50':>11}{'p95':>8}{'linear p50':>12}{'p95':>8}{'ratio':>8}")
    for kind, qs in kinds.items():
        ours = timed(finder.find, qs, a.repeat)
        base = timed(linear, qs, max(20, a.repeat // 10))
        p95 = statistics.quantiles(ours, n=20)[-1]
        bp95 = statistics.quantiles(base, n=20)[-1]
        print(f"{kind:<10}{statistics.median(ours):>11.2f}{p95:>8.2f}{statistics.median(base):>12.2f}"
              f"{bp95:>8.2f}{statistics.median(base) / max(statistics.median(ours), 1e-9):>7.1f}x")
    print("target: every kind's p95 < 20 ms")


if __name__ == "__main__":
    main()
