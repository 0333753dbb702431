"""Where a participant stands: their group and how their votes compare with each group's."""

from __future__ import annotations

from sqlalchemy.orm import Session

from voxpop.services.analyses import get_analysis
from voxpop.services.votes import VOTE_NAMES, participant_votes


def participant_standing(s: Session, conversation_id: str, participant_id: int) -> dict:
    """{"participant", "votes", "group", "groups": [{"id", "size", "agreement", "compared"}],
    "statements": [{"statement", "vote", "groups": [{"group", "agree", "disagree", "seen"}]}],
    "analysis_status"}.

    agreement = share of the participant's agree/disagree votes on which the group's majority (among
    its members who saw the statement) voted the same way; compared = how many such statements.
    """
    mine = participant_votes(s, participant_id)
    res = get_analysis(s, conversation_id)
    doc = res["document"] or {}
    me = str(participant_id)
    group = next((p.get("group") for p in doc.get("participants") or [] if str(p.get("id")) == me), None)
    groups = doc.get("groups") or []
    by_stmt = {str(st.get("id")): st for st in doc.get("statements") or []}
    tally = {g.get("id"): [0, 0] for g in groups}  # group -> [same, compared]
    detail = []
    for tid, vote in sorted(mine.items()):
        st = by_stmt.get(str(tid))
        rows = []
        for bg in (st or {}).get("by_group") or []:
            seen = bg.get("n_seen") or 0
            a, d = bg.get("n_agree") or 0, bg.get("n_disagree") or 0
            rows.append({"group": bg.get("group"), "agree": a / seen if seen else None,
                         "disagree": d / seen if seen else None, "seen": seen})
            if vote != 0 and seen and a != d and bg.get("group") in tally:
                tally[bg.get("group")][1] += 1
                tally[bg.get("group")][0] += int((a > d) == (vote > 0))
        detail.append({"statement": tid, "vote": VOTE_NAMES[vote], "groups": rows})
    out_groups = [{"id": g.get("id"), "size": g.get("size"),
                   "agreement": (tally[g.get("id")][0] / tally[g.get("id")][1]) if tally[g.get("id")][1] else None,
                   "compared": tally[g.get("id")][1]} for g in groups]
    return {"participant": participant_id, "votes": len(mine), "group": group, "groups": out_groups,
            "statements": detail, "analysis_status": res["status"], "analysis_fresh": res["fresh"]}
