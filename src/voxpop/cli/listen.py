"""voxpop CLI: listen commands (placeholder until implemented)."""

from voxpop.cli import app  # noqa: F401
