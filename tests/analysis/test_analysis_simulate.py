"""The simulator plants what it says it plants."""

from __future__ import annotations

import numpy as np
import pytest

from voxpop.simulate import SimSpec, simulate


def test_planted_structure():
    sim = simulate(SimSpec(participants=3000, statements=200, groups=4, votes_min=10, votes_max=30,
                           consensus_fraction=0.2, p_pass=0.2, seed=3))
    truth = sim.truth()
    sizes = truth["group_sizes"]
    assert sum(sizes) == 3000 and sizes == sorted(sizes, reverse=True) and len(set(sizes)) == 4
    cons = np.array([int(s) for s in truth["consensus"]])
    assert len(cons) == 40
    assert (sim.stance[:, cons] == 1).all()  # common ground: every group agrees
    div = np.array([int(s) for s in truth["divisive"]])
    assert len(div) == 160 and not set(div) & set(cons)
    # sparsity: each person votes on 10..30 distinct statements, once each
    per = np.bincount(sim.participant, minlength=3000)
    assert per.min() >= 8 and per.max() <= 30
    key = sim.participant.astype(np.int64) * 200 + sim.statement
    assert len(np.unique(key)) == len(key)
    assert np.all(np.diff(sim.timestamp) > 0)
    assert abs((sim.vote == 0).mean() - 0.2) < 0.02
    # votes follow the group's stance about p_follow of the time (among non-passes)
    cast = sim.vote != 0
    follows = sim.vote[cast] == sim.stance[sim.group[sim.participant[cast]], sim.statement[cast]]
    assert abs(follows.mean() - 0.85) < 0.02
    assert len(set(sim.texts)) == 200
    assert simulate(SimSpec(participants=3000, statements=200, groups=4, seed=3)).vote.tolist() == \
        simulate(SimSpec(participants=3000, statements=200, groups=4, seed=3)).vote.tolist()


@pytest.mark.parametrize("bad", [dict(participants=0), dict(votes_min=5, votes_max=2), dict(p_pass=1.5),
                                 dict(groups=0)])
def test_bad_specs(bad):
    with pytest.raises(ValueError):
        simulate(SimSpec(**bad))
