"""Made-up hearing transcripts of any size for listening tests and benches (tests/listen, bench/listen_jobs.py)."""

from __future__ import annotations

import random

TOPICS = {"buses": "bus buses route fare timetable driver village evening shift stop shelter late cancelled",
          "housing": "rent landlord flat damp mould deposit council housing estate homes tenants repairs",
          "library": "library books opening hours reading study children volunteers computers warm quiet"}
COMMON = "the people in our town really need better and more of this every week because".split()


def transcript(n_bytes: int, seed: int) -> bytes:
    """A made-up hearing: speaker turns of five long sentences, each about one of three topics."""
    rng, out, size, turn = random.Random(seed), [], 0, 0
    words = {k: v.split() for k, v in TOPICS.items()}
    while size < n_bytes:
        topic = words[rng.choice(list(words))]
        sentences = [" ".join(rng.choice(topic) if rng.random() < 0.5 else rng.choice(COMMON)
                              for _ in range(400)).capitalize() + "." for _ in range(5)]
        line = f"Speaker {turn % 40}: {' '.join(sentences)}\n".encode()
        out.append(line)
        size, turn = size + len(line), turn + 1
    return b"".join(out)
