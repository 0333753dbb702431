"""voxpop vs red-dwarf, side by side in the same run, plus voxpop end to end at national scale.

    ./run bench speed                       # modest: the shared Pol.is conversations + 2k x 500, 20k x 2k
    ./run bench speed --large               # + 50k x 5k (both peers) and voxpop alone end to end:
                                            #   100k x 5k and 1M x 10k (`voxpop analyze` incl. CSV parsing)
    ./run bench speed --large --skip-reddwarf-large

red-dwarf 0.4.0 runs in its own virtualenv (.venv-reddwarf, created here when missing) through the shared
harness ../shared/bench/reddwarf_bench.py, which this script RUNS (never copies). voxpop runs through the
same harness, under voxpop's own Python, as the plug-in peer bench/voxpop_peer.py:run_peer — same data
(the harness's loader and seeded generator), same timing rule (best of N runs, conversion included).
Targets: >= 10x faster than red-dwarf; 1M x 10k end to end < 60 s and < 8 GB peak RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("VOXPOP_SHARED", ROOT.parent / "shared"))
HARNESS = SHARED / "bench" / "reddwarf_bench.py"
RD_VENV = ROOT / ".venv-reddwarf"
RD_PY = RD_VENV / "bin" / "python"
VX_PY = Path(sys.executable)
VOXPOP = VX_PY.parent / "voxpop"
SPEED_TARGET = 10.0
E2E_TARGET = {"1000000x10000": (60.0, 8 * 1024)}  # seconds, MiB


def ensure_reddwarf() -> None:
    if RD_PY.exists() and subprocess.run([str(RD_PY), "-c", "import reddwarf"], capture_output=True).returncode == 0:
        return
    print(f"creating {RD_VENV} with red-dwarf==0.4.0 ...", flush=True)
    base = os.environ.get("PYTHON", "python3.11")
    subprocess.run([base, "-m", "venv", str(RD_VENV)], check=True)
    subprocess.run([str(RD_VENV / "bin" / "pip"), "install", "-q", "red-dwarf==0.4.0"], check=True)


def harness(py: Path, args: list[str], out: Path, peer: str) -> list[dict]:
    """Run the shared harness once; return the JSONL rows it appended."""
    env = dict(os.environ, PYTHONPATH=str(ROOT / "bench"))
    before = out.read_text().count("\n") if out.exists() else 0
    cmd = ["nice", "-n", "10", str(py), "-W", "ignore", str(HARNESS), *args, "--peer", peer, "--out", str(out)]
    r = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if r.returncode != 0:
        print(f"  harness failed for {peer}: {r.stderr.strip().splitlines()[-1:]}", flush=True)
    rows = [json.loads(x) for x in out.read_text().splitlines()[before:]] if out.exists() else []
    return rows


def ratio(rd: float | None, vx: float | None) -> str:
    if not rd or not vx:
        return "-"
    r = rd / vx
    return f"{r:.1f}x {'ok' if r >= SPEED_TARGET else 'below 10x'}"


def fmt(x, nd=3) -> str:
    return "-" if x is None else (f"{x:.{nd}f}" if isinstance(x, float) else f"{x:,}" if isinstance(x, int) else str(x))


def compare(kind: str, items: list[tuple[str, list[str]]], out: Path, repeats: int, rd_skip: set[str]) -> list[dict]:
    rows = []
    for name, args in items:
        print(f"{kind} {name} ...", flush=True)
        extra = ["--repeats", str(repeats)]
        vx = harness(VX_PY, args + extra, out, "voxpop_peer:run_peer")
        vxnb = harness(VX_PY, args + extra, out, "voxpop_peer:run_peer_no_bridging")
        rd = [] if name in rd_skip else harness(RD_PY, args + extra, out, "reddwarf")
        for i, v in enumerate(vx):
            r = rd[i] if i < len(rd) else {}
            nb = vxnb[i] if i < len(vxnb) else {}
            rows.append({"dataset": v["dataset"], "participants": v["participants"], "comments": v["comments"],
                         "votes": v["votes"], "voxpop_s": v.get("time_s"), "voxpop_no_bridging_s": nb.get("time_s"),
                         "reddwarf_s": r.get("time_s"), "voxpop_k": v.get("peer_groups"),
                         "reddwarf_k": r.get("peer_groups"), "voxpop_ari": v.get("ari"), "reddwarf_ari": r.get("ari"),
                         "voxpop_rss_mib": v.get("maxrss_mib"), "reddwarf_rss_mib": r.get("maxrss_mib"),
                         "reddwarf_error": r.get("error") if r else ("skipped" if name in rd_skip else None)})
    return rows


def table(rows: list[dict], ref: str) -> str:
    head = ["dataset", "P", "M", "votes", "voxpop s", "voxpop s (no bridging)", "red-dwarf s", "ratio",
            "ratio (no bridging)", "k vx/rd", f"ARI vx/rd vs {ref}", "peak MiB vx/rd"]
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        out.append("| " + " | ".join([
            r["dataset"], fmt(r["participants"]), fmt(r["comments"]), fmt(r["votes"]), fmt(r["voxpop_s"]),
            fmt(r["voxpop_no_bridging_s"]), fmt(r["reddwarf_s"]) if not r["reddwarf_error"] else r["reddwarf_error"][:40],
            ratio(r["reddwarf_s"], r["voxpop_s"]), ratio(r["reddwarf_s"], r["voxpop_no_bridging_s"]),
            f"{fmt(r['voxpop_k'])}/{fmt(r['reddwarf_k'])}", f"{fmt(r['voxpop_ari'])}/{fmt(r['reddwarf_ari'])}",
            f"{fmt(r['voxpop_rss_mib'], 0)}/{fmt(r['reddwarf_rss_mib'], 0)}"]) + " |")
    return "\n".join(out)


def _cpu_s(text: str) -> float | None:
    user = re.search(r"User time \(seconds\): ([\d.]+)", text)
    system = re.search(r"System time \(seconds\): ([\d.]+)", text)
    return round(float(user.group(1)) + float(system.group(1)), 1) if user and system else None


def _time_v(text: str) -> tuple[float | None, float | None]:
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)", text)
    secs = None
    if wall:
        secs = 0.0
        for part in wall.group(1).split(":"):
            secs = secs * 60 + float(part)
    return secs, (int(rss.group(1)) / 1024 if rss else None)


def end_to_end(size: str, workdir: Path, json_out: bool) -> dict:
    """`voxpop simulate` then `voxpop analyze` in its own process under /usr/bin/time -v."""
    p, m = (int(x) for x in size.split("x"))
    data = workdir / f"sim-{size}"
    if not (data / "votes.csv").exists():
        print(f"simulating {size} ...", flush=True)
        subprocess.run(["nice", "-n", "10", str(VOXPOP), "simulate", str(data), "--participants", str(p),
                        "--statements", str(m), "--votes-per-participant", "30..70", "--seed", "1"], check=True,
                       stdout=subprocess.DEVNULL)
    print(f"voxpop analyze {size} ...", flush=True)
    cmd = ["nice", "-n", "10", "/usr/bin/time", "-v", str(VOXPOP), "analyze", str(data / "votes.csv"),
           "--statements", str(data / "statements.csv"), "--quiet"]
    if json_out:
        cmd += ["--json", str(data / "analysis.json")]
    t = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True)
    wall, rss = _time_v(r.stderr)
    row = {"size": size, "participants": p, "statements": m, "votes_csv_mib": round((data / "votes.csv").stat().st_size
                                                                                    / 2**20),
           "wall_s": wall or round(time.perf_counter() - t, 2), "cpu_s": _cpu_s(r.stderr), "peak_rss_mib": rss,
           "exit": r.returncode}
    if json_out and (data / "analysis.json").exists():
        doc = json.loads((data / "analysis.json").read_text())
        row["timings"] = doc["meta"]["timings"]
        row["k"] = doc["meta"]["k"]
        truth = json.loads((data / "truth.json").read_text())
        from sklearn.metrics import adjusted_rand_score

        labels = [q["group"] if q["group"] is not None else -1 for q in doc["participants"]]
        row["ari_vs_planted"] = round(float(adjusted_rand_score(truth["participant_group"], labels)), 4)
    if r.returncode != 0:
        row["error"] = r.stderr.strip().splitlines()[-1:] if r.stderr else "failed"
    return row


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--synth", default="2000x500,20000x2000", help="simulated sizes PxM for both peers")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--large", action="store_true", help="add 50000x5000 (both) and voxpop end to end at scale")
    ap.add_argument("--skip-reddwarf-large", action="store_true", help="do not run red-dwarf at 50000x5000")
    ap.add_argument("--e2e", default="100000x5000,1000000x10000", help="end-to-end sizes with --large")
    ap.add_argument("--no-real", action="store_true", help="skip the shared Pol.is conversations")
    ap.add_argument("--workdir", default=None, help="where simulated data goes (default: a temp folder)")
    ap.add_argument("--out", default=str(ROOT / "results" / "speed"), help="results folder (git-ignored)")
    a = ap.parse_args(argv)
    if not HARNESS.exists():
        print(f"the red-dwarf harness is not at {HARNESS}: set VOXPOP_SHARED", file=sys.stderr)
        return 2
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    jsonl = out / f"harness-{stamp}.jsonl"
    ensure_reddwarf()
    report: dict = {"host": f"{os.uname().nodename} cpus={os.cpu_count()}", "when": stamp}
    lines = [f"# voxpop vs red-dwarf 0.4.0 ({stamp}, {report['host']})", ""]
    if not a.no_real:
        folders = sorted(str(p) for p in (SHARED / "data" / "polis").iterdir()
                         if (p / "participants-votes.csv").exists())
        real = compare("real", [("real", ["real", *folders])], jsonl, a.repeats, set())
        report["real"] = real
        lines += ["## Shared Pol.is conversations (best of runs, ARI vs Pol.is group-id)", "", table(real, "Pol.is"), ""]
    sizes = [s for s in a.synth.split(",") if s] + (["50000x5000"] if a.large else [])
    skip = {"50000x5000"} if a.skip_reddwarf_large else set()
    items = []
    for s in sizes:
        p, m = s.split("x")
        items.append((s, ["synth", "--participants", p, "--comments", m]))
    if items:
        synth = compare("synth", items, jsonl, a.repeats, skip)
        report["synth"] = synth
        lines += ["## Simulated (harness generator, ARI vs latent groups)", "", table(synth, "latent"), ""]
    if a.large:
        work = Path(a.workdir) if a.workdir else Path(tempfile.mkdtemp(prefix="voxpop-speed-"))
        e2e = [end_to_end(s, work, json_out=True) for s in a.e2e.split(",") if s]
        report["end_to_end"] = e2e
        lines += ["## voxpop end to end (`voxpop analyze votes.csv --json`, own process, /usr/bin/time -v)", "",
                  "| size | votes.csv MiB | wall s | CPU s (user+sys) | parse s | stages s | peak RSS MiB | k "
                  "| ARI vs planted | target |", "|---|---|---|---|---|---|---|---|---|---|"]
        for r in e2e:
            tgt = E2E_TARGET.get(r["size"])
            verdict = "-" if not tgt else ("ok" if (r["wall_s"] or 1e9) < tgt[0] and (r["peak_rss_mib"] or 1e9) < tgt[1]
                                           else f"MISSED (< {tgt[0]:.0f} s, < {tgt[1] / 1024:.0f} GB)")
            tm = r.get("timings") or {}
            stages = ", ".join(f"{k[:-2]} {v:.1f}" for k, v in tm.items() if v and k not in ("load_s", "total_s"))
            lines.append(f"| {r['size']} | {r['votes_csv_mib']} | {fmt(r['wall_s'], 1)} | {fmt(r['cpu_s'], 1)} "
                         f"| {fmt(tm.get('load_s'), 1)} | {stages or '-'} | {fmt(r['peak_rss_mib'], 0)} "
                         f"| {r.get('k', '-')} | {r.get('ari_vs_planted', '-')} | {verdict} |")
        lines.append("")
    lines.append(f"Targets: voxpop >= {SPEED_TARGET:.0f}x faster than red-dwarf; 1M x 10k end to end < 60 s, < 8 GB.")
    load = os.getloadavg()
    report["load_average_end"] = load
    lines.append(f"Load average at the end: {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} on {os.cpu_count()} cores "
                 "(a busy machine inflates wall times; peers run back to back, so compare ratios).")
    text = "\n".join(lines)
    print("\n" + text)
    (out / f"speed-{stamp}.md").write_text(text + "\n")
    (out / f"speed-{stamp}.json").write_text(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
