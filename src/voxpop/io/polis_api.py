"""Pol.is API data as red-dwarf's `Loader` saves it: votes.json, comments.json and math-pca2.json.

* votes.json: a list of votes `{"participant_id", "statement_id", "vote", "modified"}` (also read:
  `pid`/`voter-id`, `tid`/`comment-id`, `timestamp`); vote +1 agree, -1 disagree, 0 pass (red-dwarf
  flips the API's agree = -1 before saving); `modified` in ms since 1970 (or seconds, or an ISO date).
* comments.json (optional): `{"statement_id", "txt", "moderated", "is_meta", ...}`.
* math-pca2.json (optional): Pol.is's own math output for the conversation. Its groups become the
  conversation's reference groups (participant → base cluster → group), and only the votes it saw are
  read: those up to its `lastVoteTimestamp`.

Participants are in arrival order (first vote time), as in a live Pol.is matrix.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from voxpop import i18n
from voxpop.conversation import Conversation
from voxpop.io import ids
from voxpop.io.errors import InputError

_P = ("participant_id", "pid", "voter-id")
_S = ("statement_id", "tid", "comment-id")
_T = ("modified", "timestamp", "created")


def is_polis_api_folder(folder: Path) -> bool:
    return (folder / "votes.json").is_file()


def _load(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise InputError(path, i18n.lazy_gettext("the file is not valid UTF-8 text"),
                         fix=i18n.lazy_gettext("save it as UTF-8 JSON")) from None
    except json.JSONDecodeError as e:
        raise InputError(path, i18n.lazy_gettext("not valid JSON (%(msg)s)", msg=e.msg), line=e.lineno,
                         fix=i18n.lazy_gettext("check the JSON syntax")) from None


def _field(row: dict, names: tuple[str, ...], path: Path, i: int) -> Any:
    for n in names:
        if n in row and row[n] is not None:
            return row[n]
    raise InputError(path, i18n.lazy_gettext("vote %(value)s has no %(value2)s", value=i + 1, value2=names[0]),
                     fix=i18n.lazy_gettext("give every vote one of: %(names)s", names=', '.join(names)))


def _ms(value: Any, path: Path, i: int) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value) * (1000.0 if value < 1e11 else 1.0)  # seconds or milliseconds since 1970
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp() * 1000.0
    except ValueError:
        raise InputError(path, i18n.lazy_gettext("vote %(value)s has the time %(value2)s", value=i + 1, value2=repr(value)),
                         fix=i18n.lazy_gettext("use ms since 1970 or an ISO date")) from None


def read_polis_api(folder: str | Path) -> Conversation:
    folder = Path(folder)
    path = folder / "votes.json"
    votes = _load(path)
    if not isinstance(votes, list) or not votes:
        raise InputError(path, i18n.lazy_gettext("expected a non-empty list of votes"),
                         fix=i18n.lazy_gettext("save the votes as red-dwarf's Loader does"))
    math = _load(folder / "math-pca2.json") if (folder / "math-pca2.json").is_file() else {}
    last = math.get("lastVoteTimestamp") if isinstance(math, dict) else None
    pids, tids, vals, times = [], [], [], []
    for i, row in enumerate(votes):
        if not isinstance(row, dict):
            raise InputError(path, i18n.lazy_gettext("vote %(value)s is not an object", value=i + 1),
                             fix=i18n.lazy_gettext("each vote is {participant_id, ...}"))
        v = _field(row, ("vote",), path, i)
        if v not in (-1, 0, 1):
            raise InputError(path, i18n.lazy_gettext("vote %(value)s is %(v)s", value=i + 1, v=repr(v)),
                             fix=i18n.lazy_gettext("use 1 (agree), -1 (disagree) or 0 (pass)"))
        pids.append(str(_field(row, _P, path, i)))
        tids.append(str(_field(row, _S, path, i)))
        vals.append(int(v))
        times.append(_ms(_field(row, _T, path, i), path, i))
    t = np.asarray(times)
    keep = np.ones(len(t), dtype=bool) if last is None else t <= _ms(last, folder / "math-pca2.json", 0)
    p_ids = list(dict.fromkeys(np.asarray(pids, dtype=object)[keep].tolist()))
    p_code = {p: i for i, p in enumerate(p_ids)}
    p = np.array([p_code[x] for x, k in zip(pids, keep, strict=True) if k], dtype=np.int32)
    t = t[keep]
    comments = _load(folder / "comments.json") if (folder / "comments.json").is_file() else []
    s_known = list(dict.fromkeys([str(c.get("statement_id", c.get("tid"))) for c in comments if isinstance(c, dict)]
                                 + np.asarray(tids, dtype=object)[keep].tolist()))
    rank = ids.numeric_rank(s_known)
    s_ids = [s_known[i] for i in np.argsort(rank)]
    s_pos = {sid: i for i, sid in enumerate(s_ids)}
    s = np.array([s_pos[x] for x, k in zip(tids, keep, strict=True) if k], dtype=np.int32)
    v = np.asarray(vals, dtype=np.int8)[keep]
    p, p_ids = ids.reorder(p, p_ids, ids.arrival_order(p, len(p_ids), t))
    conv = Conversation(participant_ids=p_ids, statement_ids=s_ids, participant=p, statement=s, vote=v, timestamp=t,
                        title=folder.name, source=str(folder))
    for c in comments:
        if isinstance(c, dict):
            sid = str(c.get("statement_id", c.get("tid")))
            conv.statement_text[sid] = str(c.get("txt", ""))
            if c.get("moderated") == -1:
                conv.moderated_out.add(sid)
            if c.get("is_meta"):
                conv.meta.add(sid)
    conv.reference_groups = math_groups(math) if isinstance(math, dict) else {}
    return conv


def math_groups(math: dict) -> dict[str, int]:
    """Participant id -> Pol.is group id, from a math blob's group-clusters and base-clusters."""
    base = math.get("base-clusters") or {}
    member_of = {}
    for bid, members in zip(base.get("id", []), base.get("members", []), strict=False):
        for pid in members:
            member_of[str(pid)] = bid
    group_of_base = {bid: g["id"] for g in math.get("group-clusters", []) for bid in g.get("members", [])}
    return {pid: int(group_of_base[b]) for pid, b in member_of.items() if b in group_of_base}
