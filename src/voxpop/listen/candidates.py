"""Representative quotes and candidate statements that stand alone (exact spans, never paraphrased).

A candidate is one whole sentence somebody said that makes sense without its neighbours: it starts
with a capital (or a CJK character), has 8-25 words (10-60 CJK characters), asks no question, has no
semicolon, does not end mid-thought ("...", ":", ","), and does not open with a word that points at
something said before ("Then", "They", "It", "And", "But", "This"...). The only change ever made to
the words is a full stop added to a sentence that ends without one ("tidied"). Sentences that say the
same thing (cosine of their embeddings >= DUPLICATE_COSINE) are one candidate, linked to every
testimony that says it. See docs/listening.md "Candidate statements".
"""

from __future__ import annotations

import re

import numpy as np

from voxpop.i18n import N_
from voxpop.listen.embed import _CJK

_WORD = re.compile(rf"[^\W_{_CJK}]+(?:['’][^\W_{_CJK}]+)*")
_CJK_CHAR = re.compile(rf"[{_CJK}]")
_FIRST = re.compile(r"[\"'“‘(\[]*([^\W_]+)")
MIN_WORDS, MAX_WORDS = 8, 25
MIN_CJK, MAX_CJK = 10, 60
PER_THEME = 3
SCAN = 300  # most central sentences of a theme looked at for candidates
# words that, opening a sentence, point back at something said before it
LEADING = {
    "en": {"then", "they", "them", "it", "its", "and", "but", "this", "that", "these", "those", "he", "she",
           "him", "her", "his", "so", "also", "which", "or", "because", "plus", "too", "yes", "no", "well",
           "otherwise", "still", "although", "though", "however", "therefore", "thus", "hence", "besides",
           "anyway", "same", "such", "nor", "yet", "again", "instead", "meanwhile", "afterwards", "here",
           "agree", "disagree", "ok", "okay", "now", "exactly", "true", "indeed", "likewise", "either", "neither"},
    "de": {"dann", "sie", "es", "und", "aber", "das", "dies", "diese", "dieser", "dieses", "er", "also",
           "oder", "denn", "deshalb", "daher", "trotzdem", "außerdem", "auch", "ja", "nein", "dafür",
           "dagegen", "damit", "dazu", "davon", "doch", "sondern", "genau", "stimmt"},
    "fr": {"alors", "ils", "elles", "il", "elle", "et", "mais", "ce", "cela", "ça", "ceci", "donc", "aussi",
           "puis", "ou", "car", "oui", "non", "cependant"},
    "es": {"entonces", "ellos", "ellas", "él", "ella", "y", "pero", "esto", "eso", "esta", "este", "así",
           "también", "o", "porque", "sí", "no", "luego"},
    "zh": {"但是", "但", "而且", "所以", "因此", "相反", "的確", "他們", "他", "她", "它", "這", "那", "然後", "至少",
           "和", "或", "而", "因為", "也", "還有", "同意", "不同意", "對"},
}
_QUESTION = re.compile(r"[?？]")
_BAD_END = re.compile(r"(\.\.\.|…|[:,;\-–—(])[\"'”’)\]]*$")
_ABBREV_END = re.compile(r"\b(bzw|z\.\s?B|usw|u\.a|etc|e\.g|i\.e|vs|ca)\.?$", re.IGNORECASE)
_TRAILING = frozenset({"and", "or", "but", "because", "so", "to", "of", "the", "a", "an", "with", "for", "that",
                       "which", "und", "oder", "aber", "weil", "dass", "der", "die", "das", "et", "ou", "y"})
_END = re.compile(r"[.!。！][\"'”’)\]]*$")


def word_count(text: str) -> int:
    return len(_WORD.findall(_CJK_CHAR.sub(" ", text))) + len(_CJK_CHAR.findall(text))


def refusal(text: str, lang: str) -> str | None:
    """Why this sentence cannot stand alone as a statement, or None when it can."""
    t = text.strip()
    if not t:
        return "empty"
    cjk = len(_CJK_CHAR.findall(t))
    if cjk:
        if not MIN_CJK <= cjk + len(_WORD.findall(_CJK_CHAR.sub(" ", t))) <= MAX_CJK:
            return f"not {MIN_CJK}-{MAX_CJK} characters"
    else:
        n = word_count(t)
        if not MIN_WORDS <= n <= MAX_WORDS:
            return f"{n} words, not {MIN_WORDS}-{MAX_WORDS}"
    if _QUESTION.search(t):
        return "a question"
    if ";" in t or "；" in t:
        return "more than one idea (semicolon)"
    words = _WORD.findall(t)
    if _BAD_END.search(t) or _ABBREV_END.search(t) or (words and words[-1].lower() in _TRAILING
                                                          and not _END.search(t)):
        return "ends mid-thought"
    if cjk and any(t.startswith(w) for w in LEADING["zh"]):
        return "starts with a word that points at something said before"
    m = _FIRST.match(t)
    if m is None:
        return "does not start with a word"
    first = m.group(1)
    if not cjk and not (first[0].isupper() or first[0].isdigit()):
        return "does not start a sentence (lower case)"
    if first.lower() in LEADING.get(lang, LEADING["en"]) | LEADING["en"]:
        return f"starts with {first!r}, which points at something said before"
    return None


