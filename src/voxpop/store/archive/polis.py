"""A Pol.is export folder carried on as a live voxpop conversation (through the archive importer).

Participants keep Pol.is's order (the order `voxpop analyze` reads them in) and get xid "polis-VOTER-ID";
statements keep their comment-id as their number, their text, moderation (-1 rejected, 0 pending, 1
accepted) and meta flag, and their author when the author voted; every vote of votes.csv becomes a vote
event at its own time, in time order (ties in file order), and the latest one per participant and
statement is the current vote. The conversation is open, post-moderated, with Pol.is's topic and
description. Its first analysis is the one `voxpop analyze FOLDER` computes (participant ids aside).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from voxpop import i18n
from voxpop.io import InputError, locate, read_located
from voxpop.io.locate import polis_path
from voxpop.store.archive.reader import ImportReport, import_rows
from voxpop.store.db import Database
from voxpop.store.models import STATEMENT_LEN_RANGE, TOPIC_MAX, now_ms
from voxpop.store.queries import new_conversation_id

POLIS_XID = "polis-{}"


class PolisSource:
    def __init__(self, tables: dict[str, list[dict]]) -> None:
        self.tables = tables
        self.manifest = {"tables": {name: {"columns": list(rows[0]) if rows else [],
                                           "ids": [1, len(rows)] if rows and "id" in rows[0] else None}
                                    for name, rows in tables.items()}}

    def rows(self, table: str) -> Iterator[dict]:
        return iter(self.tables[table])


def _csv_rows(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        return []
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def _summary(path: Path) -> dict[str, str]:
    if not path.is_file():
        return {}
    with open(path, encoding="utf-8-sig", newline="") as f:
        return {row[0].strip(): row[1].strip() for row in csv.reader(f) if len(row) >= 2}


def _number(text: str | None) -> int | None:
    try:
        return int(float(text)) if text not in (None, "") else None
    except ValueError:
        return None


def polis_tables(folder: str | Path) -> dict[str, list[dict]]:
    """The rows of one conversation, as the archive importer takes them, from a Pol.is export folder."""
    loc = locate(folder, beside=False)
    if loc.kind != "polis":
        raise InputError(folder, i18n.lazy_gettext("is not a Pol.is export (no comments.csv + votes.csv)"),
                         fix=i18n.lazy_gettext("give the folder Pol.is exported, or a voxpop archive folder"))
    conv = read_located(loc)
    t = now_ms()
    comments = {row.get("comment-id", "").strip(): row for row in _csv_rows(polis_path(loc, "comments"))}
    summary = _summary(polis_path(loc, "summary"))
    order = np.arange(conv.n_votes)
    stamps = conv.timestamp
    if stamps is not None:
        order = np.argsort(stamps, kind="stable")
    pid = {p: i + 1 for i, p in enumerate(conv.participant_ids)}
    first_vote: dict[int, int] = {}
    tids = [int(x) for x in conv.statement_ids] if all(x.isdigit() and int(x) < 2**31 for x in conv.statement_ids) \
        else list(range(len(conv.statement_ids)))
    events = []
    for k, i in enumerate(order.tolist(), start=1):
        p = int(conv.participant[i]) + 1
        when = int(stamps[i]) if stamps is not None else t
        first_vote.setdefault(p, when)
        events.append({"id": k, "conversation_id": "", "participant_id": p, "statement_id": int(conv.statement[i]) + 1,
                       "vote": int(conv.vote[i]), "client_key": None, "created_ms": when})
    current = {}
    for e in events:
        current[(e["participant_id"], e["statement_id"])] = e
    votes = [{"participant_id": e["participant_id"], "statement_id": e["statement_id"], "conversation_id": "",
              "vote": e["vote"], "event_id": e["id"], "updated_ms": e["created_ms"]}
             for _, e in sorted(current.items())]
    start = min([*first_vote.values(), *(_number(c.get("timestamp")) or t for c in comments.values())], default=t)
    statements: list[dict[str, Any]] = []
    for j, sid in enumerate(conv.statement_ids):
        c = comments.get(sid, {})
        author = pid.get((c.get("author-id") or "").strip())
        mod = -1 if sid in conv.moderated_out else (_number(c.get("moderated")) or 0)
        statements.append({"id": j + 1, "conversation_id": "", "tid": tids[j], "text": conv.statement_text.get(sid, ""),
                           "author_participant_id": author, "is_seed": False, "mod_status": max(-1, min(1, mod)),
                           "is_meta": sid in conv.meta, "created_ms": _number(c.get("timestamp")) or start})
    longest = max((len(str(s["text"])) for s in statements), default=0)
    lo, hi = STATEMENT_LEN_RANGE
    conversation = {
        "id": new_conversation_id(), "topic": (conv.title or Path(folder).name)[:TOPIC_MAX] or "Pol.is conversation",
        "description": summary.get("conversation-description", ""), "owner_id": None,
        "who_may_add": "participants", "moderation": "post", "statement_max_len": max(280, min(hi, max(lo, longest))),
        "show_results": True, "is_open": True, "created_ms": start, "updated_ms": t, "closed_ms": None,
        "n_statements": max(tids, default=-1) + 1, "vote_version": len(events), "last_change_ms": t,
    }
    participants = [{"id": i + 1, "conversation_id": "", "anon_id": None, "xid": POLIS_XID.format(p),
                     "place_id": None, "strata": None, "created_ms": first_vote.get(i + 1, start)}
                    for i, p in enumerate(conv.participant_ids)]
    return {"conversations": [conversation], "participants": participants, "statements": statements,
            "vote_events": events, "votes": votes}


def import_polis(db: Database, folder: str | Path, *, owner: str | None = None) -> ImportReport:
    """Import a Pol.is export folder as a new, open conversation (see the module docstring)."""
    report = import_rows(db, PolisSource(polis_tables(folder)), owner=owner)
    report.notes.insert(0, f"Pol.is participants are participants with xid {POLIS_XID.format('VOTER-ID')}")
    return report
