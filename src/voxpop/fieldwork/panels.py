"""Invited panels chosen by lot: a volunteer pool, quotas, a draw with sortition-algorithms, one-time codes.

The pool is a CSV with an `id` column, optional `name` and `place` columns, and one column per attribute
(age_band, sex, ...). Quotas are a CSV `feature,value,min,max` (sortition-algorithms' own format): every
value of every feature named there gets a minimum and maximum number of panel members.

Algorithms: "maximin" and "nash" (sortition-algorithms, solved with HiGHS, no commercial solver) compute
a fair distribution over panels, so each volunteer's selection probability is exact; they are slow on big
pools (minutes for 1,000 people on one core). "legacy" (the Sortition Foundation's greedy draw) takes well
under a second; its selection probabilities are estimated from repeated draws and reported as such.
"""

from __future__ import annotations

import csv
import io
import secrets
from collections import Counter

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from voxpop import i18n
from voxpop.errors import Conflict, Invalid, NotFound
from voxpop.fieldwork.csvin import read_csv
from voxpop.i18n import N_
from voxpop.services.text import clean_text
from voxpop.store.db import rowcount
from voxpop.store.models import now_ms
from voxpop.store.models_fieldwork import Panel, Volunteer

ALGORITHMS = ("legacy", "maximin", "nash")
RESERVED = {"id", "name", "place"}
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"  # no 0/O, 1/I/L, U: letters people can read out
MAX_POOL = 20_000


