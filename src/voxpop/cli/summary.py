"""The readable summary `voxpop analyze` prints, drawn from the analysis document only."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from voxpop.analysis.schema import AnalysisDocument, CommonGround, Split, Statement

TEXT_WIDTH = 72


def _letter(g: int) -> str:
    return chr(ord("A") + g) if g < 26 else f"G{g + 1}"


def _short(text: str, width: int = TEXT_WIDTH) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _n(n: int, one: str, many: str) -> str:
    """"1 vote", "2 votes" (the counts line said "1 participants · 1 statements · 1 votes")."""
    return f"{n:,} {one if n == 1 else many}"


def _pct(n: int, d: int) -> str:
    return f"{100 * n / d:.0f}%" if d else "–"


def print_summary(console: Console, doc: AnalysisDocument) -> None:
    meta = doc["meta"]
    c = meta["counts"]
    stmts = {s["id"]: s for s in doc["statements"]}
    width = max(40, min(140, console.width - 24))
    label = lambda sid: f"[dim]#{sid}[/] {_short(stmts[sid]['text'] or '(no text)', width)}"  # noqa: E731

    console.rule(f"[bold]{meta['conversation']['title'] or 'Conversation'}")
    console.print(f"[dim]{meta['conversation']['source']}[/]")
    console.print(f"{_n(c['participants'], 'participant', 'participants')} · "
                  f"{_n(c['statements'], 'statement', 'statements')} · {_n(c['votes'], 'vote', 'votes')} · "
                  f"{c['participants_in_conversation']:,} in the conversation · "
                  f"{c['statements_moderated_out']:,} moderated out")
    if meta["status"] != "ok":
        console.print(f"[yellow]Not enough to analyse yet:[/] {meta['message']}")
        return
    grouped = sum(g["size"] for g in doc["groups"])
    console.print(f"\n[bold]{meta['k']} opinion groups[/] "
                  + " · ".join(f"{_letter(g['id'])}: {g['size']:,} ({_pct(g['size'], grouped)})"
                               for g in doc["groups"]))
    for g in doc["groups"]:
        t = Table(title=f"Group {_letter(g['id'])} — what sets it apart", title_justify="left", show_edge=False,
                  show_header=False, box=None, padding=(0, 1))
        t.add_column("", no_wrap=True)
        t.add_column("statement")
        for r in g["representative"][:3]:
            n = r["n_agree"] if r["direction"] == "agree" else r["n_disagree"]
            colour = "green" if r["direction"] == "agree" else "red"
            t.add_row(f"[{colour}]{_pct(n, r['n_seen'])} {r['direction']}[/]", label(r["statement"]))
        console.print(t)

    def listing(title: str, rows: list[tuple[str, str]]) -> None:
        t = Table(title=title, title_justify="left", show_header=False, show_edge=False, box=None, padding=(0, 1))
        t.add_column("", no_wrap=True)
        t.add_column("statement")
        for left, sid in rows:
            t.add_row(left, label(sid))
        if not rows:
            t.add_row("", "[dim](none)[/]")
        console.print()
        console.print(t)

    overall = lambda s: f"[green]{_pct(s['n_agree'], s['n_seen'])} agree[/]"  # noqa: E731
    cons = [("agree", sid) for sid in doc["consensus"]["agree"]] + [("disagree", s) for s in doc["consensus"]["disagree"]]

    def side_share(side: str, s: Statement) -> str:
        n = s["n_agree"] if side == "agree" else s["n_disagree"]
        return f"[{'green' if side == 'agree' else 'red'}]{_pct(n, s['n_seen'])} {side}[/]"

    def floor(item: CommonGround) -> str:
        side = item["direction"]
        return f"[{'green' if side == 'agree' else 'red'}]≥{item['floor'] * 100:.0f}% {side}[/]"

    cg: list[CommonGround]
    if "common_ground" in doc:
        cg = doc["common_ground"]
    else:  # a document from before common_ground
        from voxpop.analysis.common_ground import fill

        cg = fill(dict(doc))["common_ground"]
    listing("Common ground (a majority of every group, weakest group shown)",
            [(floor(item), item["statement"]) for item in cg[:6]])
    listing("Most people, overall (Pol.is consensus; a big group can carry these alone)",
            [(side_share(side, stmts[sid]), sid) for side, sid in cons[:6]])
    in_cg = {item["statement"] for item in cg}
    listing("Also bridging the divide (not already common ground)",
            [(overall(stmts[sid]), sid) for sid in doc["bridging"] if sid not in in_cg][:5])

    def by_group(s: Statement) -> str:
        return " ".join(f"{_letter(b['group'])} {_pct(b['n_agree'], b['n_agree'] + b['n_disagree'])}"
                        for b in s["by_group"])

    split: list[Split] | None = doc.get("splits")
    if split is None:
        from voxpop.analysis.common_ground import fill

        split = fill(dict(doc))["splits"]
    listing("Where groups split (agree share of each group's agree/disagree votes)",
            [(f"[magenta]{by_group(stmts[item['statement']])}[/]", item["statement"]) for item in split[:5]])
    tm = meta["timings"]
    parts = [f"{k[:-2]} {v:.2f}s" for k, v in tm.items() if k != "total_s" and v]
    console.print(f"\n[dim]time: {tm['total_s']:.2f}s total ({', '.join(parts)})[/]")
