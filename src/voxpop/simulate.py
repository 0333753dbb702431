"""Simulated conversations with planted structure, at any size (vectorised; written with pyarrow).

A divided country listening to itself: participants belong to planted opinion groups of unequal
size; some statements are common ground (every group agrees), the rest divide the groups. Each
person votes on a few dozen statements, passes sometimes and strays from their group sometimes.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from voxpop.conversation import Conversation

START_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z


@dataclass(frozen=True)
class SimSpec:
    participants: int = 1000
    statements: int = 100
    groups: int = 3
    votes_min: int = 20
    votes_max: int = 60
    consensus_fraction: float = 0.1
    p_pass: float = 0.1
    p_follow: float = 0.85  # chance a vote follows the group's stance (else the opposite)
    seed: int = 0

    def check(self) -> None:
        if self.participants < 1 or self.statements < 1:
            raise ValueError("need at least one participant and one statement")
        if self.groups < 1:
            raise ValueError("need at least one group")
        if not 1 <= self.votes_min <= self.votes_max:
            raise ValueError("votes per participant must be a range A..B with 1 <= A <= B")
        for name in ("consensus_fraction", "p_pass", "p_follow"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name.replace('_', ' ')} must be between 0 and 1")


@dataclass
class Simulated:
    spec: SimSpec
    participant: np.ndarray  # int32 index, votes in time order
    statement: np.ndarray  # int32
    vote: np.ndarray  # int8
    timestamp: np.ndarray  # int64 ms
    group: np.ndarray  # int[P], planted group of each participant
    stance: np.ndarray  # int8[G, M], each group's stance (+1/-1) on each statement
    consensus: np.ndarray  # int[...] statement indices planted as common ground
    texts: list[str] = field(default_factory=list)

    @property
    def participant_ids(self) -> list[str]:
        return [str(i) for i in range(self.spec.participants)]

    @property
    def statement_ids(self) -> list[str]:
        return [str(i) for i in range(self.spec.statements)]

    def to_conversation(self) -> Conversation:
        sids = self.statement_ids
        return Conversation(
            participant_ids=self.participant_ids, statement_ids=sids,
            participant=self.participant, statement=self.statement, vote=self.vote,
            timestamp=self.timestamp.astype(np.float64), statement_text=dict(zip(sids, self.texts, strict=True)),
            title=f"Simulated conversation ({self.spec.participants} people, {self.spec.statements} statements)",
            source="simulated",
        )

    def truth(self) -> dict:
        sizes = np.bincount(self.group, minlength=self.spec.groups)
        divisive = np.flatnonzero((self.stance != self.stance[:1]).any(axis=0))
        return {
            "spec": asdict(self.spec),
            "group_sizes": sizes.tolist(),
            "participant_group": self.group.tolist(),  # aligned with participant ids "0".."P-1"
            "consensus": [str(i) for i in self.consensus.tolist()],
            "divisive": [str(i) for i in divisive.tolist()],
            "stance": self.stance.tolist(),
        }


def group_shares(g: int) -> np.ndarray:
    """Unequal group sizes: shares proportional to G, G-1, ..., 1."""
    w = np.arange(g, 0, -1, dtype=np.float64)
    return w / w.sum()


def simulate(spec: SimSpec) -> Simulated:
    spec.check()
    rng = np.random.default_rng(spec.seed)
    P, M, G = spec.participants, spec.statements, spec.groups
    counts = np.floor(group_shares(G) * P).astype(np.int64)
    counts[0] += P - counts.sum()
    group = rng.permutation(np.repeat(np.arange(G), counts))

    n_cons = int(round(spec.consensus_fraction * M))
    consensus = np.sort(rng.choice(M, size=n_cons, replace=False)) if n_cons else np.zeros(0, np.int64)
    stance = rng.choice(np.array([-1, 1], dtype=np.int8), size=(G, M))
    if G > 1:  # every other statement divides: not all groups on the same side
        same = (stance == stance[:1]).all(axis=0)
        stance[rng.integers(0, G, size=M)[same], np.flatnonzero(same)] *= -1
    stance[:, consensus] = 1

    vmax = min(spec.votes_max, M)
    vmin = min(spec.votes_min, vmax)
    n_each = rng.integers(vmin, vmax + 1, size=P)
    rows = np.repeat(np.arange(P, dtype=np.int64), n_each)
    cols = rng.integers(0, M, size=rows.size, dtype=np.int64)
    key = rows * M + cols
    del rows, cols
    key.sort(kind="stable")  # rows are already in order: a stable sort only orders each person's run
    key = key[np.concatenate(([True], key[1:] != key[:-1]))]  # distinct statements per person
    participant = (key // M).astype(np.int32)
    statement = (key % M).astype(np.int32)
    del key
    u = rng.random(participant.size, dtype=np.float32)
    s = stance[group[participant], statement]
    vote = np.where(u < spec.p_pass, 0, np.where(u < spec.p_pass + (1 - spec.p_pass) * spec.p_follow, s, -s))
    # people arrive one after another and vote in a burst: timestamps never decrease in the log
    gaps = rng.integers(2_000, 20_000, size=participant.size, dtype=np.int64)
    timestamp = START_MS + np.cumsum(gaps)
    return Simulated(spec, participant, statement, vote.astype(np.int8), timestamp, group, stance, consensus,
                     statement_texts(M, consensus, rng))


# ---- statement texts: a divided country listening to itself ------------------------------------

_TOPICS = ["bus services", "local hospitals", "housing", "schools", "the high street", "rural broadband",
           "energy bills", "policing", "farming", "care homes", "childcare", "rail fares", "flood defences",
           "libraries", "youth clubs", "road repairs", "local jobs", "clean rivers", "pensions",
           "small businesses", "apprenticeships", "GP appointments", "parks", "recycling"]
_PLACES = ["small towns", "big cities", "coastal towns", "villages", "the north", "the south", "former mining areas",
           "market towns", "new estates", "island communities", "university towns", "suburbs"]
_COMMON = [
    "People in {place} should be asked before decisions about {topic} are made.",
    "Everyone deserves decent {topic}, wherever they live.",
    "Decisions about {topic} should be explained in plain language.",
    "We should listen to people in {place} even when we disagree with them.",
    "Funding for {topic} in {place} should be published so anyone can check it.",
    "Nobody should have to travel for hours to reach {topic}.",
]
_DIVIDING = [
    "Spending on {topic} should rise even if taxes go up.",
    "{Topic} should be run locally, not from the capital.",
    "Private companies should play a bigger part in {topic}.",
    "{Place} get more than their fair share of money for {topic}.",
    "Money for {topic} should go to {place} first.",
    "The national government should take back control of {topic}.",
    "Cutting costs in {topic} matters more than expanding it.",
    "Volunteers, not the state, should keep {topic} going in {place}.",
]


def _fill(template: str, topic: str, place: str) -> str:
    return template.format(topic=topic, place=place, Topic=topic[0].upper() + topic[1:],
                           Place=place[0].upper() + place[1:])


def statement_texts(m: int, consensus: np.ndarray, rng: np.random.Generator) -> list[str]:
    """A distinct, readable text per statement; common-ground statements use common-ground templates."""
    is_cons = np.zeros(m, dtype=bool)
    is_cons[consensus] = True
    used: set[str] = set()
    out = []
    counters = {True: 0, False: 0}
    for i in range(m):
        kind = bool(is_cons[i])
        templates = _COMMON if kind else _DIVIDING
        j = counters[kind]
        counters[kind] += 1
        t, rest = j % len(templates), j // len(templates)
        topic, rest = _TOPICS[rest % len(_TOPICS)], rest // len(_TOPICS)
        place = _PLACES[(rest + t) % len(_PLACES)]
        rest //= len(_PLACES)
        text = _fill(templates[t], topic, place)
        if text in used or rest:
            text = f"{text} (proposal {i + 1})"
        used.add(text)
        out.append(text)
    return out


# ---- writing ------------------------------------------------------------------------------------

def write(sim: Simulated, out_dir: str | Path, fmt: str = "plain") -> list[Path]:
    """Write votes.csv (+ statements.csv or Pol.is comments.csv/summary.csv) and truth.json."""
    from voxpop.io.atomic import atomic_write
    from voxpop.io.sim_writer import write_plain, write_polis

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if fmt == "plain":
        paths = write_plain(sim, out)
    elif fmt == "polis":
        paths = write_polis(sim, out)
    else:
        raise ValueError(f"unknown format {fmt!r}: use plain or polis")
    with atomic_write(out / "truth.json") as f:
        json.dump(sim.truth(), f, separators=(",", ":"))
    return [*paths, out / "truth.json"]