def new_code() -> str:
    """A one-time invitation code: 10 characters (~49 bits), printed as XXXXX-XXXXX."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(10))


def normalise_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def pretty_code(code: str) -> str:
    return f"{code[:5]}-{code[5:]}"


def parse_quotas(data: bytes) -> list[dict]:
    rows = read_csv(data, what=N_("quotas"), required=["feature", "value", "min", "max"], max_rows=1000)
    out, seen = [], set()
    for i, r in enumerate(rows, start=2):
        feature, value = r["feature"].lower(), r["value"]
        if not feature or not value:
            raise Invalid(i18n.lazy_gettext("quotas line %(i)s: feature and value must not be empty", i=i))
        if feature in RESERVED - {"place"}:
            raise Invalid(i18n.lazy_gettext("quotas line %(i)s: %(feature)s cannot be a quota feature; use "
                                            "an attribute column", i=i, feature=repr(feature)))
        if not (r["min"].isdigit() and r["max"].isdigit()):
            raise Invalid(i18n.lazy_gettext("quotas line %(i)s: min and max must be whole numbers ≥ 0 (got "
                                            "%(min)s, %(max)s)", i=i, min=repr(r['min']), max=repr(r['max'])))
        lo, hi = int(r["min"]), int(r["max"])
        if lo > hi:
            raise Invalid(i18n.lazy_gettext("quotas line %(i)s: min %(lo)s is more than max %(hi)s for "
                                            "%(feature)s = %(value)s", i=i, lo=lo, hi=hi, feature=feature, value=value))
        if (feature, value) in seen:
            raise Invalid(i18n.lazy_gettext("quotas line %(i)s: %(feature)s = %(value)s appears twice; give "
                                            "each value one line", i=i, feature=feature, value=value))
        seen.add((feature, value))
        out.append({"feature": feature, "value": value, "min": lo, "max": hi})
    return out


def create_panel(s: Session, conversation_id: str, *, size: int, pool_csv: bytes, quotas_csv: bytes,
                 name: str = "") -> Panel:
    """A panel with its pool and quotas (not drawn yet); Invalid naming the line for bad input."""
    if not isinstance(size, int) or not 1 <= size <= 10_000:
        raise Invalid(i18n.lazy_gettext("size must be a whole number from 1 to 10000 (the number of people "
                                        "to invite)"))
    name = clean_text(name, field="name", max_len=200, min_len=0, multiline=False) if name else ""
    rows = read_csv(pool_csv, what=N_("pool"), required=["id"], max_rows=MAX_POOL)
    quotas = parse_quotas(quotas_csv)
    features = sorted({q["feature"] for q in quotas})
    header = list(rows[0])
    missing = [f for f in features if f not in header]
    if missing:
        raise Invalid(i18n.lazy_gettext("the quotas name %(missing)s, which the pool file has no column for "
                                        "(pool columns: %(header)s)", missing=', '.join(missing), header=', '.join(header)))
    ids: set[str] = set()
    for i, r in enumerate(rows, start=2):
        if not r["id"]:
            raise Invalid(i18n.lazy_gettext("pool line %(i)s: the id is empty; give every volunteer an id", i=i))
        if r["id"] in ids:
            raise Invalid(i18n.lazy_gettext("pool line %(i)s: id %(id)s appears twice; ids must be unique", i=i, id=repr(r['id'])))
        ids.add(r["id"])
        for f in features:
            if not r[f]:
                raise Invalid(i18n.lazy_gettext("pool line %(i)s: no %(f)s for volunteer %(id)s; every "
                                                "volunteer needs every quota field", i=i, f=f, id=repr(r['id'])))
    values = {(f, r[f]) for r in rows for f in features}
    quota_values = {(q["feature"], q["value"]) for q in quotas}
    unquoted = sorted(values - quota_values)
    if unquoted:
        f, v = unquoted[0]
        if len(unquoted) > 1:
            raise Invalid(i18n.lazy_gettext("volunteers have %(f)s = %(v)s but the quotas give no line for it; add "
                                            "'%(f)s,%(value)s,MIN,MAX' to the quotas (and %(more)s more)",
                                            f=f, v=repr(v), value=v, more=len(unquoted) - 1))
        raise Invalid(i18n.lazy_gettext("volunteers have %(f)s = %(v)s but the quotas give no line for it; add "
                                        "'%(f)s,%(value)s,MIN,MAX' to the quotas", f=f, v=repr(v), value=v))
    if len(rows) < size:
        raise Invalid(i18n.lazy_gettext("the pool has %(n)s volunteers, fewer than the %(size)s to invite", n=len(rows), size=size))
    panel = Panel(conversation_id=conversation_id, name=name, size=size, features=features, quotas=quotas)
    s.add(panel)
    s.flush()
    s.add_all(Volunteer(panel_id=panel.id, pool_id=r["id"][:100], name=r.get("name", "")[:300],
                        place_id=(r.get("place") or None) and r["place"][:100],
                        attributes={k: v for k, v in r.items() if k not in RESERVED})
              for r in rows)
    s.flush()
    return panel


def get_panel(s: Session, conversation_id: str, panel_id: int) -> Panel:
    p = s.get(Panel, panel_id)
    if p is None or p.conversation_id != conversation_id:
        raise NotFound(i18n.lazy_gettext("no panel %(panel_id)s in conversation %(conversation_id)s", panel_id=panel_id, conversation_id=repr(conversation_id)))
    return p


def _library_inputs(panel: Panel, vols: list[Volunteer]):
    from sortition_algorithms import CSVStringDataSource, SelectionData, Settings

    fq, fp = io.StringIO(), io.StringIO()
    wq, wp = csv.writer(fq), csv.writer(fp)
    wq.writerow(["feature", "value", "min", "max"])
    for q in panel.quotas:
        wq.writerow([q["feature"], q["value"], q["min"], q["max"]])
    wp.writerow(["voxpop_id", *panel.features])
    for v in vols:
        wp.writerow([str(v.id), *(_feature_value(v, f) for f in panel.features)])
    data = SelectionData(CSVStringDataSource(fq.getvalue(), fp.getvalue()))
    features, _ = data.load_features(panel.size)
    people, _ = data.load_people(Settings(id_column="voxpop_id", columns_to_keep=[]), features)
    return features, people


def _feature_value(v: Volunteer, feature: str) -> str:
    return (v.place_id or "") if feature == "place" else str(v.attributes.get(feature, ""))


def draw(s: Session, panel: Panel, *, algorithm: str = "legacy", seed: int = 0, estimate_draws: int = 200) -> dict:
    """Draw the panel: mark who is selected, give each of them a one-time code, record every volunteer's
    selection probability. Conflict if already drawn; Invalid (saying which quota to relax) if infeasible."""
    from sortition_algorithms import SortitionBaseError
    from sortition_algorithms.utils import set_random_provider

    if algorithm not in ALGORITHMS:
        raise Invalid(i18n.lazy_gettext("algorithm must be one of %(algorithms)s", algorithms=', '.join(ALGORITHMS)))
    if not 0 <= estimate_draws <= 10_000:
        raise Invalid(i18n.lazy_gettext("estimate_draws must be from 0 to 10000"))
    if panel.selected_ms is not None:
        raise Conflict(i18n.lazy_gettext("this panel was already drawn; create a new panel to draw again"))
    vols = list(s.scalars(select(Volunteer).where(Volunteer.panel_id == panel.id).order_by(Volunteer.id)))
    set_random_provider(seed or None)
    try:
        features, people = _library_inputs(panel, vols)
        chosen, probs, exact = _select(features, people, panel.size, algorithm, estimate_draws)
    except SortitionBaseError as e:
        raise Invalid(i18n.lazy_gettext("the quotas cannot be met with this pool: %(e)s", e=_flat(e))) from None
    except (ValueError, RuntimeError) as e:
        raise Invalid(i18n.lazy_gettext("the draw failed: %(e)s", e=e)) from None
    for v in vols:
        v.probability = probs.get(str(v.id))
        if str(v.id) in chosen:
            v.selected = True
            v.code = new_code()
    panel.algorithm = algorithm
    panel.selected_ms = now_ms()
    panel.report = {"algorithm": algorithm, "probabilities": "exact" if exact else "estimated",
                    "estimate_draws": None if exact else estimate_draws, "seeded": bool(seed),
                    "pool": len(vols), "selected": len(chosen)}
    s.flush()
    return panel_summary(s, panel)


def _flat(e: Exception) -> str:
    lines = getattr(e, "all_lines", None)
    text = " ".join(str(x) for x in lines) if lines else str(e)
    return " ".join(text.split())[:2000]


def _select(features, people, size: int, algorithm: str, estimate_draws: int):
    """(chosen ids, id -> probability, exact?)"""
    if algorithm == "legacy":
        from sortition_algorithms.committee_generation.legacy import find_random_sample_legacy

        def one() -> frozenset[str]:
            return find_random_sample_legacy(people, features, size, [], max_attempts=20)[0][0]

        chosen = one()
        counts: Counter[str] = Counter()
        for _ in range(estimate_draws):
            counts.update(one())
        shares = {pid: counts[pid] / estimate_draws for pid in people} if estimate_draws else {}
        return chosen, shares, False
    from sortition_algorithms.committee_generation import standardize_distribution
    from sortition_algorithms.core import lottery_rounding

    if algorithm == "maximin":
        from sortition_algorithms.committee_generation.maximin import find_distribution_maximin as find
    else:
        from sortition_algorithms.committee_generation.nash import find_distribution_nash as find
    committees, weights, _ = find(features, people, size, [])
    committees, weights = standardize_distribution(committees, weights)
    probs: dict[str, float] = {pid: 0.0 for pid in people}
    for c, w in zip(committees, weights, strict=True):
        for pid in c:
            probs[pid] += w
    return lottery_rounding(committees, weights, 1)[0], probs, True


def panel_summary(s: Session, panel: Panel) -> dict:
    """The panel, its quotas against the selected members, probabilities and participation."""
    vols = list(s.scalars(select(Volunteer).where(Volunteer.panel_id == panel.id)))
    chosen = [v for v in vols if v.selected]
    counts = Counter((f, _feature_value(v, f)) for v in chosen for f in panel.features)
    quotas = [{**q, "selected": counts[(q["feature"], q["value"])],
               "met": q["min"] <= counts[(q["feature"], q["value"])] <= q["max"]} for q in panel.quotas]
    probs = [v.probability for v in vols if v.probability is not None]
    return {
        "id": panel.id, "conversation": panel.conversation_id, "name": panel.name, "size": panel.size,
        "pool": len(vols), "features": panel.features, "drawn": panel.selected_ms is not None,
        "algorithm": panel.algorithm, "report": panel.report, "quotas": quotas,
        "all_quotas_met": bool(chosen) and all(q["met"] for q in quotas),
        "probabilities": {"min": min(probs), "max": max(probs), "mean": sum(probs) / len(probs),
                          "zero": sum(1 for p in probs if p == 0)} if probs else None,
        "selected": len(chosen), "taken_part": sum(1 for v in chosen if v.used_ms is not None),
    }


def members(s: Session, panel: Panel, *, selected_only: bool = True) -> list[dict]:
    q = select(Volunteer).where(Volunteer.panel_id == panel.id).order_by(Volunteer.pool_id)
    if selected_only:
        q = q.where(Volunteer.selected.is_(True))
    return [{"pool_id": v.pool_id, "name": v.name, "place": v.place_id, "attributes": v.attributes,
             "selected": v.selected, "probability": v.probability,
             "code": pretty_code(v.code) if v.code else None, "taken_part": v.used_ms is not None}
            for v in s.scalars(q)]


def find_invitation(s: Session, code: str) -> Volunteer:
    norm = normalise_code(code or "")
    v = s.scalars(select(Volunteer).where(Volunteer.code == norm)).first() if len(norm) == 10 else None
    if v is None:
        raise NotFound(i18n.lazy_gettext("this invitation code is not known; check the letter (letters and "
                                         "digits, e.g. ABCDE-23456)"))
    return v


def invitation_info(s: Session, code: str) -> dict:
    """What the holder of a code may know: the conversation, whether it was used, the place."""
    v = find_invitation(s, code)
    panel = s.get(Panel, v.panel_id)
    return {"conversation": panel.conversation_id if panel else None, "used": v.used_ms is not None,
            "place": v.place_id, "code": pretty_code(v.code or "")}


def redeem(s: Session, code: str, participant_id: int) -> tuple[Volunteer, Panel]:
    """Bind the participant to the invitation (place and attributes); a code works once.
    The same participant redeeming again is a no-op; anyone else gets Conflict."""
    from voxpop.store.models import Participant
    from voxpop.store.models_fieldwork import FieldParticipant

    v = find_invitation(s, code)
    panel = s.get(Panel, v.panel_id)
    p = s.get(Participant, participant_id)
    if p is None or panel is None or p.conversation_id != panel.conversation_id:
        raise Invalid(i18n.lazy_gettext("this invitation is for another conversation"))
    if v.used_ms is not None:
        if v.participant_id == participant_id:
            return v, panel
        raise Conflict(i18n.lazy_gettext("this invitation code was already used; each code works once"))
    if s.get(FieldParticipant, participant_id) is not None:
        raise Conflict(i18n.lazy_gettext("you already took part through another channel here; an invitation "
                                         "cannot be added"))
    # claim the code atomically: a concurrent redemption of the same code updates no row
    claimed = rowcount(s.execute(update(Volunteer)
                        .where(Volunteer.id == v.id, Volunteer.used_ms.is_(None))
                        .values(used_ms=now_ms(), participant_id=participant_id)))
    if claimed != 1:
        raise Conflict(i18n.lazy_gettext("this invitation code was already used; each code works once"))
    p.place_id = v.place_id or p.place_id
    p.strata = {k: str(val)[:100] for k, val in list(v.attributes.items())[:20]}
    s.add(FieldParticipant(participant_id=participant_id, conversation_id=p.conversation_id, channel="invited",
                           volunteer_id=v.id))
    s.flush()
    s.expire(v)
    return v, panel


def panels_of(s: Session, conversation_id: str) -> list[dict]:
    rows = s.execute(select(Panel).where(Panel.conversation_id == conversation_id).order_by(Panel.id)).scalars()
    return [panel_summary(s, p) for p in rows]


__all__ = ["ALGORITHMS", "create_panel", "draw", "find_invitation", "members", "panel_summary", "redeem",
           "new_code"]
