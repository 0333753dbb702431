"""Fixtures for listening tests: the shared Pol.is comments pooled into testimony files."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from voxpop.listen.run import listen


def polis_comments(polis_dirs: list[Path]) -> list[dict]:
    rows = []
    for d in polis_dirs:
        with open(d / "comments.csv", encoding="utf-8", newline="") as fh:
            for r in csv.DictReader(fh):
                rows.append({"conversation": d.name, "comment": r["comment-id"], "author": r["author-id"],
                             "text": r["comment-body"]})
    return rows


def write_pooled_csv(rows: list[dict], path: Path) -> Path:
    """id = conversation/comment; a made-up place and age so breakdowns have something to count."""
    speakers = list(dict.fromkeys(f"{r['conversation']}/{r['author']}" for r in rows))
    tiny = set(speakers[:3])  # three people in a place of their own: every cell there must be suppressed
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "text", "place", "speaker", "age"])
        for i, r in enumerate(rows):
            speaker = f"{r['conversation']}/{r['author']}"
            place = "Tiny" if speaker in tiny else ("North", "South", "East")[int(r["author"] or 0) % 3]
            w.writerow([f"{r['conversation']}/{r['comment']}", r["text"], place, speaker, ("18-34", "35+")[i % 2]])
    return path


@pytest.fixture(scope="session")
def pooled(polis_dirs, tmp_path_factory):
    rows = polis_comments(polis_dirs)
    path = write_pooled_csv(rows, tmp_path_factory.mktemp("pooled") / "pooled.csv")
    return rows, path


@pytest.fixture(scope="session")
def pooled_tfidf(pooled):
    rows, path = pooled
    return rows, path, listen([path], model="tfidf")
