from typer.testing import CliRunner

from voxpop import __version__
from voxpop.cli import _register, app


def test_version_command_prints_version():
    _register()
    result = CliRunner().invoke(app, ["version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == __version__
