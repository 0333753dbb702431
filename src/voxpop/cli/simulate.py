"""voxpop CLI: simulate commands (placeholder until implemented)."""

from voxpop.cli import app  # noqa: F401
