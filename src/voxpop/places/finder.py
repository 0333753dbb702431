"""Find a place from what a person types: official names, short and Welsh names, common variants, and an
organiser's alias table (towns, villages, neighbourhoods, postcode districts), tolerant of case, accents,
punctuation and small typos.

Pure: built from (alias, place id) pairs, no database. `PlaceFinder.find` answers in three tiers:
exact (after folding), prefix (the type-ahead), then fuzzy (rapidfuzz, for typos). An answer that names
more than one place is `ambiguous`: the participant is offered a choice, never a guess.
"""

from __future__ import annotations

import bisect
import csv
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache, cached_property
from importlib import resources

from rapidfuzz import fuzz, process

# a full UK postcode or its outward code ("TR18 4AB", "TR18") -> "tr18"
_POSTCODE = re.compile(r"^\s*([A-Za-z]{1,2}[0-9][0-9A-Za-z]?)(?:\s*[0-9][A-Za-z]{2})?\s*$")
_PUNCT = re.compile(r"[^\w\s]|_")
_SUFFIXES = (", city of", ", county of", " city")
_PREFIXES = ("city of ", "county ", "the ")
_JOINS = re.compile(r"\s+(?:upon|on|under)\s+|-(?:upon|on|under)-")


def fold(text: str) -> str:
    """Lower case, accents and punctuation removed, '&' read as 'and', spaces collapsed:
    "King's Lynn & West Norfolk" -> "kings lynn and west norfolk"."""
    norm = unicodedata.normalize("NFKD", text.replace("&", " and "))
    plain = "".join(c for c in norm if not unicodedata.combining(c)).casefold()
    plain = plain.replace("'", "").replace("\u2019", "")
    return " ".join(_PUNCT.sub(" ", plain).split())


def postcode_district(text: str) -> str | None:
    """The outward code of a UK postcode or postcode district, folded ("TR18 4AB" -> "tr18"), else None."""
    m = _POSTCODE.match(text)
    return m.group(1).casefold() if m else None


def name_variants(name: str) -> list[str]:
    """Everyday forms of an official name: "Bristol, City of" -> "Bristol"; "City of Edinburgh" ->
    "Edinburgh"; "Newcastle upon Tyne" -> "Newcastle"; "Brighton and Hove" -> "Brighton", "Hove";
    "St. Helens" -> "St Helens", "Saint Helens"."""
    out: list[str] = []
    low = name.casefold()
    for suf in _SUFFIXES:
        if low.endswith(suf) and len(low) > len(suf) + 2:
            out.append(name[: -len(suf)])
    for pre in _PREFIXES:
        if low.startswith(pre) and len(low) > len(pre) + 2:
            out.append(name[len(pre):])
    for base in [name, *out]:
        head = _JOINS.split(base, maxsplit=1)[0]
        if head != base and len(head) > 2:
            out.append(head)
        if " and " in base:
            out.extend(p for p in base.split(" and ") if len(p) > 2)
    if re.match(r"(?i)st\.?\s", name):
        rest = name.split(None, 1)[1]
        out += [f"St {rest}", f"Saint {rest}"]
    return [v.strip() for v in dict.fromkeys(out) if v.strip() and v.strip() != name]


@dataclass(frozen=True)
class Match:
    """One place found: its id, the alias that matched, how (exact / prefix / fuzzy) and a 0-100 score."""

    place_id: str
    alias: str
    how: str
    score: float


@dataclass(frozen=True)
class Found:
    """What `find` answers: the matches (best first, one per place) and whether they name several places
    equally well (then the participant chooses)."""

    matches: list[Match]
    ambiguous: bool

    @property
    def unique(self) -> Match | None:
        return self.matches[0] if self.matches and not self.ambiguous else None


