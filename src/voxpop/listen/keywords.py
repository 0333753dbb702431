"""Distinctive keywords per theme with class-based TF-IDF (c-TF-IDF, as in BERTopic)."""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
from scipy.sparse import csr_matrix
from sklearn.feature_extraction.text import CountVectorizer

from voxpop.listen.embed import _CJK, WORD_TOKENS

_CJK_SPACE = re.compile(rf"(?<=[{_CJK}]) (?=[{_CJK}])")

# scikit-learn's English list plus these; stop-words' own English list is too broad ("work", "home")
STOP_LANGUAGES = ("german", "french", "spanish", "italian", "dutch", "portuguese", "chinese")
KEEP = {"car"}  # French "car" (= because) is an English content word


@lru_cache(maxsize=1)
def stop_words() -> list[str]:
    """Stop words of the main Latin-script languages (testimony may mix them), lower case."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS
    from stop_words import get_stop_words

    words = set(ENGLISH_STOP_WORDS)
    for lang in STOP_LANGUAGES:
        words.update(w.lower() for w in get_stop_words(lang))
    words -= KEEP
    # tokenised like the texts, so scikit-learn sees a consistent list
    return sorted(words | {tok for w in words for tok in re.findall(WORD_TOKENS, w)})


def ctfidf_keywords(texts: list[str], labels: list, top: int = 8) -> dict:
    """{label: [(term, score), ...]} for each distinct label (any hashable); best first."""
    classes = sorted(set(labels), key=str)
    out: dict = {c: [] for c in classes}
    if not texts:
        return out
    vec = CountVectorizer(token_pattern=WORD_TOKENS, stop_words=stop_words(), ngram_range=(1, 2),
                          min_df=1 if len(texts) < 200 else 2, max_features=200_000)
    try:
        X = vec.fit_transform(texts)
    except ValueError:  # nothing but stop words
        return out
    index = {c: i for i, c in enumerate(classes)}
    rows = np.array([index[lab] for lab in labels])
    M = csr_matrix((np.ones(len(rows)), (rows, np.arange(len(rows)))), shape=(len(classes), len(rows)))
    T = np.asarray((M @ X).todense(), dtype=np.float64)  # classes x terms
    tf = T / np.maximum(T.sum(axis=1, keepdims=True), 1)
    f = T.sum(axis=0)
    avg = T.sum() / max(len(classes), 1)
    score = tf * np.log1p(avg / np.maximum(f, 1))
    if len(classes) >= 4:  # words found in most themes (e.g. another language's stop words) say nothing
        score[:, (T > 0).sum(axis=0) > len(classes) / 2] = 0.0
    terms = vec.get_feature_names_out()
    for c, i in index.items():
        order = np.argsort(-score[i], kind="stable")
        picked: list[tuple[str, float]] = []
        for j in order:
            if score[i, j] <= 0 or len(picked) >= top:
                break
            term = _CJK_SPACE.sub("", str(terms[j]))
            if len(term) < 2:  # a lone character (Chinese, Japanese) is not a keyword
                continue
            # skip a unigram already inside a picked bigram, and vice versa
            if any(term in p or p in term for p, _ in picked):
                continue
            picked.append((term, round(float(score[i, j]), 5)))
        out[c] = picked
    return out


def label_of(keywords: list[tuple[str, float]], n: int = 3) -> str:
    return " · ".join(t for t, _ in keywords[:n]) or "(no distinctive words)"
