"""Pol.is-compatible exports (comments.csv, votes.csv, participants-votes.csv, summary.csv).

Every writer takes plain data — a Conversation and, where groups are needed, the analysis document
(a dict) — and writes UTF-8 CSV to a *binary* file-like object (an open file, io.BytesIO, a response
body buffer). Votes use the export convention: +1 agree, -1 disagree, 0 pass.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from voxpop.conversation import Conversation
from voxpop.engine.matrix import VoteMatrix, from_vote_log

if TYPE_CHECKING:
    from voxpop.analysis.schema import AnalysisDocument

DATETIME_FORMAT = "%a %b %d %H:%M:%S UTC %Y"


@contextmanager
def _text(f: BinaryIO) -> Iterator[Any]:  # a csv writer
    w = io.TextIOWrapper(f, encoding="utf-8", newline="", write_through=True)
    try:
        yield csv.writer(w, lineterminator="\n")
        w.flush()
    finally:
        w.detach()


def final_votes(conv: Conversation) -> VoteMatrix:
    """The latest vote per (participant, statement)."""
    return from_vote_log(conv.participant, conv.statement, conv.vote, conv.timestamp,
                         n_participants=len(conv.participant_ids), n_statements=len(conv.statement_ids))


def _datetime(ts_ms: pa.Array) -> pa.Array:
    seconds = pc.divide(pc.cast(ts_ms, pa.int64()), 1000)
    return pc.strftime(pc.cast(seconds, pa.timestamp("s", tz="UTC")), format=DATETIME_FORMAT)


def write_votes(f: BinaryIO, conv: Conversation) -> None:
    """votes.csv: timestamp,datetime,comment-id,voter-id,vote — the full vote history (fast: pyarrow)."""
    n = conv.n_votes
    if conv.timestamp is not None:
        ts = pa.array(np.asarray(conv.timestamp, dtype=np.float64).astype(np.int64))
        dt = _datetime(ts)
    else:
        ts = pa.nulls(n, pa.int64())
        dt = pa.nulls(n, pa.string())
    table = pa.table({
        "timestamp": ts, "datetime": dt,
        "comment-id": pa.array(conv.statement_ids, pa.string()).take(pa.array(conv.statement)),
        "voter-id": pa.array(conv.participant_ids, pa.string()).take(pa.array(conv.participant)),
        "vote": pa.array(np.asarray(conv.vote, dtype=np.int8)),
    })
    f.write(b"timestamp,datetime,comment-id,voter-id,vote\n")
    pacsv.write_csv(table, f, write_options=pacsv.WriteOptions(include_header=False, quoting_style="needed"))


def write_comments(f: BinaryIO, conv: Conversation, matrix: VoteMatrix | None = None) -> None:
    """comments.csv with agrees/disagrees from the final votes; moderated -1 = out, 1 = in."""
    m = matrix or final_votes(conv)
    ns = len(conv.statement_ids)
    agrees = np.bincount(m.cols[m.vals == 1], minlength=ns)
    disagrees = np.bincount(m.cols[m.vals == -1], minlength=ns)
    first = np.full(ns, -1, dtype=np.int64)
    if conv.timestamp is not None and conv.n_votes:
        ts = np.asarray(conv.timestamp, dtype=np.float64).astype(np.int64)
        first = np.full(ns, np.iinfo(np.int64).max)
        np.minimum.at(first, conv.statement, ts)
    first_dt = _datetime(pa.array(np.where(first >= 0, first, 0))).to_pylist()
    with_meta = bool(conv.meta)
    with _text(f) as w:
        w.writerow(["timestamp", "datetime", "comment-id", "author-id", "agrees", "disagrees", "moderated",
                    "comment-body"] + (["is-meta"] if with_meta else []))
        for j, sid in enumerate(conv.statement_ids):
            ok = 0 <= first[j] < np.iinfo(np.int64).max
            row = [int(first[j]) if ok else "", first_dt[j] if ok else "", sid,
                   conv.statement_author.get(sid, ""), int(agrees[j]),
                   int(disagrees[j]), -1 if sid in conv.moderated_out else 1, conv.statement_text.get(sid, "")]
            w.writerow(row + ([1 if sid in conv.meta else 0] if with_meta else []))


def _groups_by_participant(document: AnalysisDocument | None) -> dict[str, int]:
    if not document:
        return {}
    return {p["id"]: g for p in document["participants"] if (g := p["group"]) is not None}


def write_participants_votes(f: BinaryIO, conv: Conversation, document: AnalysisDocument | None = None,
                             matrix: VoteMatrix | None = None) -> None:
    """participants-votes.csv: one row per participant (conversation order), group-id from the document
    (blank = not grouped), then the final vote on every statement that has votes (blank = not seen)."""
    m = matrix or final_votes(conv)
    groups = _groups_by_participant(document)
    voted = np.unique(m.cols)
    col_of = np.full(len(conv.statement_ids), -1, dtype=np.int64)
    col_of[voted] = np.arange(len(voted))
    order = np.lexsort((m.cols, m.rows))
    rows, cols, vals = m.rows[order], col_of[m.cols[order]], m.vals[order]
    bounds = np.searchsorted(rows, np.arange(len(conv.participant_ids) + 1))
    n_comments = Counter(conv.statement_author.values())
    with _text(f) as w:
        w.writerow(["participant", "group-id", "n-comments", "n-votes", "n-agree", "n-disagree"]
                   + [conv.statement_ids[j] for j in voted.tolist()])
        for i, pid in enumerate(conv.participant_ids):
            a, b = bounds[i], bounds[i + 1]
            cells = [""] * len(voted)
            for c, v in zip(cols[a:b].tolist(), vals[a:b].tolist(), strict=True):
                cells[c] = v
            vv = vals[a:b]
            w.writerow([pid, groups.get(pid, ""), n_comments.get(pid, 0), int(b - a), int((vv == 1).sum()), int((vv == -1).sum())]
                       + cells)


def write_summary(f: BinaryIO, conv: Conversation, document: AnalysisDocument | None = None, url: str = "",
                  description: str = "") -> None:
    """summary.csv: key,value lines as Pol.is writes them."""
    m_participants = len(np.unique(conv.participant)) if conv.n_votes else 0
    n_groups = len(document["groups"]) if document else 0
    in_conv = document["meta"]["counts"]["participants_in_conversation"] if document else None
    with _text(f) as w:
        for key, value in [("topic", conv.title), ("url", url), ("views", m_participants),
                           ("voters", m_participants),
                           ("voters-in-conv", in_conv if in_conv is not None else m_participants),
                           ("commenters", len(set(conv.statement_author.values()))), ("comments", len(np.unique(conv.statement)) if conv.n_votes else 0),
                           ("groups", n_groups), ("conversation-description", description)]:
            w.writerow([key, value])


def write_export(folder: str | Path, conv: Conversation, document: AnalysisDocument | None = None) -> list[Path]:
    """All four files into a folder, each written atomically."""
    from voxpop.io.atomic import atomic_write

    folder = Path(folder)
    m = final_votes(conv)
    out = []
    for name, fn in [("comments.csv", lambda f: write_comments(f, conv, m)),
                     ("votes.csv", lambda f: write_votes(f, conv)),
                     ("participants-votes.csv", lambda f: write_participants_votes(f, conv, document, m)),
                     ("summary.csv", lambda f: write_summary(f, conv, document))]:
        with atomic_write(folder / name, "wb") as f:
            fn(f)
        out.append(folder / name)
    return out
