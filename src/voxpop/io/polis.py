"""Pol.is export folders: comments.csv + votes.csv, or participants-votes.csv alone.

Row order is arrival order, as in a live Pol.is conversation whose matrix grows batch by batch
(docs/polis-math.md §1.2): participants by their first vote time, ties in Pol.is's one-shot order
(first appearance in the votes sorted by (comment-id, voter-id)). With participants-votes.csv alone
there are no times: its row order is that one-shot order. Columns: comment ids ascending. Latest vote
wins (done by the matrix).
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from voxpop import i18n
from voxpop.conversation import Conversation
from voxpop.io import csvfast, ids
from voxpop.io.errors import InputError
from voxpop.io.votes import VOTE_FIX, read_vote_log

PV_FIXED = ("participant", "xid", "group-id", "n-comments", "n-votes", "n-agree", "n-disagree")


def is_polis_export(path: Path) -> bool:
    return path.is_dir() and any((path / n).exists() for n in ("votes.csv", "participants-votes.csv"))


def read_polis_export(folder: str | Path, prefix: str = "") -> Conversation:
    """A Pol.is export folder; prefix "ID-" reads voxpop's web exports named ID-comments.csv, ID-votes.csv..."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(folder, i18n.lazy_gettext("is not a folder"),
                         fix=i18n.lazy_gettext("give a Pol.is export folder or a votes CSV"))
    votes_csv, pv_csv = folder / f"{prefix}votes.csv", folder / f"{prefix}participants-votes.csv"
    comments_csv = folder / f"{prefix}comments.csv"
    comments = _read_comments(comments_csv) if comments_csv.exists() else {}
    if votes_csv.exists():
        conv = _from_votes(votes_csv)
        groups = _read_pv_groups(pv_csv) if pv_csv.exists() else {}
    elif pv_csv.exists():
        conv, groups = _from_participants_votes(pv_csv)
    else:
        raise InputError(folder, i18n.lazy_gettext("no votes.csv or participants-votes.csv here"),
                         fix=i18n.lazy_gettext("give the folder of a Pol.is export (it holds comments.csv "
                                               "and votes.csv)"))
    # statements: every comment listed or voted on, ascending comment-id
    known = list(dict.fromkeys(list(conv.statement_ids) + list(comments)))
    rank = ids.numeric_rank(known)
    order = np.argsort(rank)
    s_ids = [known[i] for i in order]
    pos = {sid: i for i, sid in enumerate(s_ids)}
    remap = np.array([pos[sid] for sid in conv.statement_ids], dtype=np.int32)
    conv.statement = remap[conv.statement] if len(remap) else conv.statement
    conv.statement_ids = s_ids
    conv.statement_text = {sid: c["text"] for sid, c in comments.items()}
    conv.moderated_out = {sid for sid, c in comments.items() if c["moderated"] == -1}
    conv.meta = {sid for sid, c in comments.items() if c["meta"]}
    conv.reference_groups = groups
    conv.title = _read_topic(folder / f"{prefix}summary.csv") or prefix.rstrip("-").removeprefix("voxpop-") or folder.name
    conv.source = str(folder)
    return conv


def _from_votes(path: Path) -> Conversation:
    log = read_vote_log(path, participant="voter-id", statement="comment-id", vote="vote", timestamp="timestamp",
                        header_fix="a Pol.is votes.csv has: timestamp,datetime,comment-id,voter-id,vote")
    s_rank = ids.numeric_rank(log.statement_ids)
    p_pos = ids.polis_row_order(log.participant, log.participant_ids, s_rank[log.statement])
    if log.timestamp is not None:
        p_pos = ids.arrival_order(log.participant, len(log.participant_ids), log.timestamp, tiebreak=p_pos)
    p, p_ids = ids.reorder(log.participant, log.participant_ids, p_pos)
    return Conversation(participant_ids=p_ids, statement_ids=log.statement_ids, participant=p,
                        statement=log.statement, vote=log.vote, timestamp=log.timestamp)


