"""CSV exports of the places results, written from the already-suppressed document (docs/places.md).

Nothing here recomputes a figure, so a cell suppressed in the JSON cannot reappear in a CSV.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from voxpop.analysis.schema import AnalysisDocument
from voxpop.analysis.schema_places import UnweightedSupport, WeightedSupport

SUPPORT_COLUMNS = ["statement", "policy", "n", "agree", "agree_lo", "agree_hi", "disagree", "disagree_lo",
                   "disagree_hi", "pass", "pass_lo", "pass_hi", "w_n", "w_n_effective", "w_agree", "w_agree_lo",
                   "w_agree_hi", "w_disagree", "w_disagree_lo", "w_disagree_hi", "w_pass", "w_pass_lo", "w_pass_hi"]
PLACE_COLUMNS = ["id", "name", "level", "parent", "kind", "population", "participants", "participants_band",
                 "voices_per_100k", "target_share", "sample_share", "coverage_ratio"]
NEXT_COLUMNS = ["place", "name", "level", "parent", "kind", "population", "participants", "participants_band",
                "voices_per_100k", "coverage_ratio", "status", "voices_needed"]


def _shares(b: UnweightedSupport | WeightedSupport) -> list:
    """agree, its interval, disagree, its interval, pass, its interval (None where suppressed)."""
    out: list = []
    for share, ci in ((b["agree"], b["agree_ci"]), (b["disagree"], b["disagree_ci"]), (b["pass"], b["pass_ci"])):
        out += [share, *(ci or [None, None])]
    return out


def _support_rows(document: AnalysisDocument) -> list[list]:
    out: list[list] = []
    for st in document["statements"]:
        sup = st["support"]
        if sup:
            u, w = sup["unweighted"], sup["weighted"]
            out.append([st["id"], sup["policy"], u["n"], *_shares(u), w["n"], w["n_effective"], *_shares(w)])
    return out


def tables(document: AnalysisDocument) -> dict[str, tuple[list[str], list[list]]]:
    """name -> (header, rows) for every places table of the document."""
    places = document["places"]
    if not places:
        return {}
    return {
        "support.csv": (SUPPORT_COLUMNS, _support_rows(document)),
        "places.csv": (PLACE_COLUMNS, [[p.get(c) for c in PLACE_COLUMNS] for p in places["places"]]),
        "breakdowns.csv": (places["breakdowns"]["columns"], places["breakdowns"]["rows"]),
        "coverage_next.csv": (NEXT_COLUMNS, [[r.get(c) for c in NEXT_COLUMNS] for r in places["coverage"]["next"]]),
    }


def to_csv(header: list[str], rows: list[list]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows([["" if v is None else v for v in r] for r in rows])
    return buf.getvalue()


def write_csvs(document: AnalysisDocument, out_dir: str | Path) -> list[Path]:
    """Write support.csv, places.csv, breakdowns.csv and coverage_next.csv; returns the paths written.
    Each file is written to a temporary name first and renamed, so nothing is left half-written."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, (header, rows) in tables(document).items():
        path = out / name
        tmp = path.with_suffix(".csv.tmp")
        tmp.write_text(to_csv(header, rows), encoding="utf-8")
        tmp.replace(path)
        written.append(path)
    return written
