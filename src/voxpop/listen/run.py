"""listen(): testimony files -> the `themes` section of the analysis document (docs/listening.md)."""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from voxpop.listen.blocks import SMALL_CELL, Context, mark_mixed, theme_block, unit_centroid
from voxpop.listen.candidates import Candidates
from voxpop.listen.embed import embed
from voxpop.listen.io import TEMPLATES, TestimonyError, read_sources
from voxpop.listen.keywords import content_words, label_for, name_groups, phrases
from voxpop.listen.language import UNKNOWN, detect, name_of
from voxpop.listen.split import split_text
from voxpop.listen.themes import LOOSE, by_size, cluster

Progress = Callable[[str, int, int], None] | None  # (stage, done, total)
MIN_CONTENT_WORDS = 2  # fewer: chatter ("I agree", "test"), gathered as "other"
NAME_SAMPLE = 20_000
MIN_THEME = 3  # claims; smaller groups go to "other"
# a speaker describing themselves ("I am between 20 and 25 years old.") is not a theme: "other"
_ABOUT_ME = re.compile(r"^\W*(i am|i'm|i identify|i live|i consider myself|i have a disability|i receive|"
                       r"my (age|gender|ethnicity))\b.*\b(years?|age|old|older|female|male|woman|man|gender|"
                       r"ethnic\w*|disab\w+|rural|urban|born|retired|student|british|white|black|asian|"
                       r"lgbt\w*|non-binary|benefits|income|employed|unemployed)\b", re.IGNORECASE)
DUPLICATE_COSINE = {"minilm": 0.9, "tfidf": 0.95}


def _themes_by_language(vectors: np.ndarray, langs: list[str], other: np.ndarray) -> tuple[np.ndarray,
                                                                                           np.ndarray, dict]:
    """(theme per claim or -1, sub-theme per claim or -1, per-language method details)."""
    n = len(langs)
    labels, subs = np.full(n, -1), np.full(n, -1)
    details: dict = {}
    larr = np.array(langs)
    nxt = 0
    groups = [lang for lang in dict.fromkeys(langs) if lang != UNKNOWN and ((larr == lang) & ~other).any()]
    for lang in groups:
        idx = np.flatnonzero((larr == lang) & ~other)
        cl = cluster(vectors[idx], whole=len(groups) == 1)
        labels[idx] = cl.labels + nxt
        subs[idx] = cl.sublabels
        nxt += cl.k
        details[lang] = {"claims": len(idx), "themes": cl.k, "one_topic": cl.one_topic, "silhouette": cl.top.silhouette, "gap": cl.top.gap,
                         "micro_clusters": cl.micro_clusters, "k_range": list(cl.k_range),
                         "silhouettes": {str(k): v for k, v in cl.top.silhouettes.items()},
                         "reference": {str(k): v for k, v in cl.top.reference.items()}}
    sizes = Counter(labels[labels >= 0].tolist())
    for t, s in sizes.items():
        if s < MIN_THEME:
            labels[labels == t] = -1
            subs[labels == -1] = -1
    keep = labels >= 0
    if keep.any():
        labels[keep] = by_size(labels[keep])
    return labels, subs, details


def _main_themes(claims: list[dict], vectors: np.ndarray, centroids: dict) -> dict[str, int]:
    """A testimony's main theme: the theme centroid nearest to the mean of its themed claims' vectors."""
    if not centroids:
        return {}
    ids = list(centroids)
    C = np.array([centroids[t] for t in ids])
    acc: dict[str, np.ndarray] = {}
    for i, c in enumerate(claims):
        if c["theme"] is not None:
            acc[c["testimony"]] = acc.get(c["testimony"], 0) + vectors[i]
    return {t: ids[int(np.argmax(C @ v))] for t, v in acc.items()}


