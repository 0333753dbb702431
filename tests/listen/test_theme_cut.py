"""The top-level cut: unrelated topics apart at the top, one topic's parts below it (themes.cluster)."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import adjusted_rand_score

from voxpop.listen.themes import cluster


def _topics(rng: np.random.Generator, topics: int, parts: int, per_part: int, d: int = 96) -> tuple:
    """Unit vectors: `topics` far-apart directions, each with `parts` closer sub-directions, plus noise."""
    X, topic, part = [], [], []
    for t in range(topics):
        centre = rng.standard_normal(d) * 3.0
        for p in range(parts):
            sub = centre + rng.standard_normal(d) * 1.2
            X.append(sub + rng.standard_normal((per_part, d)))
            topic += [t] * per_part
            part += [t * parts + p] * per_part
    V = np.vstack(X)
    return V / np.linalg.norm(V, axis=1, keepdims=True), np.array(topic), np.array(part)


def test_unrelated_topics_separate_at_the_top_and_their_parts_become_sub_themes():
    V, topic, part = _topics(np.random.default_rng(3), topics=4, parts=3, per_part=40)
    cl = cluster(V)
    assert cl.k == 4 and adjusted_rand_score(topic, cl.labels) > 0.95, cl.top.silhouettes
    assert cl.top.gap is not None and cl.top.gap >= 0.05
    assert all(g >= 0 for g in cl.sublabels)  # every theme has parts
    assert adjusted_rand_score(part, cl.labels * 10 + cl.sublabels) > 0.8


def test_one_structureless_cloud_is_one_theme_unless_it_is_everything():
    rng = np.random.default_rng(0)
    V = rng.standard_normal((400, 64))
    V /= np.linalg.norm(V, axis=1, keepdims=True)
    assert cluster(V).k == 1
    whole = cluster(V, whole=True)  # everything there is: its parts are named, flagged as one topic
    assert whole.one_topic and whole.k > 1


def test_a_theme_of_one_repeated_testimony_has_no_parts_and_does_not_fail():
    """Thousands of exact copies of one testimony (a campaign's paste) have no parts to cut; cutting them
    must not fail on a tree of a single point (a listening job once failed so in CI)."""
    from voxpop.listen.themes import MICRO_ABOVE, best_cut

    copies = np.tile(np.random.default_rng(5).standard_normal(64), (MICRO_ABOVE + 200, 1))
    cut = best_cut(copies, 8, 0.02, seed=0)
    assert cut.k == 1 and (cut.labels == 0).all()


def test_the_top_level_themes_are_what_most_pca_widths_agree_on():
    """Three of the five widths cut units {0,1} from {2,3}; two keep all four together: the consensus
    keeps the majority's cut, and a set every width keeps whole has no consensus tree."""
    from scipy.cluster.hierarchy import fcluster

    from voxpop.listen.themes import VIEWS, Cut, _consensus

    X = np.random.default_rng(0).standard_normal((4, 8))
    split, whole = np.array([0, 0, 1, 1]), np.zeros(4, int)
    cuts = {w: Cut(split if i < 3 else whole, 2 if i < 3 else 1, None, None) for i, w in enumerate(VIEWS)}
    tree = _consensus(X, np.arange(4), None, 2, 0, cuts)
    assert tree is not None
    assert adjusted_rand_score(split, fcluster(tree, 2, criterion="maxclust")) == 1.0
    assert _consensus(X, np.arange(4), None, 2, 0, {w: Cut(whole, 1, None, None) for w in VIEWS}) is None


def test_unrelated_topics_separate_at_the_top_through_micro_clusters():
    """Above MICRO_ABOVE claims every width votes on the same micro-clusters (the path 100,000 claims take)."""
    from voxpop.listen.themes import MICRO_ABOVE

    V, topic, _ = _topics(np.random.default_rng(4), topics=4, parts=3, per_part=MICRO_ABOVE // 12 + 20)
    assert len(V) > MICRO_ABOVE
    cl = cluster(V)
    assert cl.micro_clusters is not None
    assert cl.k == 4 and adjusted_rand_score(topic, cl.labels) > 0.95, cl.top.silhouettes
