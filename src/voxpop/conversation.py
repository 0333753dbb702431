"""The in-memory conversation that every reader produces and the analysis consumes.

Plain arrays and ids, no database rows and no requests: io/ (files) and store/ (database) build it,
analysis/ hands its arrays to the engine. Ids are kept exactly as given (as strings).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class Conversation:
    """A vote log plus what is known about statements and participants.

    participant / statement are indices into participant_ids / statement_ids; vote is +1 agree,
    -1 disagree, 0 pass; timestamp (ms since epoch, float) may be None when the source has no times.
    The order of participant_ids is the row order of the matrix: arrival order (first vote time) when
    the source has times, as a live Pol.is matrix grows (see docs/departures.md); readers must keep it.
    """

    participant_ids: list[str]
    statement_ids: list[str]
    participant: np.ndarray
    statement: np.ndarray
    vote: np.ndarray
    timestamp: np.ndarray | None = None
    statement_text: dict[str, str] = field(default_factory=dict)
    moderated_out: set[str] = field(default_factory=set)  # statement ids moderated out
    meta: set[str] = field(default_factory=set)  # statement ids marked meta
    title: str = ""
    source: str = ""  # file or database the conversation came from, for messages
    # optional extras filled by readers that know them
    participant_place: dict[str, str] = field(default_factory=dict)  # participant id -> place id
    participant_strata: dict[str, dict[str, str]] = field(default_factory=dict)  # id -> {margin: value}
    reference_groups: dict[str, int] = field(default_factory=dict)  # e.g. Pol.is's own group-id
    statement_author: dict[str, str] = field(default_factory=dict)  # statement id -> participant id

    @property
    def n_votes(self) -> int:
        return int(len(self.vote))
