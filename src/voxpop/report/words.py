"""Plain words for citizens: shares as people say them, a sentence per group, the summary at the top.

"91% of everyone agree" reads worse than "9 in 10 people agree"; a group is described by what most of
its members agree and disagree with, in one sentence; the summary says how many people, from how many
places, the groups, and the top of the common ground.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from voxpop import i18n
from voxpop.report.view import Finding, GroupView, ReportView, as_dict, as_list


def share_words(x: float | None) -> str:
    """A share as people say it: 'almost all', '9 in 10', 'about half', '1 in 10', 'hardly any'."""
    if x is None:
        return "–"
    if x >= 0.97:
        return i18n._("almost all")
    if x <= 0.03:
        return i18n._("hardly any")
    tenths = round(x * 10)
    if tenths == 5:
        return i18n._("about half")
    if tenths == 10:
        return i18n._("more than 9 in 10")
    if tenths == 0:
        return i18n._("fewer than 1 in 10")
    return i18n._("%(n)s in 10", n=tenths)


_COUNTS = {
    ("person", "people"): lambda n: i18n.ngettext("%(num)s person", "%(num)s people", n),
    ("person has", "people have"): lambda n: i18n.ngettext("%(num)s person has", "%(num)s people have", n),
    ("place", "places"): lambda n: i18n.ngettext("%(num)s place", "%(num)s places", n),
}


def count_words(n: Any, one: str, many: str) -> str:
    """'1 person', '1,204 people' (in the reader's language for the pairs in _COUNTS)."""
    n = int(n or 0)
    known = _COUNTS.get((one, many))
    return known(n) if known else f"{n:,} {one if n == 1 else many}"


def quoted(text: str) -> str:
    """A statement in quotes, without its closing full stop (the sentence around it has one)."""
    text = " ".join((text or "").split())
    if text.endswith(".") and not text.endswith(".."):
        text = text[:-1]
    if i18n.text_direction() == "rtl":  # isolated (FSI..PDI): left-to-right words keep their order and stops
        return f"«\u2068{text}\u2069»"
    return f"“{text}”"


def at_least(x: float) -> str:
    """'at least 7 in 10', 'more than 9 in 10', 'almost all' (for the weakest group's share)."""
    if x >= 0.97 or round(x * 10) in (5, 10):
        return share_words(x)
    return i18n._("at least %(share)s", share=share_words(x))


def group_sentence(g: GroupView) -> str:
    """'Group A, 220 people: most agree that “…”, and most disagree that “…”.'"""
    head = i18n._("%(group)s, %(people)s", group=g.label, people=count_words(g.size, "person", "people"))
    agree = [r for r in g.representative if r.direction == "agree"]
    disagree = [r for r in g.representative if r.direction == "disagree"]
    a = (i18n._("%(share)s agree with %(statement)s", share=share_words(agree[0].share),
                statement=quoted(agree[0].statement.text)) if agree else None)
    d = (i18n._("%(share)s disagree with %(statement)s", share=share_words(disagree[0].share),
                statement=quoted(disagree[0].statement.text)) if disagree else None)
    if a and d:
        return i18n._("%(head)s: %(agree)s, and %(disagree)s.", head=head, agree=a, disagree=d)
    if a or d:
        return i18n._("%(head)s: %(part)s.", head=head, part=a or d)
    return i18n._("%(head)s: no statement sets this group clearly apart yet.", head=head)


def finding_sentence(f: Finding) -> str:
    """How a common-ground statement or a split is backed, group by group, in words."""
    if f.direction == "split":
        hi, lo = f.most, f.least
        if hi is None or lo is None:
            return ""
        text = i18n._("%(share_a)s of %(group_a)s agree, but %(share_b)s of %(group_b)s disagree.",
                      share_a=share_words(hi.agree), group_a=hi.group.label, share_b=share_words(lo.disagree),
                      group_b=lo.group.label)
        return text[0].upper() + text[1:]
    weakest = min(f.groups, key=f.side) if f.groups else None
    agree = f.direction == "agree"
    if weakest is not None:
        share = at_least(f.side(weakest))
        text = (i18n._("A majority of every group agrees: %(share)s in each", share=share) if agree else
                i18n._("A majority of every group disagrees: %(share)s in each", share=share))
    else:
        text = i18n._("A majority of every group agrees") if agree else i18n._("A majority of every group disagrees")
    if f.too_few:
        text += " " + i18n._("(%(groups)s: too few votes to tell)", groups=", ".join(g.label for g in f.too_few))
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
