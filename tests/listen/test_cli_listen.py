"""`voxpop listen` end to end through the real CLI."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from voxpop.analysis.document import validate_document
from voxpop.cli import _register, app

TEXT = ("id,text,place\n" + "".join(
    f"{i},\"{t}\",{('Leeds', 'York')[i % 2]}\n" for i, t in enumerate([
        "The buses are always late. We need more buses at night.", "Bus fares went up again this year.",
        "Night buses stopped running after ten.", "Rents are too high for young people here.",
        "My landlord never fixes the damp.", "Housing is the biggest problem in this town.",
        "The park by the river needs cleaning.", "More trees and benches in the parks, please.",
        "Parks are where kids play; keep them safe.", "Buses and trains should connect better."]
)))


def test_listen_writes_json_and_html(tmp_path):
    _register()
    src = tmp_path / "t.csv"
    src.write_text(TEXT, encoding="utf-8")
    out, html = tmp_path / "o.json", tmp_path / "o.html"
    res = CliRunner().invoke(app, ["listen", str(src), "--json", str(out), "--html", str(html),
                                   "--model", "tfidf", "--max-statement-length", "60"])
    assert res.exit_code == 0, res.output
    assert "model: tfidf" in res.output and f"wrote {out}" in res.output
    doc = json.loads(out.read_text())
    validate_document(doc)  # a valid analysis document (docs/analysis-schema.md) with only themes filled
    assert doc["meta"]["schema"] == "voxpop.analysis" and doc["themes"]["schema"] == "voxpop.themes"
    cands = [c for t in doc["themes"]["themes"] for c in t["candidates"]]
    assert cands and all(c["length"] <= 60 for c in cands)
    assert "<html" in html.read_text().lower()


def test_listen_reports_bad_input_clearly(tmp_path):
    _register()
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"id,text\n1,caf\xe9\n")
    res = CliRunner().invoke(app, ["listen", str(bad), "--model", "tfidf"])
    assert res.exit_code == 2  # bad input, as for every command
    assert "not valid UTF-8" in res.output and "bad.csv" in res.output
    assert res.output.strip().splitlines() == [f"error: {bad}: not valid UTF-8 (bad byte 0xe9 at byte 13, line 2); "
                                               "re-save the file as UTF-8"]  # one line, no empty progress bars
    for args, message in ((["listen", str(tmp_path / "missing.csv")], f"error: {tmp_path}/missing.csv: no such "
                           "file or folder"),
                          (["listen", str(bad), "--model", "bert"], "error: --model must be auto, minilm or tfidf "
                           "(got 'bert')")):
        res = CliRunner().invoke(app, args)
        assert res.exit_code == 2 and res.output.strip().splitlines() == [message], res.output


def test_listen_without_outputs_prints_a_short_summary_not_the_document(tmp_path):
    """`voxpop listen FILE` printed the whole JSON document (hundreds of lines); now, as `voxpop analyze`,
    a short account: themes with their sizes and names, other, languages, the model, and how to get the rest."""
    _register()
    src = tmp_path / "t.csv"
    src.write_text(TEXT, encoding="utf-8")
    res = CliRunner().invoke(app, ["listen", str(src), "--model", "tfidf"])
    assert res.exit_code == 0, res.output
    out = res.stdout
    assert len(out.splitlines()) < 20 and '"schema"' not in out and "{" not in out, out
    assert out.startswith("10 testimonies from 10 speakers in 1 file: ")
    assert "Other: " in out and "languages: English (10 testimonies, " in out and "model: tfidf (" in out
    assert "--json PATH (--json - for stdout)" in out and "--html PATH" in out
    assert any(line.strip().startswith("0  ") and "claims, " in line and "speakers)" in line
               for line in out.splitlines())
    one = tmp_path / "one.csv"
    one.write_text('id,text\n1,"The buses are always late and we need more buses at night."\n', encoding="utf-8")
    res = CliRunner().invoke(app, ["listen", str(one), "--model", "tfidf"])
    assert res.exit_code == 0, res.output
    assert res.stdout.startswith("1 testimony from 1 speaker in 1 file: 1 claim (sentences) -> 0 themes")
    assert "languages: English (1 testimony, 0 themes)" in res.stdout
