"""Writing simulated conversations fast (pyarrow), as a plain votes CSV or a Pol.is export folder."""

from __future__ import annotations

import csv
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

from voxpop.io.atomic import atomic_write
from voxpop.io.polis_writer import write_comments, write_summary, write_votes


def write_plain(sim, out: Path) -> list[Path]:
    """votes.csv (participant,statement,vote,timestamp) + statements.csv (statement,text)."""
    table = pa.table({"participant": pa.array(sim.participant), "statement": pa.array(sim.statement),
                      "vote": pa.array(sim.vote), "timestamp": pa.array(sim.timestamp)})
    with atomic_write(out / "votes.csv", "wb") as f:
        f.write(b"participant,statement,vote,timestamp\n")
        pacsv.write_csv(table, f, write_options=pacsv.WriteOptions(include_header=False, quoting_style="none"))
    with atomic_write(out / "statements.csv") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["statement", "text"])
        w.writerows(zip(sim.statement_ids, sim.texts, strict=True))
    return [out / "votes.csv", out / "statements.csv"]


def write_polis(sim, out: Path) -> list[Path]:
    """comments.csv + votes.csv + summary.csv, as a Pol.is export (no participants-votes.csv: that
    file carries Pol.is's own groups, which a simulation does not have)."""
    conv = sim.to_conversation()
    for name, fn in [("comments.csv", write_comments), ("votes.csv", write_votes), ("summary.csv", write_summary)]:
        with atomic_write(out / name, "wb") as f:
            fn(f, conv)  # type: ignore[arg-type]  # atomic_write(..., 'wb') is a binary file
    return [out / "comments.csv", out / "votes.csv", out / "summary.csv"]
