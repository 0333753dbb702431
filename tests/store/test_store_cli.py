"""The service commands: db upgrade, create-organiser, and clear errors for a bad database URL."""

from __future__ import annotations

from typer.testing import CliRunner

from voxpop.cli import _register, app
from voxpop.services import accounts
from voxpop.store.db import get_database

_register()
runner = CliRunner()


def test_db_upgrade_and_create_organiser(tmp_path):
    url = f"sqlite:///{tmp_path}/cli.db"
    r = runner.invoke(app, ["db", "upgrade", "--database-url", url])
    assert r.exit_code == 0 and "revision 0" in r.output  # the head revision (0001, 0002_..., ...)
    r = runner.invoke(app, ["create-organiser", "dana", "--database-url", url, "--token"],
                      env={"VOXPOP_PASSWORD": "a long enough password"})
    assert r.exit_code == 0, r.output
    token = r.output.split("shown once): ")[1].strip()
    with get_database(url).read() as s:
        assert accounts.verify_api_token(s, token).username == "dana"
        assert accounts.authenticate(s, "dana", "a long enough password") is not None
    r = runner.invoke(app, ["create-organiser", "dana", "--database-url", url],
                      env={"VOXPOP_PASSWORD": "a long enough password"})
    assert r.exit_code == 2 and "taken" in r.output


def test_bad_database_urls_say_so():
    r = runner.invoke(app, ["db", "upgrade", "--database-url", "mysql://nowhere/x"])
    assert r.exit_code == 2 and "unsupported database URL" in r.output
    r = runner.invoke(app, ["db", "upgrade", "--database-url", "postgresql://u:secret@127.0.0.1:1/x"])
    assert r.exit_code == 2 and "cannot use the database" in r.output and "secret" not in r.output