def tidy(text: str) -> tuple[str, list[str]]:
    """The statement text for a stand-alone sentence: a full stop added when it has no final punctuation."""
    t = text.strip()
    if not _END.search(t) and not _CJK_CHAR.search(t[-1:]):
        return t + ".", ["added a full stop"]
    if _CJK_CHAR.search(t[-1:]):
        return t + "。", ["added a full stop"]
    return t, []


def centrality(idx: np.ndarray, vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(cosine of each member to the theme centroid, its typicality = percentile rank among the members)."""
    V = vectors[idx]
    c = V.mean(axis=0)
    c /= np.linalg.norm(c) or 1.0
    sims = V @ c
    ranks = sims.argsort(kind="stable").argsort(kind="stable")
    typ = (ranks + 1) / len(idx) if len(idx) else ranks
    return sims, typ


def typical_words(typicality: float) -> str:
    if typicality >= 0.75:
        return N_("very typical of this theme")
    if typicality >= 0.4:
        return N_("typical of this theme")
    return N_("less typical of this theme")


def representative(idx: np.ndarray, sims: np.ndarray, testimony_of: list[str], texts: list[str],
                   limit: int = 5) -> list[tuple[int, int]]:
    """(claim index, position in idx) of the most central claims, one per testimony, preferring 5-60 words."""
    if len(idx) == 0:
        return []
    words = np.array([word_count(texts[i]) for i in idx])
    good = (words >= 5) & (words <= 60)
    order = np.lexsort((-sims, ~good))
    out, seen = [], set()
    for j in order:
        t = testimony_of[idx[j]]
        if t in seen:
            continue
        seen.add(t)
        out.append((int(idx[j]), int(j)))
        if len(out) >= limit:
            break
    return out


class Candidates:
    """Picks candidates theme by theme; remembers what was picked so none is offered twice."""

    def __init__(self, claims: list[dict], vectors: np.ndarray, langs: list[str], limit: int,
                 duplicate_cosine: float):
        self.claims, self.vectors, self.langs, self.limit = claims, vectors, langs, limit
        self.dup = duplicate_cosine
        self.keys: set[str] = set()
        self.picked: list[np.ndarray] = []
        self.by_lang = {lang: np.flatnonzero(np.array(langs) == lang) for lang in set(langs)}
        self.by_text: dict[str, list[int]] = {}
        for i, c in enumerate(claims):
            self.by_text.setdefault(" ".join(c["text"].lower().split()), []).append(i)

    def _said_by(self, ci: int) -> list[int]:
        """Every claim (same language) that says the same: near-identical embedding or the same words."""
        pool = self.by_lang[self.langs[ci]]
        sims = self.vectors[pool] @ self.vectors[ci]
        same = {int(j) for j in pool[sims >= self.dup]}
        same.update(self.by_text[" ".join(self.claims[ci]["text"].lower().split())])
        return sorted(same | {ci})

    def for_theme(self, theme_id, idx: np.ndarray, sims: np.ndarray, typ: np.ndarray,
                  link: dict) -> list[dict]:
        out: list[dict] = []
        for j in np.argsort(-sims, kind="stable")[:SCAN]:
            ci = int(idx[j])
            c = self.claims[ci]
            if refusal(c["text"], self.langs[ci]) is not None:
                continue
            text, edits = tidy(c["text"])
            key = " ".join(text.lower().split())
            if len(text) > self.limit or key in self.keys:
                continue
            v = self.vectors[ci]
            if any(float((p @ v).max()) >= self.dup for p in self.picked):
                continue
            self.keys.add(key)
            self.picked.append(v[None, :])
            said = self._said_by(ci)
            t = link[c["testimony"]]
            out.append({"id": f"c{theme_id}.{len(out) + 1}", "text": text, "length": len(text),
                        "tidied": edits, "quote": c["text"], "theme": theme_id, "claim": c["id"],
                        "testimony": c["testimony"], "source": t["source"], "start": c["start"], "end": c["end"],
                        "source_start": t["source_start"], "speaker": t["speaker"], "place": t["place"],
                        "typicality": round(float(typ[j]), 3),
                        "said_by": [{"claim": self.claims[k]["id"], "testimony": self.claims[k]["testimony"],
                                     "start": self.claims[k]["start"], "end": self.claims[k]["end"]}
                                    for k in said],
                        "n_testimonies": len({self.claims[k]["testimony"] for k in said})})
            if len(out) >= PER_THEME:
                break
        return out
