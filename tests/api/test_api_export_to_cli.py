"""Service -> CLI: a conversation's web exports, saved under their download names into one folder, analyse
with `voxpop analyze FOLDER` into the same document the service computed (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import re

import pytest
from tests.api.conftest import open_api
from tests.roundtrip.compare import assert_same_analysis
from typer.testing import CliRunner

from voxpop.cli import _register, app
from voxpop.services.participants import get_or_create_participant
from voxpop.services.votes import import_votes
from voxpop.simulate import SimSpec, simulate
from voxpop.store.db import get_database
from voxpop.worker import Worker

_register()


def _seed(api, cid: str, n_statements: int) -> None:
    """Planted opinion groups, voted in time order through the store (a few thousand votes)."""
    sim = simulate(SimSpec(participants=120, statements=n_statements, groups=2, votes_min=8, votes_max=16, seed=4))
    with get_database(api.db_url).write() as s:
        pks = [get_or_create_participant(s, cid, xid=f"person-{i}").id for i in range(sim.spec.participants)]
        import_votes(s, cid, [(pks[p], int(m), int(v), int(t)) for p, m, v, t in
                              zip(sim.participant, sim.statement, sim.vote, sim.timestamp, strict=True)])


@pytest.fixture
def api(db_url):
    """The service with its analyses made by a worker the test runs once all votes are in: a background thread
    could analyse between the seeded votes and the HTTP ones, and its warm update ("warm, update 2") is a
    different (path-dependent) computation from the cold one the CLI makes from the exports."""
    with open_api(db_url, background="off") as a:
        yield a


def test_web_exports_analyse_with_the_cli_into_the_same_document(api, tmp_path):
    cid = api.conversation(n_statements=12)
    _seed(api, cid, 12)
    # one vote changed and one undone over HTTP, so the exported history is more than the current votes
    api.vote(cid, 0, "agree")
    api.vote(cid, 0, "disagree")
    api.c.post(f"/api/v1/conversations/{cid}/votes/0/undo")
    assert Worker(get_database(api.db_url), debounce_ms=0).step(), "the worker found no analysis to make"
    service = api.fresh_analysis(cid)
    assert service["meta"]["options"]["history"].startswith("cold"), service["meta"]["options"]
    folder = tmp_path / "Downloads"
    folder.mkdir()
    for name in ("comments.csv", "votes.csv", "participants-votes.csv", "summary.csv"):
        r = api.c.get(f"/api/v1/conversations/{cid}/exports/{name}", headers=api.auth)
        assert r.status_code == 200, r.text
        filename = re.search(r'filename="([^"]+)"', r.headers["content-disposition"])[1]
        assert filename == f"voxpop-{cid}-{name}" and not filename.startswith("-")
        (folder / filename).write_bytes(r.content)
    r = CliRunner().invoke(app, ["analyze", str(folder), "--json", str(tmp_path / "cli.json"), "--width", "200"])
    assert r.exit_code == 0, r.output
    assert f"using exports of conversation {cid}" in r.output
    cli = json.loads((tmp_path / "cli.json").read_text())
    assert cli["meta"]["conversation"]["title"] == service["meta"]["conversation"]["title"] == "Test topic"
    assert_same_analysis(cli, service, reference_groups=True, any_order=True)
