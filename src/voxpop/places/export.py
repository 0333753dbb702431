"""CSV exports of the places results, written from the already-suppressed document (docs/places.md).

Nothing here recomputes a figure, so a cell suppressed in the JSON cannot reappear in a CSV.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

SUPPORT_COLUMNS = ["statement", "policy", "n", "agree", "agree_lo", "agree_hi", "disagree", "disagree_lo",
                   "disagree_hi", "pass", "pass_lo", "pass_hi", "w_n", "w_n_effective", "w_agree", "w_agree_lo",
                   "w_agree_hi", "w_disagree", "w_disagree_lo", "w_disagree_hi", "w_pass", "w_pass_lo", "w_pass_hi"]
PLACE_COLUMNS = ["id", "name", "level", "parent", "kind", "population", "participants", "participants_band",
                 "voices_per_100k", "target_share", "sample_share", "coverage_ratio"]
NEXT_COLUMNS = ["place", "name", "level", "parent", "kind", "population", "participants", "participants_band",
                "voices_per_100k", "coverage_ratio", "status", "voices_needed"]


def _support_rows(document: dict) -> list[list]:
    out = []
    for st in document.get("statements", []):
        sup = st.get("support")
        if not sup:
            continue
        u, w = sup["unweighted"], sup["weighted"]
        row = [st["id"], sup["policy"], u["n"]]
        for key in ("agree", "disagree", "pass"):
            ci = u.get(f"{key}_ci") or [None, None]
            row += [u.get(key), ci[0], ci[1]]
        row += [w["n"], w.get("n_effective")]
        for key in ("agree", "disagree", "pass"):
            ci = w.get(f"{key}_ci") or [None, None]
            row += [w.get(key), ci[0], ci[1]]
        out.append(row)
    return out


def tables(document: dict) -> dict[str, tuple[list[str], list[list]]]:
    """name -> (header, rows) for every places table of the document."""
    places = document.get("places") or {}
    if not places:
        return {}
    cov = places.get("coverage") or {}
    return {
        "support.csv": (SUPPORT_COLUMNS, _support_rows(document)),
        "places.csv": (PLACE_COLUMNS, [[p.get(c) for c in PLACE_COLUMNS] for p in places.get("places", [])]),
        "breakdowns.csv": (places["breakdowns"]["columns"], places["breakdowns"]["rows"]),
        "coverage_next.csv": (NEXT_COLUMNS, [[r.get(c) for c in NEXT_COLUMNS] for r in cov.get("next", [])]),
    }


def to_csv(header: list[str], rows: list[list]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows([["" if v is None else v for v in r] for r in rows])
    return buf.getvalue()


def write_csvs(document: dict, out_dir: str | Path) -> list[Path]:
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