def _from_participants_votes(path: Path) -> tuple[Conversation, dict[str, int]]:
    header = csvfast.read_header(path)
    csvfast.require_columns(path, header, ["participant"], "a Pol.is participants-votes.csv starts with participant")
    comment_cols = [h for h in header if h not in PV_FIXED]
    types: dict[str, pa.DataType] = {"participant": pa.string()}
    if "group-id" in header:
        types["group-id"] = pa.int64()
    types.update({c: pa.int8() for c in comment_cols})
    table = csvfast.read_table(path, types, what="participant row", fixes={c: VOTE_FIX for c in comment_cols})
    rows, cols, vals = [], [], []
    for j, c in enumerate(comment_cols):
        col = table[c]
        seen = np.flatnonzero(pc.is_valid(col).to_numpy(zero_copy_only=False))
        v = pc.fill_null(col, 0).to_numpy(zero_copy_only=False)[seen]
        bad = np.flatnonzero((v < -1) | (v > 1))
        if len(bad):
            raise InputError(path, i18n.lazy_gettext("vote %(value)s for comment %(c)s is not 1, -1 or 0", value=int(v[bad[0]]), c=c),
                             line=csvfast.line_of_row(path, int(seen[bad[0]])), fix=VOTE_FIX)
        rows.append(seen.astype(np.int32))
        cols.append(np.full(len(seen), j, dtype=np.int32))
        vals.append(v.astype(np.int8))
    p_ids = table["participant"].to_pylist()
    dupes = pc.value_counts(table["participant"])
    if len(dupes) != len(p_ids):
        raise InputError(path, i18n.lazy_gettext("a participant appears on more than one row"),
                         fix=i18n.lazy_gettext("keep one row per participant"))
    groups: dict[str, int] = {}
    if "group-id" in table.column_names:
        g = table["group-id"].to_pylist()
        groups = {pid: int(x) for pid, x in zip(p_ids, g, strict=True) if x is not None}
    conv = Conversation(
        participant_ids=p_ids, statement_ids=comment_cols,
        participant=np.concatenate(rows) if rows else np.zeros(0, np.int32),
        statement=np.concatenate(cols) if cols else np.zeros(0, np.int32),
        vote=np.concatenate(vals) if vals else np.zeros(0, np.int8),
    )
    if conv.n_votes == 0:
        raise InputError(path, i18n.lazy_gettext("there are no votes in the file"),
                         fix=i18n.lazy_gettext("export the conversation again with its votes"))
    return conv, groups


def _read_pv_groups(path: Path) -> dict[str, int]:
    header = csvfast.read_header(path)
    if "participant" not in header or "group-id" not in header:
        return {}
    t = csvfast.read_table(path, {"participant": pa.string(), "group-id": pa.int64()}, what="participant row")
    return {p: int(g) for p, g in zip(t["participant"].to_pylist(), t["group-id"].to_pylist(), strict=True)
            if g is not None}


def _read_comments(path: Path) -> dict[str, dict]:
    header = csvfast.read_header(path)
    csvfast.require_columns(path, header, ["comment-id"],
                            "a Pol.is comments.csv has: timestamp,datetime,comment-id,author-id,agrees,"
                            "disagrees,moderated,comment-body")
    out: dict[str, dict] = {}
    try:
        with open(path, encoding="utf-8-sig", newline="") as f:
            reader = csv.DictReader(f, strict=True)
            reader.fieldnames = [n.strip() for n in reader.fieldnames or []]
            for row in reader:
                line = reader.line_num
                if None in row or any(v is None for v in row.values()):
                    raise InputError(path, i18n.lazy_gettext("this comment has the wrong number of fields"), line=line,
                                     fix=i18n.lazy_gettext("quote comment bodies that contain commas or line "
                                                           "breaks"))
                sid = row["comment-id"].strip()
                if not sid:
                    raise InputError(path, i18n.lazy_gettext("comment-id is empty"), line=line,
                                     fix=i18n.lazy_gettext("every comment needs an id"))
                mod = (row.get("moderated") or "0").strip()
                if mod not in ("-1", "0", "1"):
                    raise InputError(path, i18n.lazy_gettext("moderated %(mod)s is not -1, 0 or 1", mod=repr(mod)), line=line,
                                     fix=i18n.lazy_gettext("use -1 (moderated out), 0 (not moderated) or 1 "
                                                           "(accepted)"))
                meta = (row.get("is-meta") or "").strip().lower() in ("1", "true")
                out[sid] = {"text": row.get("comment-body") or "", "moderated": int(mod), "meta": meta}
    except UnicodeDecodeError:
        raise InputError(path, i18n.lazy_gettext("the file is not valid UTF-8 text"), line=csvfast.first_bad_utf8_line(path),
                         fix=i18n.lazy_gettext("save it as UTF-8 CSV")) from None
    except csv.Error as e:
        raise InputError(path, i18n.lazy_gettext("broken CSV (%(e)s)", e=e), line=reader.line_num,
                         fix=i18n.lazy_gettext("check the quotes on that line")) from None
    return out


def _read_topic(path: Path) -> str:
    if not path.exists():
        return ""
    try:
        with open(path, encoding="utf-8-sig", newline="") as f:
            for row in csv.reader(f):
                if len(row) >= 2 and row[0].strip() == "topic":
                    return row[1].strip()
    except (UnicodeDecodeError, csv.Error):
        return ""
    return ""
