"""One theme's (or sub-theme's) block of the themes section: counts, quotes, breakdowns, candidates, quality."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

import numpy as np

from voxpop.i18n import N_
from voxpop.listen.candidates import Candidates, centrality, representative, typical_words
from voxpop.listen.io import Testimony
from voxpop.listen.language import name_of

SMALL_CELL = 5


@dataclass
class Context:
    claims: list[dict]
    tby: dict[str, Testimony]
    vectors: np.ndarray
    langs: list[str]  # per claim
    torder: dict[str, int]
    attributes: list[str]
    place_totals: Counter
    attr_totals: dict[str, Counter]
    candidates: Candidates
    centroids: dict = field(default_factory=dict)  # theme id -> unit centroid (top-level themes)

    @property
    def testimony_of(self) -> list[str]:
        return [c["testimony"] for c in self.claims]


def _cells(members: list[int], ctx: Context, key, totals: Counter) -> list[dict]:
    """Per-value counts for one theme, with the small-cell rule (< SMALL_CELL distinct speakers)."""
    groups: dict = defaultdict(list)
    for ci in members:
        groups[key(ctx.tby[ctx.claims[ci]["testimony"]])].append(ci)
    rows = []
    for value, cis in sorted(groups.items(), key=lambda kv: (kv[0] is None, str(kv[0]))):
        tids = {ctx.claims[ci]["testimony"] for ci in cis}
        speakers = {ctx.tby[t].speaker for t in tids}
        small = len(speakers) < SMALL_CELL
        rows.append({"value": value,
                     "n_claims": None if small else len(cis),
                     "n_testimonies": None if small else len(tids),
                     "n_speakers": None if small else len(speakers),
                     "share": None if small else round(len(cis) / totals[value], 4),
                     "suppressed": small})
    return rows


# "how sure" in words (stored in English, shown in the reader's language: they are catalog entries)
SURE_ONLY = N_("the only theme: nothing to compare it with")
SURE_CLEAR = N_("clear: its sentences are much closer to each other than to any other theme")
SURE_FAIRLY = N_("fairly clear: most of its sentences sit nearer this theme than any other")
SURE_LOOSE = N_("loose: it shades into other themes, so read its quotes before relying on it")
SURE_MIXED = N_("mixed: its sentences are much less alike than in the other themes, so it may hold several "
                "small topics and its name fits only some of them; read its quotes")


def sure_words(margin: float | None) -> str:
    """How sure we are that a theme is a theme of its own, from its separation margin (docs/listening.md)."""
    if margin is None:
        return SURE_ONLY
    if margin >= 0.15:
        return SURE_CLEAR
    if margin >= 0.05:
        return SURE_FAIRLY
    return SURE_LOOSE


def mark_mixed(blocks: list[dict], loose: float) -> None:
    """A top-level theme whose coherence is under `loose` x the median of its language's themes (3 or more)
    is a bag of small topics that could not be cut apart: its "how sure" says so, whatever its margin."""
    by_language: dict[str, list[dict]] = defaultdict(list)
    for b in blocks:
        if b.get("coherence") is not None:
            by_language[b["language"]].append(b)
    for group in by_language.values():
        if len(group) < 3:
            continue
        limit = loose * float(np.median([b["coherence"] for b in group]))
        for b in group:
            if b["coherence"] < limit:
                b["sure"] = SURE_MIXED


def quality(members: np.ndarray, sims: np.ndarray, own, others: dict, vectors: np.ndarray) -> dict:
    """Coherence (mean cosine to the centroid) and margin (mean of own minus nearest other centroid cosine)."""
    coherence = round(float(sims.mean()), 4) if len(sims) else None
    rest = [c for t, c in others.items() if t != own]
    margin = None
    if rest and len(members):
        nearest = (vectors[members] @ np.array(rest).T).max(axis=1)
        margin = round(float((sims - nearest).mean()), 4)
    return {"coherence": coherence, "margin": margin, "sure": sure_words(margin)}


def theme_block(tid, members: np.ndarray, ctx: Context, kw: list[tuple[str, float]], label: str, siblings: dict,
                language: str, own=None) -> dict:
    """`siblings` holds the unit centroids of this theme and its siblings, keyed like `own` (default: tid)."""
    claims, tby = ctx.claims, ctx.tby
    texts = [c["text"] for c in claims]
    sims, typ = centrality(members, ctx.vectors)
    quotes = []
    for ci, j in representative(members, sims, ctx.testimony_of, texts):
        c = claims[ci]
        t = tby[c["testimony"]]
        quotes.append({"claim": c["id"], "testimony": t.id, "source": t.source, "start": c["start"],
                       "end": c["end"], "source_start": t.source_start, "text": c["text"],
                       "speaker": t.speaker, "place": t.place, "similarity": round(float(sims[j]), 4),
                       "typicality": round(float(typ[j]), 3), "typical": typical_words(float(typ[j]))})
    mlist = members.tolist()
    tids = sorted({claims[ci]["testimony"] for ci in mlist}, key=lambda t: ctx.torder[t])
    by_place = [{"place": r.pop("value"), **{("share_of_place" if k == "share" else k): v for k, v in r.items()}}
                for r in _cells(mlist, ctx, lambda t: t.place, ctx.place_totals)]
    by_attr = {}
    for a in ctx.attributes:
        rows = _cells(mlist, ctx, lambda t, a=a: t.attributes.get(a), ctx.attr_totals[a])
        by_attr[a] = [{**{("share_of_value" if k == "share" else k): v for k, v in r.items()}} for r in rows]
    link = {t: {"source": tby[t].source, "source_start": tby[t].source_start, "speaker": tby[t].speaker,
                "place": tby[t].place} for t in tids}
    candidates = ctx.candidates.for_theme(tid, members, sims, typ, link)
    return {"id": tid, "label": label, "keywords": [{"term": k, "score": s} for k, s in kw],
            "language": language, "language_name": name_of(language),
            "size": len(mlist), "share": round(len(mlist) / max(len(claims), 1), 4),
            "n_testimonies": len(tids), "n_speakers": len({tby[t].speaker for t in tids}),
            **quality(members, sims, tid if own is None else own, siblings, ctx.vectors),
            "testimonies": tids, "claims": [claims[ci]["id"] for ci in mlist], "quotes": quotes,
            "subthemes": [], "by_place": by_place, "by_attribute": by_attr, "candidates": candidates}


def unit_centroid(vectors: np.ndarray, members: np.ndarray) -> np.ndarray:
    c = vectors[members].mean(axis=0)
    return c / (np.linalg.norm(c) or 1.0)
