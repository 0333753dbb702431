"""Where a participant stands: their group and how their votes compare with each group's."""

from __future__ import annotations

from sqlalchemy.orm import Session

from voxpop.analysis.schema import stored
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
    doc = stored(res["document"])
    me = str(participant_id)
    participants = doc["participants"] if doc else []
    group = next((p["group"] for p in participants if p["id"] == me), None)
    groups = doc["groups"] if doc else []
    by_stmt = {st["id"]: st for st in doc["statements"]} if doc else {}
    tally = {g["id"]: [0, 0] for g in groups}  # group -> [same, compared]
    detail = []
    for tid, vote in sorted(mine.items()):
        st = by_stmt.get(str(tid))
        rows = []
        for bg in st["by_group"] if st else []:
            seen, a, d = bg["n_seen"], bg["n_agree"], bg["n_disagree"]
            rows.append({"group": bg["group"], "agree": a / seen if seen else None,
                         "disagree": d / seen if seen else None, "seen": seen})
            if vote != 0 and seen and a != d and bg["group"] in tally:
                tally[bg["group"]][1] += 1
                tally[bg["group"]][0] += int((a > d) == (vote > 0))
        detail.append({"statement": tid, "vote": VOTE_NAMES[vote], "groups": rows})
    out_groups = [{"id": g["id"], "size": g["size"],
                   "agreement": (tally[g["id"]][0] / tally[g["id"]][1]) if tally[g["id"]][1] else None,
                   "compared": tally[g["id"]][1]} for g in groups]
    return {"participant": participant_id, "votes": len(mine), "group": group, "groups": out_groups,
            "statements": detail, "analysis_status": res["status"], "analysis_fresh": res["fresh"]}
