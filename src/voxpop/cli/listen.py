"""voxpop listen: testimony files -> themes, verbatim quotes and candidate statements (docs/listening.md)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import typer

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import TaskID

    from voxpop.analysis.schema import AnalysisDocument
    from voxpop.analysis.schema_themes import ThemesSection

from voxpop.cli import app


def themes_document(themes: Mapping[str, Any], title: str = "Listening") -> AnalysisDocument:
    """An analysis document (docs/analysis-schema.md) holding only the themes section, checked against its
    types (voxpop.analysis.schema)."""
    from voxpop import __version__
    from voxpop.analysis.document import TIMING_KEYS
    from voxpop.analysis.schema import validate

    doc: AnalysisDocument = {
        "meta": {"schema": "voxpop.analysis", "schema_version": 1,
                 "generated_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                 "voxpop_version": __version__,
                 "conversation": {"id": "listening", "title": title, "source": "testimony"},
                 "counts": {"participants": 0, "statements": 0, "votes": 0, "participants_in_conversation": 0,
                            "statements_moderated_out": 0, "statements_meta": 0},
                 "k": None, "k_range": None, "seed": 0, "status": "too_few_votes",
                 "message": "testimony only: no votes were analysed", "options": {},
                 "timings": dict.fromkeys(TIMING_KEYS)},
        "participants": [], "groups": [], "statements": [],
        "consensus": {"agree": [], "disagree": []}, "group_informed_consensus": [], "bridging": [],
        "divisive": [], "common_ground": [], "splits": [], "places": None, "themes": None,
    }
    doc["themes"] = cast("ThemesSection", themes)
    return validate(doc)  # also strict JSON: the CLI writes it with json.dumps, which would write NaN


def _atomic_write(path: Path, text: str) -> None:
    from voxpop.cli.output import write_text

    write_text(path, text)  # "-" is stdout


@app.command("listen")
def listen_cmd(
    files: list[Path] = typer.Argument(..., help="CSV files, text files, transcripts, or folders of them."),
    json_out: Path | None = typer.Option(None, "--json", help="Write the analysis document (themes filled) here (- for stdout)."),
    html_out: Path | None = typer.Option(None, "--html", help="Write the HTML report here (- for stdout)."),
    model: str = typer.Option("auto", "--model", help="The embedding model: auto (MiniLM if installed, else TF-IDF), minilm or tfidf."),
    max_statement_length: int = typer.Option(280, "--max-statement-length", help="Longest candidate statement."),
    title: str = typer.Option("Listening", "--title", help="Title for the report."),
    threads: int | None = typer.Option(None, "--threads", min=1,
                                       help="CPU threads for the embedding model (default: every core)."),
) -> None:
    """Group people's own words into themes with verbatim quotes and candidate statements."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    from rich.text import Text

    from voxpop.listen.embed import EmbeddingError
    from voxpop.listen.io import TestimonyError
    from voxpop.listen.run import listen

    console = Console(stderr=True)
    if model not in ("auto", "minilm", "tfidf"):
        console.print(Text("error: ", style="bold red") + Text(f"--model must be auto, minilm or tfidf (got {model!r})"),
                      soft_wrap=True)
        raise typer.Exit(2)
    # the bars start with the first progress, so input refused while it is read is one line, nothing around it
    bar = Progress(TextColumn("{task.description:<8}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   console=console, transient=False)
    tasks: dict[str, TaskID] = {}

    def progress(stage: str, done: int, total: int) -> None:
        if not tasks:
            bar.start()
        if stage not in tasks:
            tasks[stage] = bar.add_task(stage, total=max(total, 1))
        bar.update(tasks[stage], completed=done if total else 1, total=max(total, 1))

    try:
        themes = listen(files, model=model, progress=progress, max_statement_length=max_statement_length,
                        threads=threads)
    except (TestimonyError, EmbeddingError) as exc:  # bad input, or a model or setting that cannot be used
        bar.stop()
        console.print(Text("error: ", style="bold red") + Text(str(exc)), soft_wrap=True)
        raise typer.Exit(2) from None
    for tid in tasks.values():
        bar.update(tid, completed=bar.tasks[tid].total)
    bar.stop()
    from voxpop.cli.output import is_stdout, make_console

    out = make_console(stderr=is_stdout(json_out) or is_stdout(html_out))  # stdout unless it carries a file
    print_summary(out, themes)
    doc = themes_document(themes, title)
    if json_out:
        _atomic_write(json_out, json.dumps(doc, ensure_ascii=False, indent=1))
        if not is_stdout(json_out):
            out.print(f"wrote {json_out}")
    if html_out:
        from voxpop.report import render_html

        _atomic_write(html_out, render_html(doc))
        if not is_stdout(html_out):
            out.print(f"wrote {html_out}")
    if not json_out and not html_out:
        out.print("The quotes, candidate statements and breakdowns are in the full result: write it with "
                  "--json PATH (--json - for stdout) or a report with --html PATH.", soft_wrap=True)


def _n(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def print_summary(console: Console, themes: Mapping[str, Any]) -> None:
    """The short account `voxpop listen` prints: counts, each theme with its size and name, what is in
    "other", the languages and the model used (the whole result goes to --json / --html)."""
    from rich.text import Text

    meta, c = themes["meta"], themes["meta"]["counts"]
    console.print(f"{_n(c['testimonies'], 'testimony', 'testimonies')} from {_n(c['speakers'], 'speaker')} in "
                  f"{_n(c['sources'], 'file')}: {_n(c['claims'], 'claim')} (sentences) -> "
                  f"{_n(c['themes'], 'theme')} in {meta['timings']['total_s']:.1f} s")
    several = len(meta["languages"]) > 1
    for t in themes["themes"]:
        where = f", {t['language_name']}" if several else ""
        subs = f", {_n(len(t['subthemes']), 'sub-theme')}" if t["subthemes"] else ""
        console.print(Text(f"  {t['id']:>3}  {t['label']}  ({_n(t['size'], 'claim')}, {100 * t['share']:.0f}%, "
                           f"{_n(t['n_speakers'], 'speaker')}{subs}{where})"), soft_wrap=True)
    other = themes["other"]
    if other["size"]:
        console.print(Text(f"  {other['label']} ({_n(other['size'], 'claim')}, {100 * other['share']:.0f}%)"),
                      soft_wrap=True)
    langs = "; ".join(f"{lang['name']} ({_n(lang['testimonies'], 'testimony', 'testimonies')}, "
                      f"{_n(lang['themes'], 'theme')})" for lang in meta["languages"])
    console.print(Text(f"languages: {langs}"), soft_wrap=True)
    emb = meta["embedding"]
    used = f"{emb['model']} ({emb['name']})"
    if emb.get("runtime"):
        used += f" on {emb['runtime']}, {emb['precision']}"
    if emb["fallback_reason"]:
        used += f"; fallback: {emb['fallback_reason']}"
    if emb.get("cache_hits") is not None:
        used += f"; cache hits {emb['cache_hits']}, new {emb['cache_misses']}"
    console.print(Text(f"model: {used}"), soft_wrap=True)
