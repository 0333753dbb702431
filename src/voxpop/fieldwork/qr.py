"""QR codes as inline SVG (segno) for letters, ballot sheets and posters."""

from __future__ import annotations

from markupsafe import Markup


def qr_svg(url: str, *, scale: int = 4) -> Markup:
    """An <svg> element encoding url (safe to put in a template as is: segno escapes nothing user-made
    into it but the data, which it encodes as modules, not text)."""
    import segno

    return Markup(segno.make(url, error="m").svg_inline(scale=scale, border=2, omitsize=True))
