"""Sentence embeddings: MiniLM shipped inside a PyPI package (offline), or a TF-IDF + LSA fallback.

MiniLM runs with OpenVINO (voxpop.listen.minilm). Its vectors are cached on disk keyed by model,
runtime versions, precision (for int8 also the NNCF version) and the SHA-1 of the text (docs/listening.md).
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from voxpop.settings import Settings, cache_root, load_settings

MINILM_NAME = "sentence-transformers/all-MiniLM-L6-v2"
MINILM_KEY = "all-MiniLM-L6-v2"

Progress = Callable[[int, int], None] | None  # (done, total)


class EmbeddingError(RuntimeError):
    pass


@dataclass
class Embedded:
    vectors: np.ndarray  # (n, d) float32, rows L2-normalised
    model: str  # "minilm" | "tfidf"
    name: str
    requested: str
    fallback_reason: str | None = None
    cache_hits: int = 0
    cache_misses: int = 0
    extra: dict = field(default_factory=dict)


def minilm_available() -> str | None:
    """None when MiniLM can be used, else the reason it cannot."""
    from voxpop.listen import minilm

    return minilm.missing()


_MODELS: dict = {}


def _settings(threads: int | None, settings: Settings | None = None) -> tuple[int, str, bool]:
    """(threads, inference precision, whether it was chosen for the user) from the argument, the settings
    (VOXPOP_EMBED_THREADS / _PRECISION), or defaults."""
    from voxpop.listen.minilm import inference_precision

    try:
        settings = settings or load_settings()
        threads = threads or settings.embed_threads or os.cpu_count() or 1
        precision = inference_precision(settings.embed_precision)
    except ValueError as exc:
        raise EmbeddingError(f"bad embedding setting: {exc} (check VOXPOP_EMBED_THREADS and "
                             "VOXPOP_EMBED_PRECISION)") from None
    if threads < 1:
        raise EmbeddingError(f"threads must be at least 1, not {threads}")
    return threads, precision, settings.embed_precision == "auto"


def _load_minilm(threads: int, precision: str, fallback: bool = False):
    """One loaded model per (threads, precision) for the life of the process (the web worker reuses it).

    With fallback (precision chosen by `auto`), int8 that fails its check on this CPU becomes f32."""
    from voxpop.listen.minilm import Int8Error, MiniLM

    key = (threads, precision)
    if key not in _MODELS:
        try:
            model = MiniLM(threads, precision, fallback)
        except Int8Error as exc:
            raise EmbeddingError(str(exc)) from None
        _MODELS[key] = model
        _MODELS.setdefault((threads, model.precision), model)  # an int8 that fell back is the f32 model
    return _MODELS[key]


def cache_dir() -> Path:
    return cache_root() / "embeddings"


def _keys(texts: list[str]) -> np.ndarray:
    return np.array([hashlib.sha1(t.encode("utf-8")).digest() for t in texts], dtype="S20")


class EmbeddingCache:
    """Append-only shards of (sha1 key, vector); a run adds at most one new shard, written atomically."""

    def __init__(self, model_key: str, root: Path | None = None):
        self.dir = (root or cache_dir()) / model_key

    def lookup(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """(found mask, vectors for the found keys in order) ."""
        found = np.zeros(len(keys), bool)
        if not self.dir.is_dir():
            return found, None
        all_keys, all_vecs = [], []
        for f in sorted(self.dir.glob("*.npz")):
            try:
                with np.load(f) as z:
                    all_keys.append(z["keys"])
                    all_vecs.append(z["vecs"])
            except (OSError, ValueError, KeyError):
                continue  # a damaged shard is ignored; its texts are embedded again
        if not all_keys:
            return found, None
        ck = np.concatenate(all_keys)
        cv = np.concatenate(all_vecs)
        order = np.argsort(ck, kind="stable")
        ck = ck[order]
        pos = np.searchsorted(ck, keys)
        pos = np.minimum(pos, len(ck) - 1)
        found = ck[pos] == keys
        return found, cv[order[pos[found]]]

    def store(self, keys: np.ndarray, vecs: np.ndarray) -> None:
        if len(keys) == 0:
            return
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
            name = uuid.uuid4().hex
            tmp = self.dir / f".{name}.tmp.npz"
            np.savez(tmp, keys=keys, vecs=vecs.astype(np.float32))
            os.replace(tmp, self.dir / f"{name}.npz")
        except OSError:
            pass  # the cache is an optimisation; a read-only home must not fail the run


def embed_minilm(texts: list[str], progress: Progress = None, threads: int | None = None,
                 cache: EmbeddingCache | None = None) -> tuple[np.ndarray, int, int, str]:
    """(vectors, cache hits, cache misses, inference precision) for unique texts, embedding only new ones.

    Vectors are cached per precision (and for int8 per NNCF version and group size), so vectors of
    different precisions never mix."""
    from voxpop.listen import minilm

    threads, precision, fallback = _settings(threads)
    keys = _keys(texts)
    uniq_keys, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    for _ in range(2):  # a second time only when int8 fell back to f32 on this CPU
        store = cache or EmbeddingCache(f"{MINILM_KEY}-{minilm.versions()}-{minilm.cache_tag(precision)}")
        found, cached = store.lookup(uniq_keys)
        out = np.zeros((len(uniq_keys), minilm.DIM), np.float32)
        if cached is not None:
            out[found] = cached
        todo = np.flatnonzero(~found)
        if progress:
            progress(0, len(todo))
        if not len(todo):
            break
        model = _load_minilm(threads, precision, fallback)
        if model.precision != precision:
            precision = model.precision
            continue
        out[todo] = model.encode([texts[first[i]] for i in todo], progress)
        store.store(uniq_keys[todo], out[todo])
        break
    return out[inverse], int(found.sum()), len(todo), precision


TFIDF_DIMS = 32
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af"
# words of 2+ letters; in unspaced scripts (Chinese, Japanese, Korean) each character is a token
WORD_TOKENS = rf"(?u)[^\W\d_{_CJK}]{{2,}}|[{_CJK}]"


def embed_tfidf(texts: list[str], dims: int = TFIDF_DIMS, seed: int = 0) -> np.ndarray:
    from scipy.sparse import hstack
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.preprocessing import normalize

    n = len(texts)
    words = TfidfVectorizer(token_pattern=WORD_TOKENS, min_df=1 if n < 50 else 2, max_features=50_000,
                            sublinear_tf=True, stop_words="english", dtype=np.float32)
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), min_df=1 if n < 50 else 2,
                            max_features=100_000, sublinear_tf=True, dtype=np.float32)
    parts = []
    for vec in (words, chars):
        try:
            parts.append(normalize(vec.fit_transform(texts)))
        except ValueError:  # empty vocabulary (e.g. only stop words)
            continue
    if not parts:
        return np.zeros((n, 1), np.float32)
    X = normalize(hstack(parts).tocsr())
    k = min(dims, X.shape[1] - 1, n - 1)
    if k >= 2:
        X = TruncatedSVD(n_components=k, random_state=seed, algorithm="randomized").fit_transform(X)
    else:
        X = X.toarray()
    return normalize(np.asarray(X, dtype=np.float32))


def embed(texts: list[str], model: str = "auto", progress: Progress = None,
          threads: int | None = None) -> Embedded:
    if model not in ("auto", "minilm", "tfidf"):
        raise EmbeddingError(f"unknown model {model!r}; use auto, minilm or tfidf")
    reason = None
    if model in ("auto", "minilm"):
        reason = minilm_available()
        if reason is None:
            vecs, hits, misses, precision = embed_minilm(texts, progress, threads)
            return Embedded(vecs, "minilm", MINILM_NAME, model, None, hits, misses,
                            {"runtime": "openvino", "precision": precision})
        if model == "minilm":
            raise EmbeddingError(reason)
    vecs = embed_tfidf(texts)
    if progress:
        progress(len(texts), len(texts))
    return Embedded(vecs, "tfidf", f"tfidf-words+char2-4-lsa{TFIDF_DIMS}", model, reason, 0, len(texts))
