"""The plain votes CSV (participant, statement, vote[, timestamp]) and the shared vote-log reader."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from voxpop import i18n
from voxpop.conversation import Conversation
from voxpop.io import csvfast, ids
from voxpop.io.errors import InputError
from voxpop.io.statements import read_statements

VOTE_FIX = "use 1 (agree), -1 (disagree) or 0 (pass)"
PLAIN_COLUMNS = ["participant", "statement", "vote"]


@dataclass
class VoteLog:
    participant: np.ndarray  # int32 codes, first-appearance order
    participant_ids: list[str]
    statement: np.ndarray
    statement_ids: list[str]
    vote: np.ndarray  # int8
    timestamp: np.ndarray | None  # float64 ms since epoch


def _timestamp_type(path: Path, header: list[str], name: str) -> pa.DataType:
    """Numbers (ms since epoch) or ISO dates, sniffed from the first data row."""
    import csv

    with open(path, encoding="utf-8-sig", errors="replace", newline="") as f:
        reader = csv.reader(f)
        next(reader, None)
        for row in reader:
            if row:
                value = row[header.index(name)] if header.index(name) < len(row) else ""
                try:
                    float(value)
                except ValueError:
                    return pa.timestamp("ms")
                break
    return pa.float64()


def read_vote_log(path: Path, *, participant: str, statement: str, vote: str, timestamp: str | None,
                  header_fix: str) -> VoteLog:
    """Read and validate a vote log; ids are kept exactly as written (as text)."""
    header = csvfast.read_header(path)
    csvfast.require_columns(path, header, [participant, statement, vote], header_fix)
    # ids are dictionary-encoded while parsing (kept exactly as written, as text)
    id_type = pa.dictionary(pa.int32(), pa.string())
    types: dict[str, pa.DataType] = {participant: id_type, statement: id_type, vote: pa.int8()}
    has_ts = timestamp is not None and timestamp in header
    if timestamp is not None and has_ts:
        types[timestamp] = _timestamp_type(path, header, timestamp)
    table = csvfast.read_table(path, types, what="vote", fixes={vote: VOTE_FIX})
    if table.num_rows == 0:
        raise InputError(path, i18n.lazy_gettext("there are no votes in the file"), line=2,
                         fix="add one line per vote: " + ",".join([participant, statement, vote]))
    with ThreadPoolExecutor(2) as pool:  # pyarrow's dictionary work releases the GIL: both id columns at once
        (p, p_ids), (s, s_ids) = pool.map(ids.encode, (table[participant], table[statement]))
    for name, codes, names in ((participant, p, p_ids), (statement, s, s_ids)):
        if "" in names:
            row = int(np.argmax(codes == names.index("")))
            raise InputError(path, i18n.lazy_gettext("%(name)s is empty", name=name), line=csvfast.line_of_row(path, row),
                             fix=i18n.lazy_gettext("every vote needs a %(name)s id", name=name))
    v = table[vote]
    empty = csvfast.first_false(pc.is_valid(v)) if v.null_count else None
    if empty is not None:
        raise InputError(path, i18n.lazy_gettext("vote is empty"), line=csvfast.line_of_row(path, empty), fix=VOTE_FIX)
    votes = v.to_numpy()
    bad = np.flatnonzero((votes < -1) | (votes > 1))
    if len(bad):
        raise InputError(path, i18n.lazy_gettext("vote %(value)s is not 1, -1 or 0", value=int(votes[bad[0]])),
                         line=csvfast.line_of_row(path, int(bad[0])), fix=VOTE_FIX)
    ts = None
    if has_ts:
        col = table[timestamp]
        empty_ts = csvfast.first_false(pc.is_valid(col)) if col.null_count else None
        if empty_ts is not None:
            raise InputError(path, i18n.lazy_gettext("timestamp is empty"), line=csvfast.line_of_row(path, empty_ts),
                             fix=i18n.lazy_gettext("give every vote a time, or drop the timestamp column"))
        if pa.types.is_timestamp(col.type):
            col = pc.cast(col, pa.int64())
        ts = col.to_numpy().astype(np.float64, copy=False)
    return VoteLog(p, p_ids, s, s_ids, votes.astype(np.int8, copy=False), ts)


def read_votes_csv(path: str | Path, statements: str | Path | None = None) -> Conversation:
    """A plain votes CSV: participant, statement, vote (1/-1/0), optional timestamp.

    Participants are numbered in arrival order: by their first vote time when the file has timestamps
    (ties in file order), else in order of first appearance. Statements are numbered in order of first
    appearance; with `statements` (a CSV with statement, text), in that file's order, then any others.
    """
    path = Path(path)
    log = read_vote_log(path, participant="participant", statement="statement", vote="vote",
                        timestamp="timestamp", header_fix="the header must be: participant,statement,vote[,timestamp]")
    s, s_ids = log.statement, log.statement_ids
    p, p_ids = log.participant, log.participant_ids
    if log.timestamp is not None:
        p, p_ids = ids.reorder(p, p_ids, ids.arrival_order(p, len(p_ids), log.timestamp))
    texts: dict[str, str] = {}
    moderated: set[str] = set()
    meta: set[str] = set()
    if statements is not None:
        st = read_statements(Path(statements))
        texts, moderated, meta = st.text, st.moderated_out, st.meta
        listed = list(st.text)
        position = {sid: i for i, sid in enumerate(listed)}
        extra = [sid for sid in s_ids if sid not in position]
        for sid in extra:
            position[sid] = len(position)
        all_ids = listed + extra
        s = np.array([position[sid] for sid in s_ids], dtype=np.int32)[log.statement]
        s_ids = all_ids
    return Conversation(
        participant_ids=p_ids, statement_ids=s_ids,
        participant=p, statement=s, vote=log.vote, timestamp=log.timestamp,
        statement_text=texts, moderated_out=moderated, meta=meta,
        title=path.stem if path.stem != "votes" else (path.parent.name or path.stem), source=str(path),
    )
