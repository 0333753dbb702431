"""Read testimony: CSV, plain-text files, transcripts with speaker turns (docs/listening.md).

Everything is read and validated before anything is returned, so a bad file means nothing is
imported. Texts are kept exactly as decoded (UTF-8, or UTF-16 / UTF-32 LE/BE when the file starts with that
byte-order mark, as Excel's "Unicode Text" and "CSV UTF-16" do for UTF-16; the BOM dropped) so offsets, which
are character offsets in the decoded text, stay exact.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from voxpop.i18n import N_, StoredMessages

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
    """Input that cannot be imported; the message names the file and says what to fix.

    Raised as TestimonyError(N_("%(path)s: ... %(x)s ..."), path=..., x=...): the message is English (the CLI,
    the stored job error); `in_reader_language` puts a stored one into the reader's language (the listening
    pages in Welsh), since each template is a catalog entry."""

    def __init__(self, template: str, **params: object) -> None:
        self.template, self.params = template, {k: str(v) for k, v in params.items()}
        super().__init__(template % self.params if params else template)


def _e(template: str, **params: object) -> TestimonyError:
    return TestimonyError(template, **params)


# every message's template, in the order they are tried when a stored message is put into another language
TEMPLATES = [
    N_("%(path)s: the file is empty; give it some testimony text"),
    N_("%(path)s: %(size)s bytes is over the %(limit)s-byte limit; split it into smaller files"),
    N_("%(path)s: not valid UTF-8 (bad byte %(byte)s at byte %(at)s, line %(line)s); re-save the file as UTF-8"),
    N_("%(path)s: contains NUL characters; is it a binary file or UTF-16? save it as UTF-8"),
    N_("%(path)s: line %(line)s: testimony %(id)s has %(n)s characters, over the %(limit)s limit; split it into "
       "several testimonies"),
    N_("%(path)s: testimony %(id)s has %(n)s characters, over the %(limit)s limit; split it into several "
       "testimonies"),
    N_("%(path)s: line 1: missing column(s) %(missing)s; a testimony CSV needs a header with 'id' and 'text' "
       "(optional 'place', 'speaker', any other column = speaker attribute); found %(found)s"),
    N_("%(path)s: line %(line)s: more fields than header columns; quote the text"),
    N_("%(path)s: line %(line)s: empty id; give every row a unique id"),
    N_("%(path)s: line %(line)s: id %(id)s already used on line %(first)s"),
    N_("%(path)s: line %(line)s: testimony %(id)s has empty text"),
    N_("%(path)s: line %(line)s: bad CSV (%(problem)s)"),
    N_("%(path)s: no rows under the header; add at least one testimony"),
    N_("%(path)s: no text after the header lines; add the testimony text"),
    N_("%(path)s: transcript has no non-empty turns"),
    N_("no input given; pass CSV files, text files, transcripts or folders of them"),
    N_("%(path)s: folder has no .txt, .md or .csv files"),
    N_("%(path)s: unsupported file type %(suffix)s; use .csv, .txt or .md"),
    N_("%(path)s: no such file or folder"),
    N_("%(path)s: testimony id %(id)s is also used in %(other)s; ids must be unique"),
    N_("max statement length %(n)s is too short; use at least 20"),
    N_("no sentences found in the testimony (only punctuation or whitespace?)"),
    N_("%(path)s: line %(line)s: a quote opened on this line is never closed, so every row after it would be read "
       "as one testimony; close the quote (a quote inside the text is written twice: \"\")"),
    N_("%(path)s: not valid %(encoding)s (a broken character at byte %(at)s, line %(line)s); re-save the file as "
       "UTF-8"),
]
BAD_UTF16 = 23  # broken UTF-16 or UTF-32 (an index is stored with a job's error: never renumber)


# a stored TestimonyError message (English) in the current request's language; any other text as it is
in_reader_language = StoredMessages(TEMPLATES)


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


# byte-order marks that say how a file is encoded, tried in this order; no mark = UTF-8. UTF-32 LE's mark
# (FF FE 00 00) starts with UTF-16 LE's (FF FE), so UTF-32 is tried first (a UTF-16 LE text cannot start with
# U+0000 anyway: NUL is refused)
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
         (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
BOM_BYTES = max(len(bom) for bom, _ in _BOMS)  # the most bytes `encoding_of` needs to see (4)


def encoding_of(head: bytes) -> tuple[str, int]:
    """The encoding a file starting with `head` is read in, and how many bytes of byte-order mark to skip.
    Only a UTF-16 or UTF-32 BOM makes it UTF-16 or UTF-32 (without one such a file is refused for its NUL
    characters). `head` must hold BOM_BYTES bytes, or the whole file if it is shorter."""
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return encoding, len(bom)
    return "utf-8", 0


def encoding_name(encoding: str) -> str:
    return {"utf-16-le": "UTF-16 LE", "utf-16-be": "UTF-16 BE", "utf-32-le": "UTF-32 LE",
            "utf-32-be": "UTF-32 BE"}.get(encoding, "UTF-8")


def bad_utf16(path: object, encoding: str, at: int, line: int) -> TestimonyError:
    """UTF-16 or UTF-32 that does not decode (a byte count that is not a whole number of characters, an unpaired
    surrogate, a UTF-32 code beyond U+10FFFF) at byte `at` (of the file, BOM included) on line `line`."""
    return _e(TEMPLATES[BAD_UTF16], path=path, encoding=encoding_name(encoding), at=f"{at:,}", line=f"{line:,}")


def csv_delimiter(header: str) -> str:
    """Tab for a header line with tabs and no commas (Excel's "Unicode Text" is tab-separated), else comma."""
    return "\t" if "\t" in header and "," not in header else ","


def is_tab_table(text: str) -> bool:
    """A text file that is really a tab-separated table (Excel's "Unicode Text", saved as .txt): its first line
    has tabs, no commas, and 'id' and 'text' columns."""
    header = text.split("\n", 1)[0].rstrip("\r")
    cols = {c.strip() for c in header.split("\t")}
    return csv_delimiter(header) == "\t" and {"id", "text"} <= cols


def _decode(path: Path, data: bytes) -> str:
    encoding, skip = encoding_of(data)
    if encoding != "utf-8":
        return _decode_utf16(path, data, encoding, skip)  # or UTF-32
    if not data.strip():
        raise _e(TEMPLATES[0], path=path)
    if len(data) > MAX_FILE_BYTES:
        raise _e(TEMPLATES[1], path=path, size=f"{len(data):,}", limit=f"{MAX_FILE_BYTES:,}")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise _e(TEMPLATES[2], path=path, byte=f"0x{data[exc.start]:02x}", at=exc.start, line=line) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\x00" in text:
        raise _e(TEMPLATES[3], path=path)
    return text


def _decode_utf16(path: Path, data: bytes, encoding: str, skip: int) -> str:
    if len(data) > MAX_FILE_BYTES:
        raise _e(TEMPLATES[1], path=path, size=f"{len(data):,}", limit=f"{MAX_FILE_BYTES:,}")
    try:
        text = data[skip:].decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[skip:skip + exc.start].decode(encoding, errors="replace").count("\n") + 1
        raise bad_utf16(path, encoding, skip + exc.start, line) from None
    if not text.strip():
        raise _e(TEMPLATES[0], path=path)
    if "\x00" in text:
        raise _e(TEMPLATES[3], path=path)
    return text


def _check_len(path: Path, tid: str, text: str, line: int | None = None) -> None:
    if len(text) > MAX_TESTIMONY_CHARS:
        n, limit = f"{len(text):,}", f"{MAX_TESTIMONY_CHARS:,}"
        if line is None:
            raise _e(TEMPLATES[5], path=path, id=repr(tid), n=n, limit=limit)
        raise _e(TEMPLATES[4], path=path, line=line, id=repr(tid), n=n, limit=limit)


def _read_csv(path: Path, text: str, src: str) -> list[Testimony]:
    buf = io.StringIO(text, newline="")
    delimiter = csv_delimiter(text.split("\n", 1)[0])
    reader = csv.DictReader(buf, delimiter=delimiter)
    cols = [c.strip() for c in (reader.fieldnames or [])]
    reader.fieldnames = cols
    missing = [c for c in ("id", "text") if c not in cols]
    if missing:
        raise _e(TEMPLATES[6], path=path, missing=", ".join(missing), found=cols)
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
                raise _e(TEMPLATES[7], path=path, line=line)
            if reader.line_num > line and buf.tell() >= len(text) and _never_closed(text, line, delimiter):
                raise _e(TEMPLATES[22], path=path, line=line)
            tid = (row.get("id") or "").strip()
            body = row.get("text") or ""
            if not tid:
                raise _e(TEMPLATES[8], path=path, line=line)
            if tid in seen:
                raise _e(TEMPLATES[9], path=path, line=line, id=repr(tid), first=seen[tid])
            seen[tid] = line
            if not body.strip():
                raise _e(TEMPLATES[10], path=path, line=line, id=repr(tid))
            _check_len(path, tid, body, line)
            attrs = {c: row[c].strip() for c in attr_cols if row.get(c) and row[c].strip()}
            speaker = (row.get("speaker") or "").strip() or tid
            place = (row.get("place") or "").strip() or None
            out.append(Testimony(tid, src, body, speaker, place, attrs, line=line))
    except csv.Error as exc:
        raise _e(TEMPLATES[11], path=path, line=reader.line_num, problem=exc) from None
    if not out:
        raise _e(TEMPLATES[12], path=path)
    return out


def _never_closed(text: str, line: int, delimiter: str = ",") -> bool:
    """Whether the row starting on `line` (1-based) opens a quote the file never closes. The lenient csv
    reader would read everything after it as that row's text; the strict one says "unexpected end of data"."""
    tail = "".join(text.splitlines(keepends=True)[line - 1:])
    try:
        next(csv.reader(io.StringIO(tail, newline=""), strict=True, delimiter=delimiter), None)
    except csv.Error as exc:
        return "unexpected end of data" in str(exc)
    return False


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
            raise _e(TEMPLATES[13], path=path)
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
        _check_len(path, tid, text[s:e], lno)
        attrs = dict(meta)
        attrs.update(per_speaker.get(name, {}))
        tplace = attrs.pop("place", None) or place
        out.append(Testimony(tid, src, text[s:e], name, tplace, attrs, line=lno, source_start=s))
    if not out:
        raise _e(TEMPLATES[14], path=path)
    return "transcript", out


def _expand(paths: list[str | Path]) -> list[Path]:
    files: list[Path] = []
    if not paths:
        raise _e(TEMPLATES[15])
    for p in map(Path, paths):
        if p.is_dir():
            found = sorted(
                f for f in p.iterdir() if f.is_file() and f.suffix.lower() in TEXT_SUFFIXES | CSV_SUFFIXES
            )
            if not found:
                raise _e(TEMPLATES[16], path=p)
            files.extend(found)
        elif p.is_file():
            if p.suffix.lower() not in TEXT_SUFFIXES | CSV_SUFFIXES:
                raise _e(TEMPLATES[17], path=p, suffix=repr(p.suffix))
            files.append(p)
        else:
            raise _e(TEMPLATES[18], path=p)
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
        if path.suffix.lower() in CSV_SUFFIXES or (encoding_of(data)[0] != "utf-8" and is_tab_table(text)):
            kind, items, stored = "csv", _read_csv(path, text, src), None
        else:
            (kind, items), stored = _read_text(path, text, src), text
        for t in items:
            if t.id in ids:
                raise _e(TEMPLATES[19], path=path, id=repr(t.id), other=ids[t.id])
            ids[t.id] = src
        sources.append(Source(src, str(path.resolve()), kind, hashlib.sha256(data).hexdigest(), stored, len(items)))
        testimonies.extend(items)
    return sources, testimonies
