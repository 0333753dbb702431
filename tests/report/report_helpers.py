"""Parsing helpers for the report tests (stdlib only)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser


class Collect(HTMLParser):
    """Every start tag with its attributes, the ids seen, and the text of headings."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.ids: list[str] = []
        self.headings: list[tuple[str, str]] = []
        self._h: str | None = None
        self._buf: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if a.get("id"):
            self.ids.append(a["id"])
        if re.fullmatch(r"h[1-6]", tag):
            self._h, self._buf = tag, []

    def handle_endtag(self, tag):
        if tag == self._h:
            self.headings.append((tag, " ".join("".join(self._buf).split())))
            self._h = None

    def handle_data(self, data):
        self.text.append(data)
        if self._h:
            self._buf.append(data)


def parse(html: str) -> Collect:
    c = Collect()
    c.feed(html)
    c.close()
    return c


EXTERNAL = re.compile(r"^\s*(https?:)?//", re.I)


def external_refs(html: str) -> list[str]:
    """Any attribute or CSS that would make the browser fetch something."""
    bad = []
    for tag, attrs in parse(html).tags:
        for name, value in attrs.items():
            if name in ("src", "href", "srcset", "action", "poster", "data", "xlink:href") and value \
                    and EXTERNAL.match(value):
                bad.append(f"<{tag} {name}={value}>")
        if tag in ("script", "iframe", "object", "embed", "link", "img"):
            bad.append(f"<{tag}>")
    for m in re.finditer(r"url\(\s*['\"]?(?!#)([^)'\"]+)", html):
        bad.append(f"url({m.group(1)})")
    if "@import" in html:
        bad.append("@import")
    return bad


def svgs(html: str) -> list[ET.Element]:
    """Every <svg> fragment, parsed as XML (fails loudly when one is not well-formed)."""
    out = []
    for frag in re.findall(r"<svg\b.*?</svg>", html, flags=re.S):
        out.append(ET.fromstring(frag))
    return out
