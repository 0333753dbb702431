"""listen(): testimony files -> the `themes` section of the analysis document (docs/listening.md)."""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from voxpop.listen.candidates import make_candidates, representative
from voxpop.listen.embed import embed
from voxpop.listen.io import Testimony, TestimonyError, read_sources
from voxpop.listen.keywords import ctfidf_keywords, label_of
from voxpop.listen.split import split_text
from voxpop.listen.themes import cluster

SMALL_CELL = 5
Progress = Callable[[str, int, int], None] | None  # (stage, done, total)


def _cells(members: list[int], claims: list[dict], tby: dict[str, Testimony], key, totals: Counter) -> list[dict]:
    """Per-value counts for one theme, with the small-cell rule (< SMALL_CELL distinct speakers)."""
    groups: dict = defaultdict(list)
    for ci in members:
        groups[key(tby[claims[ci]["testimony"]])].append(ci)
    rows = []
    for value, cis in sorted(groups.items(), key=lambda kv: (kv[0] is None, str(kv[0]))):
        tids = {claims[ci]["testimony"] for ci in cis}
        speakers = {tby[t].speaker for t in tids}
        small = len(speakers) < SMALL_CELL
        rows.append({"value": value,
                     "n_claims": None if small else len(cis),
                     "n_testimonies": None if small else len(tids),
                     "n_speakers": None if small else len(speakers),
                     "share": None if small else round(len(cis) / totals[value], 4),
                     "suppressed": small})
    return rows


def _main_themes(claims: list[dict], vectors: np.ndarray, labels: np.ndarray, k: int) -> dict[str, int]:
    """A testimony's main theme: the theme centroid nearest to the mean of its claims' vectors."""
    cent = np.zeros((k, vectors.shape[1]))
    np.add.at(cent, labels, vectors)
    cent /= np.maximum(np.linalg.norm(cent, axis=1, keepdims=True), 1e-12)
    ids = sorted({c["testimony"] for c in claims})
    row = {t: i for i, t in enumerate(ids)}
    tv = np.zeros((len(ids), vectors.shape[1]))
    np.add.at(tv, [row[c["testimony"]] for c in claims], vectors)
    best = (tv @ cent.T).argmax(axis=1)
    return {t: int(best[i]) for t, i in row.items()}


def _theme_block(tid, members: np.ndarray, ctx: dict, kw: list, subthemes: list[dict]) -> dict:
    claims, tby, vectors = ctx["claims"], ctx["tby"], ctx["vectors"]
    texts = [c["text"] for c in claims]
    quotes_idx = representative(members, vectors, ctx["testimony_of"], texts)
    quotes = []
    for ci, sim in quotes_idx:
        c = claims[ci]
        t = tby[c["testimony"]]
        quotes.append({"claim": c["id"], "testimony": t.id, "source": t.source, "start": c["start"],
                       "end": c["end"], "source_start": t.source_start, "text": c["text"],
                       "speaker": t.speaker, "place": t.place, "similarity": sim})
    mlist = members.tolist()
    tids = sorted({claims[ci]["testimony"] for ci in mlist}, key=ctx["torder"].get)
    by_place = [{"place": r.pop("value"), **{("share_of_place" if k == "share" else k): v for k, v in r.items()}}
                for r in _cells(mlist, claims, tby, lambda t: t.place, ctx["place_totals"])]
    by_attr = {}
    for a in ctx["attributes"]:
        rows = _cells(mlist, claims, tby, lambda t, a=a: t.attributes.get(a), ctx["attr_totals"][a])
        by_attr[a] = [{**{("share_of_value" if k == "share" else k): v for k, v in r.items()}} for r in rows]
    candidates = make_candidates(quotes_idx, ctx["claim_links"], tid, ctx["max_len"], ctx["seen"], "c")
    return {"id": tid, "label": label_of(kw), "keywords": [{"term": k, "score": s} for k, s in kw],
            "size": len(mlist), "share": round(len(mlist) / max(len(claims), 1), 4),
            "n_testimonies": len(tids), "n_speakers": len({tby[t].speaker for t in tids}),
            "testimonies": tids, "claims": [claims[ci]["id"] for ci in mlist], "quotes": quotes,
            "subthemes": subthemes, "by_place": by_place, "by_attribute": by_attr, "candidates": candidates}


