"""Representative quotes and extractive candidate statements (exact spans, never paraphrased)."""

from __future__ import annotations

import re

import numpy as np

from voxpop.listen.embed import WORD_TOKENS

_TOKEN = re.compile(WORD_TOKENS)
_CLAUSE = re.compile(r"[,;:—–]\s")
_TRAIL = " \t\n,;:—–-"


def representative(idx: np.ndarray, vectors: np.ndarray, testimony_of: list[str], texts: list[str],
                   limit: int = 5) -> list[tuple[int, float]]:
    """(claim index, cosine to centroid) of the most central claims, one per testimony."""
    if len(idx) == 0:
        return []
    V = vectors[idx]
    c = V.mean(axis=0)
    c /= np.linalg.norm(c) or 1.0
    sims = V @ c
    words = np.array([len(_TOKEN.findall(texts[i])) for i in idx])
    good = (words >= 5) & (words <= 60)
    order = np.lexsort((-sims, ~good))
    out, seen = [], set()
    for j in order:
        t = testimony_of[idx[j]]
        if t in seen:
            continue
        seen.add(t)
        out.append((int(idx[j]), round(float(sims[j]), 4)))
        if len(out) >= limit:
            break
    return out


def trim_span(text: str, start: int, end: int, limit: int) -> tuple[int, int, bool]:
    """Largest prefix span of text[start:end] within `limit` characters, cut at a clause or word boundary."""
    if end - start <= limit:
        return start, end, False
    window = text[start:start + limit + 1]
    cut = None
    for m in _CLAUSE.finditer(window):
        if m.start() <= limit and m.start() >= limit // 3:
            cut = m.start()
    if cut is None:
        space = window.rfind(" ", 0, limit + 1)
        cut = space if space > 0 else limit
    kept = text[start:start + cut].rstrip(_TRAIL)
    if not kept:
        kept = text[start:start + limit]
    return start, start + len(kept), True


def make_candidates(quotes: list[tuple[int, float]], claims: list, theme_id, limit: int,
                    seen: set[str], prefix: str, per_theme: int = 3) -> list[dict]:
    """Up to `per_theme` candidate statements from quotes; `seen` dedupes across themes."""
    out = []
    for ci, _ in quotes:
        c = claims[ci]
        s, e, trimmed = trim_span(c["_ttext"], c["start"], c["end"], limit)
        text = c["_ttext"][s:e]
        key = " ".join(text.lower().split())
        if len(_TOKEN.findall(text)) < 3 or key in seen:  # too short to vote on
            continue
        seen.add(key)
        out.append({"id": f"{prefix}{theme_id}.{len(out) + 1}", "text": text, "length": len(text),
                    "trimmed": trimmed, "theme": theme_id, "claim": c["id"], "testimony": c["testimony"],
                    "source": c["_source"], "start": s, "end": e, "source_start": c["_source_start"]})
        if len(out) >= per_theme:
            break
    return out