@dataclass
class PlaceFinder:
    """An index over (alias, place id) pairs. Build with `PlaceFinder.build(pairs)`."""

    keys: list[str] = field(default_factory=list)          # folded aliases, sorted
    owners: list[tuple[str, ...]] = field(default_factory=list)  # the places of each key
    shown: list[str] = field(default_factory=list)         # the alias as written, for each key
    words: list[tuple[str, int]] = field(default_factory=list)   # (folded suffix at a word start, key index)
    # typo search looks at keys sharing the first character, then (if none is close) the second,
    # each bucket sorted by length: a ratio >= 80 needs lengths within 2/3..3/2 of the query's
    buckets: dict[tuple[int, str], tuple[list[int], list[str], list[int]]] = field(default_factory=dict)

    @classmethod
    def build(cls, pairs: list[tuple[str, str]]) -> PlaceFinder:
        by_key: dict[str, dict[str, str]] = {}
        for alias, place_id in pairs:
            key = fold(alias)
            if key and place_id:
                by_key.setdefault(key, {}).setdefault(place_id, alias)
        keys = sorted(by_key)
        owners = [tuple(by_key[k]) for k in keys]
        shown = [next(iter(by_key[k].values())) for k in keys]
        words = []
        for i, k in enumerate(keys):
            for m in re.finditer(r"(?<=\s)\S", k):
                words.append((k[m.start():], i))
        words.sort()
        grouped: dict[tuple[int, str], list[int]] = {}
        for i, k in enumerate(keys):
            for pos in (0, 1):
                if len(k) > pos:
                    grouped.setdefault((pos, k[pos]), []).append(i)
        buckets = {}
        for b, idx in grouped.items():
            idx.sort(key=lambda i: len(keys[i]))
            buckets[b] = ([len(keys[i]) for i in idx], [keys[i] for i in idx], idx)
        return cls(keys, owners, shown, words, buckets)

    @cached_property
    def has_postcodes(self) -> bool:
        """Whether any alias is a postcode district, so that a typed postcode can be found at all."""
        return any(postcode_district(k) for k in self.keys)

    def __len__(self) -> int:
        return len(self.keys)

    def _prefix(self, sorted_keys: list, q: str, pick, limit: int) -> list[int]:
        out: list[int] = []
        i = bisect.bisect_left(sorted_keys, q, key=pick)
        while i < len(sorted_keys) and pick(sorted_keys[i]).startswith(q) and len(out) < limit * 4:
            out.append(i)
            i += 1
        return out

    def find(self, text: str, limit: int = 10, cutoff: float = 80.0) -> Found:
        """Places for what was typed, best first (one entry per place)."""
        q = fold(text)
        if not q:
            return Found([], False)
        seen: dict[str, Match] = {}

        def add(ki: int, how: str, score: float) -> None:
            for pid in self.owners[ki]:
                if pid not in seen:
                    seen[pid] = Match(pid, self.shown[ki], how, score)

        pc = postcode_district(text)
        j = bisect.bisect_left(self.keys, q)
        if j < len(self.keys) and self.keys[j] == q:
            add(j, "exact", 100.0)
        elif pc and pc != q:
            k = bisect.bisect_left(self.keys, pc)
            if k < len(self.keys) and self.keys[k] == pc:
                add(k, "exact", 100.0)
        if seen:
            exact = list(seen.values())
            return Found(exact[:limit], len(exact) > 1)
        starts = sorted(self._prefix(self.keys, q, lambda k: k, limit), key=lambda i: (len(self.keys[i]), i))
        for i in starts:
            add(i, "prefix", 95.0)
        if len(seen) < limit:
            inner = self._prefix(self.words, q, lambda w: w[0], limit)
            for i in sorted({self.words[w][1] for w in inner}, key=lambda i: (len(self.keys[i]), i)):
                add(i, "prefix", 90.0)
        if not seen and len(q) >= 3:
            lo, hi = len(q) * 2 // 3, len(q) * 3 // 2 + 1
            scored: dict[int, float] = {}
            for b in ((0, q[0]), (1, q[1])):
                if b not in self.buckets:
                    continue
                lens, bkeys, idx = self.buckets[b]
                a, z = bisect.bisect_left(lens, lo), bisect.bisect_right(lens, hi)
                for _, score, j in process.extract(q, bkeys[a:z], scorer=fuzz.ratio, limit=limit * 2,
                                                   score_cutoff=cutoff):
                    scored[idx[a + j]] = float(score)
                if scored:  # the second-character bucket only when the first letter found nothing
                    break
            for i, score in sorted(scored.items(), key=lambda kv: -kv[1]):
                add(i, "fuzzy", score)
        matches = sorted(seen.values(), key=lambda m: -m.score)[:limit]
        ambiguous = len(matches) > 1 and matches[0].how != "prefix" and matches[1].score >= matches[0].score - 3
        return Found(matches, ambiguous)


    def suggest(self, text: str, limit: int = 5) -> list[Match]:
        """Near misses for a name `find` did not recognise ("did you mean"), best first."""
        found = self.find(text, limit=limit, cutoff=60.0)
        return found.matches


@cache
def uk_area_names() -> dict[str, dict[str, str]]:
    """The packaged names of the UK's 382 counting areas of 2016 (data/uk-area-names.csv): for each ONS
    area code, its official, short and Welsh names and other common forms ("also", ';'-separated)."""
    text = resources.files("voxpop.places").joinpath("data/uk-area-names.csv").read_text(encoding="utf-8")
    return {r["id"]: r for r in csv.DictReader(text.splitlines())}


def place_aliases(place_id: str, name: str, context: dict | None = None) -> list[str]:
    """Every name a place is known by: its own, everyday variants, alternative names given in its context
    (keys starting `name_`), and, for a UK area code, the packaged short, Welsh and common names."""
    names = [name or place_id, place_id]
    names += [str(v) for k, v in (context or {}).items() if k.startswith("name_") and v]
    known = uk_area_names().get(place_id)
    if known:
        names += [known["name"], known["name_short"], known["name_cy"], *known["also"].split(";")]
    out = [n for n in names if n]
    for n in list(out):
        out += name_variants(n)
    return list(dict.fromkeys(out))