def listen(sources: list[str | Path], *, model: str = "auto", progress: Progress = None,
           max_statement_length: int = 280, threads: int | None = None) -> dict:
    """Read, split, embed, cluster, label; return the themes section (with its meta)."""
    if max_statement_length < 20:
        raise TestimonyError(f"max statement length {max_statement_length} is too short; use at least 20")
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
        raise TestimonyError("no sentences found in the testimony (only punctuation or whitespace?)")
    t2 = time.perf_counter()
    texts = [c["text"] for c in claims]
    emb = embed(texts, model, (lambda d, n: progress("embed", d, n)) if progress else None, threads)
    t3 = time.perf_counter()
    if progress:
        progress("themes", 0, 1)
    cl = cluster(emb.vectors)
    t4 = time.perf_counter()
    for c, lab, sub in zip(claims, cl.labels.tolist(), cl.sublabels.tolist(), strict=True):
        c["theme"] = lab
        c["subtheme"] = f"{lab}.{sub}" if sub >= 0 else None
    tby = {t.id: t for t in testimonies}
    attributes = sorted({a for t in testimonies for a in t.attributes})
    claim_counts = Counter(c["testimony"] for c in claims)
    place_totals = Counter()
    attr_totals = {a: Counter() for a in attributes}
    for t in testimonies:
        place_totals[t.place] += claim_counts[t.id]
        for a in attributes:
            attr_totals[a][t.attributes.get(a)] += claim_counts[t.id]
    links = [{**c, "_ttext": tby[c["testimony"]].text, "_source": tby[c["testimony"]].source,
              "_source_start": tby[c["testimony"]].source_start} for c in claims]
    ctx = {"claims": claims, "tby": tby, "vectors": emb.vectors, "testimony_of": [c["testimony"] for c in claims],
           "torder": {t.id: i for i, t in enumerate(testimonies)}, "attributes": attributes,
           "place_totals": place_totals, "attr_totals": attr_totals, "claim_links": links,
           "max_len": max_statement_length, "seen": set()}
    kw_top = ctfidf_keywords(texts, cl.labels.tolist())
    themes = []
    for k in range(cl.k):
        members = np.flatnonzero(cl.labels == k)
        block = _theme_block(k, members, ctx, kw_top[k], [])  # first, so it gets its best candidates
        sub_of = cl.sublabels[members]
        if (sub_of >= 0).any():  # sub-theme keywords distinguish it from its siblings
            kw_sub = ctfidf_keywords([texts[i] for i in members], sub_of.tolist())
            for s in range(int(sub_of.max()) + 1):
                block["subthemes"].append(_theme_block(f"{k}.{s}", members[sub_of == s], ctx, kw_sub[s], []))
        themes.append(block)
    t5 = time.perf_counter()
    main_theme = _main_themes(claims, emb.vectors, cl.labels, cl.k)
    return {
        "schema": "voxpop.themes", "schema_version": 1,
        "meta": {
            "generated_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "embedding": {"model": emb.model, "name": emb.name, "dim": int(emb.vectors.shape[1]),
                          "requested": model, "fallback_reason": emb.fallback_reason,
                          "cache_hits": emb.cache_hits, "cache_misses": emb.cache_misses,
                          "runtime": emb.extra.get("runtime"), "precision": emb.extra.get("precision")},
            "method": {"name": "ward-silhouette", "pca_dims": cl.pca_dims, "micro_clusters": cl.micro_clusters,
                       "k_range": list(cl.k_range), "silhouette": cl.silhouette,
                       "silhouettes": {str(k): v for k, v in cl.silhouettes.items()}, "seed": 0},
            "counts": {"sources": len(srcs), "testimonies": len(testimonies), "claims": len(claims),
                       "speakers": len({t.speaker for t in testimonies}), "themes": cl.k},
            "max_statement_length": max_statement_length, "small_cell_min_speakers": SMALL_CELL,
            "timings": {"read_s": round(t1 - t0, 3), "split_s": round(t2 - t1, 3), "embed_s": round(t3 - t2, 3),
                        "cluster_s": round(t4 - t3, 3), "label_s": round(t5 - t4, 3),
                        "total_s": round(time.perf_counter() - t0, 3)},
        },
        "sources": [{"id": s.id, "path": s.path, "kind": s.kind, "sha256": s.sha256, "testimonies": s.n_testimonies}
                    for s in srcs],
        "testimonies": [{"id": t.id, "source": t.source, "line": t.line, "source_start": t.source_start,
                         "speaker": t.speaker, "place": t.place, "attributes": t.attributes, "text": t.text,
                         "claims": [f"{t.id}:{i}" for i in range(claim_counts[t.id])],
                         "theme": main_theme.get(t.id)}
                        for t in testimonies],
        "claims": [{k: c[k] for k in ("id", "testimony", "start", "end", "text", "theme", "subtheme")}
                   for c in claims],
        "themes": themes,
    }
