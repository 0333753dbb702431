"""Who came in how, and the open conversation against the invited panel.

Channels: online (no field_participants row), kiosk, paper, invited. `statement_shares` gives each
statement's agree / disagree / pass counts among the participants of the chosen channels;
`open_vs_invited` compares, for the most-voted statements, the share who agree in the invited panel with
the share in the open conversation (every other channel), each with a 95% Wilson interval. A cell with
fewer than `min_cell` voters (the conversation's places setting) is suppressed: no share, no interval.
"""

from __future__ import annotations

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from voxpop import i18n
from voxpop.errors import Invalid
from voxpop.store import places as SP
from voxpop.store.models import Participant, Statement, Vote
from voxpop.store.models_fieldwork import CHANNELS, FieldParticipant

__all__ = ["CHANNELS", "channel_counts", "channels_report", "open_vs_invited", "parse_channels", "statement_shares"]


def parse_channels(raw: str | list[str] | None) -> list[str]:
    """The channels asked for (all when none); Invalid naming the allowed ones."""
    items = raw if isinstance(raw, list) else [x for x in (raw or "").split(",")]
    chosen = [x.strip().lower() for x in items if x and x.strip()]
    bad = [x for x in chosen if x not in CHANNELS]
    if bad:
        raise Invalid(i18n.lazy_gettext("unknown channel %(value)s; choose from %(channels)s", value=repr(bad[0]), channels=', '.join(CHANNELS)))
    return [c for c in CHANNELS if c in chosen] or list(CHANNELS)


def _in_channels(channels: list[str]):
    """A condition on the (outer-joined) field_participants row: no row means online."""
    from sqlalchemy import ColumnElement, or_

    field = [c for c in channels if c != "online"]
    cond: ColumnElement[bool] | None = FieldParticipant.channel.in_(field) if field else None
    if "online" in channels:
        cond = FieldParticipant.channel.is_(None) if cond is None else or_(FieldParticipant.channel.is_(None), cond)
    return cond


def channel_counts(s: Session, cid: str) -> dict[str, int]:
    rows = s.execute(select(FieldParticipant.channel, func.count()).select_from(Participant)
                     .outerjoin(FieldParticipant, FieldParticipant.participant_id == Participant.id)
                     .where(Participant.conversation_id == cid).group_by(FieldParticipant.channel)).all()
    got = {(ch or "online"): n for ch, n in rows}
    return {c: int(got.get(c, 0)) for c in CHANNELS}


def _tallies(s: Session, cid: str, channels: list[str]) -> dict[int, dict[str, int]]:
    """tid -> {agree, disagree, pass} among participants of these channels."""
    q = (select(Statement.tid,
                func.sum(case((Vote.vote == 1, 1), else_=0)), func.sum(case((Vote.vote == -1, 1), else_=0)),
                func.sum(case((Vote.vote == 0, 1), else_=0)))
         .select_from(Vote).join(Statement, Statement.id == Vote.statement_id)
         .outerjoin(FieldParticipant, FieldParticipant.participant_id == Vote.participant_id)
         .where(Vote.conversation_id == cid, _in_channels(channels)).group_by(Statement.tid))
    return {tid: {"agree": int(a or 0), "disagree": int(d or 0), "pass": int(p or 0)} for tid, a, d, p in s.execute(q)}


def wilson(k: int, n: int) -> tuple[float, float]:
    """95% Wilson score interval for k successes out of n (scipy)."""
    from scipy.stats import binomtest

    ci = binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    return float(ci.low), float(ci.high)


def _cell(k: int, n: int, min_cell: int) -> dict:
    if n < min_cell:
        return {"n": None, "agree": None, "low": None, "high": None, "suppressed": True}
    low, high = wilson(k, n)
    return {"n": n, "agree": k / n, "low": low, "high": high, "suppressed": False}


def statement_shares(s: Session, cid: str, channels: list[str], *, min_cell: int | None = None) -> list[dict]:
    from voxpop.services.statements import list_statements

    min_cell = _min_cell(s, cid) if min_cell is None else min_cell
    tallies = _tallies(s, cid, channels)
    out = []
    for st in list_statements(s, cid):
        t = tallies.get(st.tid, {"agree": 0, "disagree": 0, "pass": 0})
        n = sum(t.values())
        shown = n >= min_cell
        out.append({"statement": st.tid, "text": st.text, "votes": n if shown else None,
                    **{k: (v if shown else None) for k, v in t.items()},
                    "agree_share": (t["agree"] / n) if shown and n else None, "suppressed": not shown})
    return out


def open_vs_invited(s: Session, cid: str, *, top: int = 10, min_cell: int | None = None) -> dict:
    from voxpop.services.statements import list_statements

    min_cell = _min_cell(s, cid) if min_cell is None else min_cell
    invited = _tallies(s, cid, ["invited"])
    open_ = _tallies(s, cid, [c for c in CHANNELS if c != "invited"])
    texts = {st.tid: st.text for st in list_statements(s, cid)}
    total = {t: sum(invited.get(t, {}).values()) + sum(open_.get(t, {}).values()) for t in texts}
    ranked = sorted(texts, key=lambda t: (-total[t], t))[:top]
    rows = []
    for t in ranked:
        a, b = invited.get(t, {}), open_.get(t, {})
        inv, opn = _cell(a.get("agree", 0), sum(a.values()), min_cell), _cell(b.get("agree", 0), sum(b.values()), min_cell)
        diff = None
        if not inv["suppressed"] and not opn["suppressed"]:
            diff = inv["agree"] - opn["agree"]
        rows.append({"statement": t, "text": texts[t], "invited": inv, "open": opn, "difference": diff,
                     "intervals_overlap": None if diff is None else not (inv["high"] < opn["low"] or opn["high"] < inv["low"])})
    return {"min_cell": min_cell, "confidence": 0.95, "statements": rows}


def _min_cell(s: Session, cid: str) -> int:
    return int(SP.settings_of(s, cid).get("min_cell") or 5)


def channels_report(s: Session, cid: str, channels: list[str], *, top: int = 10) -> dict:
    min_cell = _min_cell(s, cid)
    return {"conversation": cid, "channels": channels, "participants": channel_counts(s, cid), "min_cell": min_cell,
            "statements": statement_shares(s, cid, channels, min_cell=min_cell),
            "open_vs_invited": open_vs_invited(s, cid, top=top, min_cell=min_cell)}
