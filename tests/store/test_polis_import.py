"""A Pol.is export carried on as a live conversation (SQLite and PostgreSQL): statements with their
moderation, participants, the whole vote history in order; the first analysis equals `voxpop analyze` of
the same export; then voting goes on over HTTP."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from tests.api.conftest import open_api
from tests.conftest import require_shared
from tests.roundtrip.compare import assert_same_analysis
from typer.testing import CliRunner

from voxpop.cli import _register, app
from voxpop.io import read_conversation
from voxpop.services.analyses import redact_hidden_texts, run_analysis
from voxpop.store.archive import import_polis
from voxpop.store.models import Conversation, Participant, Statement, VoteEvent

_register()
runner = CliRunner()


def cli_document(folder) -> dict:
    r = runner.invoke(app, ["analyze", str(folder), "--json", "-", "--quiet"])
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def voter_ids(db, cid) -> dict[str, str]:
    """database participant id -> Pol.is voter id."""
    with db.read() as s:
        return {str(pk): xid.removeprefix("polis-") for pk, xid in s.execute(
            select(Participant.id, Participant.xid).where(Participant.conversation_id == cid))}


@pytest.fixture(scope="module")
def simulated_polis(tmp_path_factory):
    out = tmp_path_factory.mktemp("polis")
    r = runner.invoke(app, ["simulate", str(out), "--participants", "300", "--statements", "25", "--groups", "3",
                            "--seed", "3", "--format", "polis"])
    assert r.exit_code == 0, r.output
    # Pol.is moderation: one comment moderated out, one accepted
    lines = (out / "comments.csv").read_text().splitlines()
    header = lines[0].split(",")
    col = header.index("moderated")

    def moderated(line: str, value: str) -> str:
        cells = line.split(",", len(header) - 1)
        cells[col] = value
        return ",".join(cells)

    lines[1], lines[2] = moderated(lines[1], "-1"), moderated(lines[2], "1")
    (out / "comments.csv").write_text("\n".join(lines) + "\n")
    return out


def _check_carried_on(db, folder, report) -> None:
    cid = report.conversation_id
    conv = read_conversation(folder)
    with db.read() as s:
        stmts = {st.tid: st for st in s.execute(select(Statement).where(Statement.conversation_id == cid)).scalars()}
        assert sorted(str(t) for t in stmts) == sorted(conv.statement_ids, key=str)
        assert {str(t) for t, st in stmts.items() if st.mod_status == -1} == conv.moderated_out
        assert {str(t): st.text for t, st in stmts.items()} == {sid: conv.statement_text.get(sid, "")
                                                                for sid in conv.statement_ids}
        history = s.execute(select(VoteEvent.created_ms).where(VoteEvent.conversation_id == cid)
                            .order_by(VoteEvent.id)).scalars().all()
        assert len(history) == conv.n_votes and history == sorted(history), "every vote, in time order"
        c = s.get(Conversation, cid)
        assert c.is_open and c.topic == conv.title
    # the service never shows the words of moderated-out statements (#10); the CLI, on one's own files, does
    cli = redact_hidden_texts(cli_document(folder))
    assert_same_analysis(run_analysis(db, cid), cli, voter_ids(db, cid), reference_groups=None,
                        log_rows=False)


def test_a_simulated_polis_export_carries_on(db, simulated_polis):
    report = import_polis(db, simulated_polis)
    _check_carried_on(db, simulated_polis, report)
    with db.read() as s:
        rejected = s.execute(select(Statement.tid).where(Statement.conversation_id == report.conversation_id,
                                                         Statement.mod_status == -1)).scalars().all()
    assert len(rejected) == 1


def test_a_real_polis_export_carries_on_and_voting_continues(db, db_url):
    folder = require_shared("data", "polis", "brexit-consensus")
    report = import_polis(db, folder)
    _check_carried_on(db, folder, report)
    cid = report.conversation_id
    first = run_analysis(db, cid)
    with open_api(db_url) as api:
        me = api.c.get(f"/api/v1/conversations/{cid}/next").json()
        assert me["statement"] is not None, me
        tid = me["statement"]["id"]
        r = api.vote(cid, tid, "agree")
        assert r.status_code in (200, 201), r.text
        r = api.vote(cid, tid, "disagree")
        assert r.status_code in (200, 201) and r.json()["previous"] == "agree", r.text
        after = api.fresh_analysis(cid)
    assert after["meta"]["counts"]["votes"] == first["meta"]["counts"]["votes"] + 1
    assert after["meta"]["counts"]["participants"] == first["meta"]["counts"]["participants"] + 1


def test_the_cli_imports_a_polis_folder(db_url, simulated_polis):
    r = runner.invoke(app, ["import", str(simulated_polis), "--database-url", db_url])
    assert r.exit_code == 0, r.output
    assert "imported conversation" in r.output and "xid polis-VOTER-ID" in r.output
    assert "only admin organisers can manage it; import with --owner USERNAME" in r.output
    assert "analysed: 3 opinion groups" in r.output
    r = runner.invoke(app, ["import", str(simulated_polis), "--database-url", db_url, "--owner", "nobody-here"])
    assert r.exit_code == 2 and "there is no organiser 'nobody-here'" in r.output
    r = runner.invoke(app, ["import", str(simulated_polis), "--database-url", db_url, "--as-copy"])
    assert r.exit_code == 2 and "always imported as a new conversation" in r.output


def test_an_export_without_votes_csv_carries_on(db, tmp_path):
    """participants-votes.csv alone (no vote times): every vote gets the import's time; the analysis is the
    CLI's, except that the database path says it replayed who is in the conversation from vote times."""
    import shutil

    src = require_shared("data", "polis", "brexit-consensus")
    for name in ("comments.csv", "participants-votes.csv", "summary.csv"):
        shutil.copy(src / name, tmp_path / name)
    report = import_polis(db, tmp_path)
    assert report.rows["vote_events"] == read_conversation(tmp_path).n_votes
    doc, cli = run_analysis(db, report.conversation_id), redact_hidden_texts(cli_document(tmp_path))
    for d in (doc, cli):
        d["meta"]["options"].pop("history", None), d["meta"]["options"].pop("replay_window_s", None)
    assert_same_analysis(doc, cli, voter_ids(db, report.conversation_id), reference_groups=None)
