"""Number formatting shared by the drawings."""

from __future__ import annotations

# fonts as attributes too, so the drawings read well in pages without the report's CSS
FONT = 'font-family="system-ui,-apple-system,Segoe UI,Roboto,DejaVu Sans,sans-serif" font-size="12"'


def _f(v: float) -> str:
    s = f"{v:.1f}"
    return s[:-2] if s.endswith(".0") else s
