"""When Pol.is would have updated a conversation: update steps from vote times.

Pol.is's math worker polls for new votes about once a second and folds every vote that arrived since
its last update into one update; while an update runs, new votes queue for the next. The exact update
boundaries are not recorded anywhere, so a replay approximates them with time windows: an update step
takes every vote that arrives within `window_ms` of the step's first vote.
"""

from __future__ import annotations

import numpy as np


def time_order(timestamp: np.ndarray) -> np.ndarray:
    """Vote indices in time order (ties keep log order)."""
    t = np.asarray(timestamp, dtype=np.float64)
    if len(t) < 2 or bool(np.all(t[1:] >= t[:-1])):
        return np.arange(len(t))
    return np.argsort(t, kind="stable")


def update_steps(sorted_times: np.ndarray, window_ms: float) -> np.ndarray:
    """End index (exclusive) of each update step over time-sorted votes; the last one is len(votes).

    A step opens at its first vote and takes every vote up to `window_ms` later (window 0: one step per
    distinct time)."""
    t = np.asarray(sorted_times, dtype=np.float64)
    n = len(t)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    if window_ms < 0 or not np.isfinite(window_ms):
        raise ValueError(f"window_ms must be a finite number >= 0, got {window_ms!r}")
    ends = []
    i = 0
    while i < n:
        # strictly after t[i] + window closes the step; one searchsorted per step
        j = int(np.searchsorted(t, t[i] + window_ms, side="right"))
        ends.append(j)
        i = j
    return np.asarray(ends, dtype=np.int64)
