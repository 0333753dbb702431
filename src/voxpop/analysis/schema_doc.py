"""docs/analysis-schema.md, generated from the document's types (voxpop.analysis.schema) through the JSON
Schema the API publishes, so the page, the schema and the code cannot disagree.

    python -m voxpop.analysis.schema_doc docs/analysis-schema.md   # rewrite the page (./run docs)
    python -m voxpop.analysis.schema_doc                           # print it

tests/analysis/test_schema.py fails when the committed page is stale.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from voxpop.analysis import schema

HEADER = """# The analysis document (schema version {version})

Generated from `src/voxpop/analysis/schema.py` (and `schema_places.py`, `schema_themes.py`) by
`python -m voxpop.analysis.schema_doc docs/analysis-schema.md` (`./run docs`); a test fails when this
page is stale. Edit the types' docstrings, not this page.

"""


def _anchor(name: str) -> str:
    return name.lower()


def _ref(s: dict) -> str | None:
    ref = s.get("$ref")
    return ref.rsplit("/", 1)[-1] if isinstance(ref, str) else None


def type_of(s: Any) -> str:
    """A JSON Schema fragment in words: "list of [Statement](#statement)", "number or null", ..."""
    if s is True or s == {}:
        return "any"
    name = _ref(s)
    if name is not None:
        return f"[{name}](#{_anchor(name)})"
    if "anyOf" in s:
        parts = [type_of(p) for p in s["anyOf"]]
        return " or ".join(dict.fromkeys(parts))
    if "const" in s:
        return f'`"{s["const"]}"`' if isinstance(s["const"], str) else f"`{s['const']}`"
    if "enum" in s:
        return " or ".join(f'`"{v}"`' if isinstance(v, str) else f"`{v}`" for v in s["enum"])
    t = s.get("type")
    if t == "array":
        return f"list of {_group(type_of(s['items']))}" if "items" in s else "list"
    if t == "object":
        extra = s.get("additionalProperties")
        if isinstance(extra, dict) and extra:
            return f"object of {_group(type_of(extra))}"
        return "object"
    if "pattern" in s:
        return f"string matching `{s['pattern']}`"
    return {"integer": "integer", "number": "number", "string": "string", "boolean": "true/false",
            "null": "null"}.get(str(t), str(t))


def _group(words: str) -> str:
    return f"({words})" if " or " in words else words


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _refs(node: Any) -> list[str]:
    """The type names a schema fragment refers to, in order."""
    if isinstance(node, dict):
        found = [n] if (n := _ref(node)) else []
        for v in node.values():
            found += _refs(v)
        return found
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


def _order(js: dict) -> list[str]:
    """Type names in reading order: each type right after the type that first uses it (depth first)."""
    defs = js.get("$defs", {})
    out: list[str] = []

    def visit(node: dict) -> None:
        for name in _refs(node.get("properties", {})):
            if name not in out and name in defs:
                out.append(name)
                visit(defs[name])

    visit(js)
    return out + sorted(set(defs) - set(out))


def _table(name: str, s: dict) -> str:
    lines = [f"### {name}", "", " ".join(s.get("description", "").split()), "",
             "| Key | Type | Meaning |", "|---|---|---|"]
    required = set(s.get("required", []))
    for key, prop in s.get("properties", {}).items():
        note = "" if key in required else " (may be absent)"
        lines.append(f"| `{key}` | {_cell(type_of(prop))}{note} | {_cell(prop.get('description', ''))} |")
    return "\n".join(lines) + "\n"


def markdown() -> str:
    js = schema.json_schema()
    doc = (schema.__doc__ or "").strip()
    parts = [HEADER.format(version=schema.SCHEMA_VERSION), doc, "\n\n## Types\n\n",
             "Every object may carry keys not listed here (readers ignore them). \"may be absent\": a key that "
             "documents made by older versions lack.\n\n",
             _table("AnalysisDocument", js), "\n"]
    defs = js.get("$defs", {})
    parts += [_table(name, defs[name]) + "\n" for name in _order(js)]
    return "".join(parts).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    text = markdown()
    if not args:
        sys.stdout.write(text)
        return 0
    path = Path(args[0])
    if path.exists() and path.read_text(encoding="utf-8") == text:
        print(f"{path}: up to date")
        return 0
    path.write_text(text, encoding="utf-8")
    print(f"{path}: written")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
