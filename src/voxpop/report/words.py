"""Plain words for citizens: shares as people say them, a sentence per group, the summary at the top.

"91% of everyone agree" reads worse than "9 in 10 people agree"; a group is described by what most of
its members agree and disagree with, in one sentence; the summary says how many people, from how many
places, the groups, and the top of the common ground.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from voxpop.report.view import Finding, GroupView, ReportView, as_dict, as_list


def share_words(x: float | None) -> str:
    """A share as people say it: 'almost all', '9 in 10', 'about half', '1 in 10', 'hardly any'."""
    if x is None:
        return "–"
    if x >= 0.97:
        return "almost all"
    if x <= 0.03:
        return "hardly any"
    tenths = round(x * 10)
    if tenths == 5:
        return "about half"
    if tenths == 10:
        return "more than 9 in 10"
    if tenths == 0:
        return "fewer than 1 in 10"
    return f"{tenths} in 10"


def count_words(n: Any, one: str, many: str) -> str:
    """'1 person', '1,204 people'."""
    n = int(n or 0)
    return f"{n:,} {one if n == 1 else many}"


def quoted(text: str) -> str:
    """A statement in quotes, without its closing full stop (the sentence around it has one)."""
    text = " ".join((text or "").split())
    if text.endswith(".") and not text.endswith(".."):
        text = text[:-1]
    return f"“{text}”"


def at_least(x: float) -> str:
    """'at least 7 in 10', 'more than 9 in 10', 'almost all' (for the weakest group's share)."""
    words = share_words(x)
    return words if words.startswith(("more than", "almost", "about")) else f"at least {words}"


def group_sentence(g: GroupView) -> str:
    """'Group A, 220 people: most agree that “…”, and most disagree that “…”.'"""
    head = f"{g.label}, {count_words(g.size, 'person', 'people')}"
    agree = [r for r in g.representative if r.direction == "agree"]
    disagree = [r for r in g.representative if r.direction == "disagree"]
    parts = []
    if agree:
        parts.append(f"{share_words(agree[0].share)} agree with {quoted(agree[0].statement.text)}")
    if disagree:
        parts.append(f"{share_words(disagree[0].share)} disagree with {quoted(disagree[0].statement.text)}")
    if not parts:
        return f"{head}: no statement sets this group clearly apart yet."
    return f"{head}: " + ", and ".join(parts) + "."


def finding_sentence(f: Finding) -> str:
    """How a common-ground statement or a split is backed, group by group, in words."""
    if f.direction == "split":
        hi, lo = f.most, f.least
        if hi is None or lo is None:
            return ""
        text = (f"{share_words(hi.agree)} of {hi.group.label} agree, "
                f"but {share_words(lo.disagree)} of {lo.group.label} disagree.")
        return text[0].upper() + text[1:]
    verb = "agree" if f.direction == "agree" else "disagree"
    weakest = min(f.groups, key=f.side) if f.groups else None
    text = f"A majority of every group {verb}s"
    if weakest is not None:
        text += f": {at_least(f.side(weakest))} in each"
    if f.too_few:
        text += " (" + ", ".join(g.label for g in f.too_few) + ": too few votes to tell)"
    return text + "."


@dataclass
class Summary:
    people: int
    votes: int
    statements: int
    places: int | None  # places heard from (None when the conversation has no places)
    groups: list[str] = field(default_factory=list)  # one sentence each
    top: list[Finding] = field(default_factory=list)


def places_heard(section: Any) -> int | None:
    """How many smallest places have at least one voice (bands only, never a small count)."""
    places = [as_dict(p) for p in as_list(as_dict(section).get("places"))]
    if not places:
        return None
    return sum(1 for p in places if p.get("is_leaf") and str(p.get("participants_band") or "0") != "0")


def summary(view: ReportView, *, top: int = 3) -> Summary:
    return Summary(people=view.counts.get("participants", 0), votes=view.counts.get("votes", 0),
                   statements=view.counts.get("statements", 0), places=places_heard(view.places),
                   groups=[group_sentence(g) for g in view.groups], top=view.common_ground[:top])
