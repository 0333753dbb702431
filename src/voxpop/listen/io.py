"""Read testimony: CSV, plain-text files, transcripts with speaker turns (docs/listening.md).

Everything is read and validated before anything is returned, so a bad file means nothing is
imported. Texts are kept exactly as decoded (UTF-8, BOM dropped) so offsets stay exact.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_TESTIMONY_CHARS = 200_000
TEXT_SUFFIXES = {".txt", ".md"}
CSV_SUFFIXES = {".csv"}

_HEADER = re.compile(r"#[ \t]*([A-Za-z_][\w-]*)(?:[ \t]+([^:\n]+?))?[ \t]*:[ \t]*(.*?)[ \t]*$")
_TURN = re.compile(
    r"[ \t]*(?:\[[0-9:.,]+\][ \t]*)?(?:\*\*)?"
    r"(?P<name>[^\W\d_][\w .'\-]{0,39}?)(?:\*\*)?[ \t]*:(?:\*\*)?[ \t]+(?=\S)"
)


class TestimonyError(ValueError):
    """Input that cannot be imported; the message names the file and says what to fix."""


@dataclass
class Source:
    id: str
    path: str
    kind: str  # csv | text | transcript
    sha256: str
    text: str | None = None  # decoded file text (text/transcript), None for CSV
    n_testimonies: int = 0


@dataclass
class Testimony:
    id: str
    source: str
    text: str
    speaker: str
    place: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)
    line: int | None = None
    source_start: int | None = None


def _decode(path: Path, data: bytes) -> str:
    if not data.strip():
        raise TestimonyError(f"{path}: the file is empty; give it some testimony text")
    if len(data) > MAX_FILE_BYTES:
        raise TestimonyError(
            f"{path}: {len(data):,} bytes is over the {MAX_FILE_BYTES:,}-byte limit; split it into smaller files"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise TestimonyError(
            f"{path}: not valid UTF-8 (bad byte 0x{data[exc.start]:02x} at byte {exc.start}, line {line}); "
            "re-save the file as UTF-8"
        ) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\x00" in text:
        raise TestimonyError(f"{path}: contains NUL characters; is it a binary file or UTF-16? save it as UTF-8")
    return text


def _check_len(path: Path, tid: str, text: str, where: str = "") -> None:
    if len(text) > MAX_TESTIMONY_CHARS:
        raise TestimonyError(
            f"{path}{where}: testimony {tid!r} has {len(text):,} characters, over the "
            f"{MAX_TESTIMONY_CHARS:,} limit; split it into several testimonies"
        )


def _read_csv(path: Path, text: str, src: str) -> list[Testimony]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    cols = [c.strip() for c in (reader.fieldnames or [])]
    reader.fieldnames = cols
    missing = [c for c in ("id", "text") if c not in cols]
    if missing:
        raise TestimonyError(
            f"{path}: line 1: missing column(s) {', '.join(missing)}; a testimony CSV needs a header with "
            f"'id' and 'text' (optional 'place', 'speaker', any other column = speaker attribute); found {cols}"
        )
    attr_cols = [c for c in cols if c not in ("id", "text", "place", "speaker") and c]
    out: list[Testimony] = []
    seen: dict[str, int] = {}
    try:
        while True:
            line = reader.line_num + 1
            try:
                row = next(reader)
            except StopIteration:
                break
            if None in row:
                raise TestimonyError(f"{path}: line {line}: more fields than header columns; quote the text")
            tid = (row.get("id") or "").strip()
            body = row.get("text") or ""
            if not tid:
                raise TestimonyError(f"{path}: line {line}: empty id; give every row a unique id")
            if tid in seen:
                raise TestimonyError(f"{path}: line {line}: id {tid!r} already used on line {seen[tid]}")
            seen[tid] = line
            if not body.strip():
                raise TestimonyError(f"{path}: line {line}: testimony {tid!r} has empty text")
            _check_len(path, tid, body, f": line {line}")
            attrs = {c: row[c].strip() for c in attr_cols if row.get(c) and row[c].strip()}
            speaker = (row.get("speaker") or "").strip() or tid
            place = (row.get("place") or "").strip() or None
            out.append(Testimony(tid, src, body, speaker, place, attrs, line=line))
    except csv.Error as exc:
        raise TestimonyError(f"{path}: line {reader.line_num}: bad CSV ({exc})") from None
    if not out:
        raise TestimonyError(f"{path}: no rows under the header; add at least one testimony")
    return out


def _parse_header(text: str) -> tuple[dict[str, str], dict[str, dict[str, str]], int]:
    """File-level `# key: value` and per-speaker `# speaker NAME: k=v; k=v` lines; returns body start."""
    meta: dict[str, str] = {}
    per_speaker: dict[str, dict[str, str]] = {}
    pos = 0
    while pos < len(text):
        end = text.find("\n", pos)
        end = len(text) if end < 0 else end + 1
        line = text[pos:end].rstrip("\r\n")
        m = _HEADER.fullmatch(line)
        if not line.strip():
            pos = end
            continue
        if not m:
            break
        key, who, value = m.group(1).lower(), m.group(2), m.group(3)
        if key == "speaker" and who:
            kv = per_speaker.setdefault(who.strip(), {})
            for part in value.split(";"):
                if "=" in part:
                    k, v = part.split("=", 1)
                    if k.strip() and v.strip():
                        kv[k.strip()] = v.strip()
        elif who is None:
            meta[key] = value
        else:
            break
        pos = end
    return meta, per_speaker, pos


def _lines(text: str, start: int) -> list[tuple[int, str]]:
    out, pos = [], start
    while pos < len(text):
        end = text.find("\n", pos)
        end = len(text) if end < 0 else end + 1
        out.append((pos, text[pos:end]))
        pos = end
    return out


def _is_transcript(lines: list[tuple[int, str]]) -> bool:
    nonblank = [ln for _, ln in lines if ln.strip()]
    turns = sum(1 for ln in nonblank if _TURN.match(ln))
    return turns >= 2 and turns >= 0.6 * len(nonblank)


def _trim_span(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _read_text(path: Path, text: str, src: str) -> tuple[str, list[Testimony]]:
    meta, per_speaker, body_start = _parse_header(text)
    place = meta.pop("place", None) or None
    speaker = meta.pop("speaker", None) or None
    lines = _lines(text, body_start)
    stem = path.name.rsplit(".", 1)[0]
    if not _is_transcript(lines):
        start, end = _trim_span(text, body_start, len(text))
        if start == end:
            raise TestimonyError(f"{path}: no text after the header lines; add the testimony text")
        _check_len(path, stem, text[start:end])
        t = Testimony(stem, src, text[start:end], speaker or stem, place, dict(meta), source_start=start)
        return "text", [t]
    turns: list[tuple[str, int, int, int]] = []  # name, text start, text end, line number
    first_line = text.count("\n", 0, body_start) + 1
    for i, (pos, ln) in enumerate(lines):
        m = _TURN.match(ln)
        if m:
            turns.append((m.group("name").strip(), pos + m.end(), pos + len(ln), first_line + i))
        elif turns:
            name, s, _, lno = turns[-1]
            turns[-1] = (name, s, pos + len(ln), lno)
    out = []
    for n, (name, s, e, lno) in enumerate(turns):
        s, e = _trim_span(text, s, e)
        if s == e:
            continue
        tid = f"{stem}#{n + 1}"
        _check_len(path, tid, text[s:e], f": line {lno}")
        attrs = dict(meta)
        attrs.update(per_speaker.get(name, {}))
        tplace = attrs.pop("place", None) or place
        out.append(Testimony(tid, src, text[s:e], name, tplace, attrs, line=lno, source_start=s))
    if not out:
        raise TestimonyError(f"{path}: transcript has no non-empty turns")
    return "transcript", out


def _expand(paths: list[str | Path]) -> list[Path]:
    files: list[Path] = []
    if not paths:
        raise TestimonyError("no input given; pass CSV files, text files, transcripts or folders of them")
    for p in map(Path, paths):
        if p.is_dir():
            found = sorted(
                f for f in p.iterdir() if f.is_file() and f.suffix.lower() in TEXT_SUFFIXES | CSV_SUFFIXES
            )
            if not found:
                raise TestimonyError(f"{p}: folder has no .txt, .md or .csv files")
            files.extend(found)
        elif p.is_file():
            if p.suffix.lower() not in TEXT_SUFFIXES | CSV_SUFFIXES:
                raise TestimonyError(f"{p}: unsupported file type {p.suffix!r}; use .csv, .txt or .md")
            files.append(p)
        else:
            raise TestimonyError(f"{p}: no such file or folder")
    return files


def read_sources(paths: list[str | Path]) -> tuple[list[Source], list[Testimony]]:
    """Read every input; raise TestimonyError (and import nothing) if any is bad."""
    sources: list[Source] = []
    testimonies: list[Testimony] = []
    ids: dict[str, str] = {}
    for path in _expand(list(paths)):
        data = path.read_bytes()
        text = _decode(path, data)
        src = path.name
        n = 2
        while any(s.id == src for s in sources):
            src = f"{path.name}~{n}"
            n += 1
        if path.suffix.lower() in CSV_SUFFIXES:
            kind, items, stored = "csv", _read_csv(path, text, src), None
        else:
            (kind, items), stored = _read_text(path, text, src), text
        for t in items:
            if t.id in ids:
                raise TestimonyError(f"{path}: testimony id {t.id!r} is also used in {ids[t.id]}; ids must be unique")
            ids[t.id] = src
        sources.append(Source(src, str(path.resolve()), kind, hashlib.sha256(data).hexdigest(), stored, len(items)))
        testimonies.extend(items)
    return sources, testimonies