def listen(sources: Sequence[str | Path], *, model: str = "auto", progress: Progress = None,
           max_statement_length: int = 280, threads: int | None = None) -> dict:
    """Read, split, embed, cluster, label; return the themes section (with its meta)."""
    if max_statement_length < 20:
        raise TestimonyError(TEMPLATES[20], n=max_statement_length)
    t0 = time.perf_counter()
    srcs, testimonies = read_sources(list(sources))
    t1 = time.perf_counter()
    claims: list[dict] = []
    for i, t in enumerate(testimonies):
        for c in split_text(t.text, t.id):
            claims.append({"id": c.id, "testimony": t.id, "start": c.start, "end": c.end, "text": c.text})
        if progress and (i % 200 == 0 or i == len(testimonies) - 1):
            progress("split", i + 1, len(testimonies))
    if not claims:
        raise TestimonyError(TEMPLATES[21])
    t_lang, languages = detect([t.text for t in testimonies])
    lang_of = {t.id: code for t, code in zip(testimonies, t_lang, strict=True)}
    langs = [lang_of[c["testimony"]] for c in claims]
    t2 = time.perf_counter()
    texts = [c["text"] for c in claims]
    emb = embed(texts, model, (lambda d, n: progress("embed", d, n)) if progress else None, threads)
    t3 = time.perf_counter()
    if progress:
        progress("themes", 0, 1)
    chatter = np.array([content_words(t) < MIN_CONTENT_WORDS or bool(_ABOUT_ME.match(t) and len(t) < 120)
                        for t in texts])
    labels, subs, details = _themes_by_language(emb.vectors, langs, chatter)
    k = int(labels.max()) + 1 if (labels >= 0).any() else 0
    t4 = time.perf_counter()
    for row, lab, sub in zip(claims, labels.tolist(), subs.tolist(), strict=True):
        row["theme"] = lab if lab >= 0 else None
        row["subtheme"] = f"{lab}.{sub}" if lab >= 0 and sub >= 0 else None
    tby = {t.id: t for t in testimonies}
    attributes = sorted({a for t in testimonies for a in t.attributes})
    claim_counts = Counter(c["testimony"] for c in claims)
    place_totals: Counter = Counter()
    attr_totals: dict[str, Counter] = {a: Counter() for a in attributes}
    for t in testimonies:
        place_totals[t.place] += claim_counts[t.id]
        for a in attributes:
            attr_totals[a][t.attributes.get(a)] += claim_counts[t.id]
    cands = Candidates(claims, emb.vectors, langs, max_statement_length, DUPLICATE_COSINE[emb.model])
    ctx = Context(claims, tby, emb.vectors, langs, {t.id: i for i, t in enumerate(testimonies)}, attributes,
                  place_totals, attr_totals, cands)
    # names are counted on at most NAME_SAMPLE sentences (a fixed-seed sample): shares barely move, time does
    sample = np.arange(len(texts))
    if len(texts) > NAME_SAMPLE:
        sample = np.sort(np.random.default_rng(0).choice(len(texts), NAME_SAMPLE, replace=False))
    at = np.full(len(texts), -1)
    at[sample] = np.arange(len(sample))
    ph = phrases([texts[i] for i in sample], [langs[i] for i in sample])
    svec = emb.vectors[sample]

    def named(gs: list[np.ndarray]) -> list[tuple[list[tuple[str, float]], str]]:
        rows = [at[g][at[g] >= 0] for g in gs]
        kws = name_groups(ph, rows, svec, namer)
        return [(kw, label_for(ph, r, kw, langs[g[0]] if len(g) else "en"))
                for kw, r, g in zip(kws, rows, gs, strict=True)]

    def embed_phrases(items: list[str]) -> np.ndarray:
        return embed(items, "minilm", threads=threads).vectors

    namer = embed_phrases if emb.model == "minilm" else None
    groups = [np.flatnonzero(labels == t) for t in range(k)]
    centroids = {t: unit_centroid(emb.vectors, g) for t, g in enumerate(groups)}
    names = named(groups)
    themes = []
    for ti, members in enumerate(groups):
        lang = langs[members[0]]
        block = theme_block(ti, members, ctx, *names[ti], centroids, lang)  # first: it gets the best candidates
        sub_of = subs[members]
        if (sub_of >= 0).any():  # sub-theme names distinguish it from its siblings
            sgroups = [members[sub_of == s] for s in range(int(sub_of.max()) + 1)]
            snames = named(sgroups)
            scent = {s: unit_centroid(emb.vectors, g) for s, g in enumerate(sgroups)}
            for s, g in enumerate(sgroups):
                block["subthemes"].append(theme_block(f"{ti}.{s}", g, ctx, *snames[s], scent, lang, own=s))
        themes.append(block)
    mark_mixed(themes, LOOSE)
    other = np.flatnonzero(labels < 0)
    t5 = time.perf_counter()
    main_theme = _main_themes(claims, emb.vectors, centroids)
    lang_claims = Counter(langs)
    lang_themes = Counter(b["language"] for b in themes)
    return {
        "schema": "voxpop.themes", "schema_version": 2,
        "meta": {
            "generated_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "embedding": {"model": emb.model, "name": emb.name, "dim": int(emb.vectors.shape[1]),
                          "requested": model, "fallback_reason": emb.fallback_reason,
                          "cache_hits": emb.cache_hits, "cache_misses": emb.cache_misses,
                          "runtime": emb.extra.get("runtime"), "precision": emb.extra.get("precision")},
            "method": {"name": "language-ward-reference-gap", "seed": 0, "by_language": details},
            "languages": [{"code": code, "name": name_of(code), "testimonies": t_lang.count(code),
                           "claims": lang_claims[code], "themes": lang_themes[code]}
                          for code in [*languages, *([UNKNOWN] if UNKNOWN in t_lang else [])]],
            "language_detection": "py3langid, per testimony, restricted to the corpus's own languages",
            "counts": {"sources": len(srcs), "testimonies": len(testimonies), "claims": len(claims),
                       "speakers": len({t.speaker for t in testimonies}), "themes": k, "other": len(other)},
            "max_statement_length": max_statement_length, "small_cell_min_speakers": SMALL_CELL,
            "timings": {"read_s": round(t1 - t0, 3), "split_s": round(t2 - t1, 3), "embed_s": round(t3 - t2, 3),
                        "cluster_s": round(t4 - t3, 3), "label_s": round(t5 - t4, 3),
                        "total_s": round(time.perf_counter() - t0, 3)},
        },
        "sources": [{"id": s.id, "path": s.path, "kind": s.kind, "sha256": s.sha256, "testimonies": s.n_testimonies}
                    for s in srcs],
        "testimonies": [{"id": t.id, "source": t.source, "line": t.line, "source_start": t.source_start,
                         "speaker": t.speaker, "place": t.place, "attributes": t.attributes, "text": t.text,
                         "language": lang_of[t.id],
                         "claims": [f"{t.id}:{i}" for i in range(claim_counts[t.id])],
                         "theme": main_theme.get(t.id)}
                        for t in testimonies],
        "claims": [{k: c[k] for k in ("id", "testimony", "start", "end", "text", "theme", "subtheme")}
                   for c in claims],
        "themes": themes,
        "other": {"label": "Other: too short to theme, or too rare to be a theme of its own",
                  "size": len(other), "share": round(len(other) / len(claims), 4),
                  "chatter": int(chatter.sum()),
                  "claims": [claims[i]["id"] for i in other],
                  "examples": [{"claim": claims[i]["id"], "testimony": claims[i]["testimony"],
                                "text": claims[i]["text"]} for i in other[:10]]},
    }
