"""voxpop CLI: serve commands (placeholder until implemented)."""

from voxpop.cli import app  # noqa: F401
