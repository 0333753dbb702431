"""Fast, strict CSV reading with pyarrow (multithreaded), and error messages that name the line.

The happy path is one multithreaded pyarrow read. Only when something is wrong do we spend time
finding *where*: the first bad data row is located vectorised and mapped to its physical line.
"""

from __future__ import annotations

import codecs
import csv
import io
import mmap
import re
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from voxpop import i18n
from voxpop.io.errors import InputError

_INT_RE = r"^\s*[+-]?\d+\s*$"
_FLOAT_RE = r"^\s*[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?)\s*$"


def read_header(path: Path) -> list[str]:
    """The column names on the first line (BOM and surrounding spaces removed)."""
    if not path.exists():
        raise InputError(path, i18n.lazy_gettext("file not found"),
                         fix=i18n.lazy_gettext("check the path"))
    if not path.is_file():
        raise InputError(path, i18n.lazy_gettext("is not a file"),
                         fix=i18n.lazy_gettext("give the path of a CSV file"))
    with open(path, "rb") as f:
        first = f.readline(1 << 20)
    if not first.strip():
        raise InputError(path, i18n.lazy_gettext("the file is empty"), line=1,
                         fix=i18n.lazy_gettext("it needs a header line naming its columns"))
    try:
        text = first.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise InputError(path, i18n.lazy_gettext("the header is not UTF-8 text (%(reason)s)", reason=e.reason), line=1,
                         fix=i18n.lazy_gettext("save the file as UTF-8 CSV")) from None
    return [c.strip() for c in next(csv.reader(io.StringIO(text)))]


def require_columns(path: Path, header: list[str], required: list[str], fix: str) -> None:
    missing = [c for c in required if c not in header]
    if missing:
        found = ", ".join(h for h in header if h) or "nothing"
        raise InputError(path, i18n.lazy_gettext("missing column(s) %(missing)s (found: %(found)s)", missing=', '.join(missing), found=found), line=1, fix=fix)


def read_table(path: Path, types: dict[str, pa.DataType], *, what: str = "row",
               fixes: dict[str, str] | None = None) -> pa.Table:
    """Read the given columns with the given types; any problem -> InputError naming the line."""
    bad_rows: list[tuple[int, int, str]] = []

    def on_invalid(row) -> str:
        if not bad_rows:
            bad_rows.append((row.expected_columns, row.actual_columns, row.text))
        return "skip"

    try:
        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(use_threads=True, block_size=8 << 20),
            parse_options=pacsv.ParseOptions(invalid_row_handler=on_invalid),
            convert_options=pacsv.ConvertOptions(column_types=types, include_columns=list(types),
                                                 strings_can_be_null=False),
        )
    except pa.ArrowInvalid as e:
        raise _diagnose(path, types, str(e), fixes or {}) from None
    if bad_rows:
        expected, actual, text = bad_rows[0]
        line = line_of_text(path, text)
        raise InputError(path, i18n.lazy_gettext("this %(what)s has %(actual)s field(s) but the header has "
                                                 "%(expected)s: %(value)s", what=what, actual=actual, expected=expected, value=repr(text[:80])),
                         line=line, fix=i18n.lazy_gettext("fix or remove the broken line (a missing or extra "
                                                          "comma?)"))
    return table


def _diagnose(path: Path, types: dict[str, pa.DataType], message: str, fixes: dict[str, str]) -> InputError:
    if "UTF8" in message or "UTF-8" in message:
        line = first_bad_utf8_line(path)
        return InputError(path, "the file is not valid UTF-8 text", line=line,
                          fix="save it as UTF-8 CSV (in a spreadsheet: 'CSV UTF-8')")
    m = re.search(r"column #(\d+).*?conversion error to (\w+): invalid value '(.*)'", message, re.S)
    if m:
        header = read_header(path)
        name = header[int(m.group(1))] if int(m.group(1)) < len(header) else "?"
        if name in types:
            col = read_table(path, {name: pa.string()})[name]
            pattern = _INT_RE if pa.types.is_integer(types[name]) else _FLOAT_RE
            ok = pc.match_substring_regex(col, pattern)
            row = first_false(ok)
            value = col[row].as_py() if row is not None else m.group(3)
            kind = "a whole number" if pa.types.is_integer(types[name]) else "a number"
            return InputError(path, f"{name} {value!r} is not {kind}",
                              line=line_of_row(path, row) if row is not None else None,
                              fix=fixes.get(name, f"fix the {name} value on that line"))
    if "Empty CSV" in message:
        return InputError(path, "the file is empty", line=1, fix="it needs a header line naming its columns")
    return InputError(path, f"cannot be read as CSV ({message.splitlines()[0]})",
                      fix="check it is a comma-separated file with a header line")


def first_false(mask: pa.ChunkedArray | pa.Array) -> int | None:
    """Index of the first False (or null) in a boolean array, vectorised; None if all true."""
    arr = pc.fill_null(mask, False)
    if isinstance(arr, pa.ChunkedArray):
        offset = 0
        for chunk in arr.chunks:
            bad = np.flatnonzero(~chunk.to_numpy(zero_copy_only=False))
            if len(bad):
                return offset + int(bad[0])
            offset += len(chunk)
        return None
    bad = np.flatnonzero(~arr.to_numpy(zero_copy_only=False))
    return int(bad[0]) if len(bad) else None


def line_of_row(path: Path, row: int) -> int:
    """1-based physical line of data row `row` (0-based, after the header; blank lines skipped, as pyarrow)."""
    with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        buf = np.frombuffer(mm, dtype=np.uint8)
        nl = np.flatnonzero(buf == 10)
        starts = np.concatenate(([0], nl + 1))
        ends = np.concatenate((nl, [len(buf)]))
        length = ends - starts
        has_cr = np.zeros(len(starts), dtype=bool)
        nonempty_end = length > 0
        has_cr[nonempty_end] = buf[ends[nonempty_end] - 1] == 13
        nonempty = (length - has_cr) > 0
        del buf
    lines = np.flatnonzero(nonempty)  # 0-based physical indices of non-empty lines; [0] is the header
    k = row + 1
    return int(lines[k]) + 1 if k < len(lines) else int(len(starts))


def line_of_text(path: Path, text: str) -> int | None:
    """1-based line where a row with exactly this text first occurs."""
    needle = text.encode("utf-8", "surrogateescape")
    with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        off = mm.find(b"\n" + needle + b"\n")
        if off < 0:
            off = mm.find(b"\n" + needle)
        if off < 0:
            return None
        return int(np.count_nonzero(np.frombuffer(mm, dtype=np.uint8, count=off + 1) == 10)) + 1


def first_bad_utf8_line(path: Path) -> int | None:
    dec = codecs.getincrementaldecoder("utf-8")()
    lines_before = 0
    with open(path, "rb") as f:
        while chunk := f.read(16 << 20):
            try:
                dec.decode(chunk)
            except UnicodeDecodeError as e:
                return lines_before + chunk.count(b"\n", 0, max(e.start, 0)) + 1
            lines_before += chunk.count(b"\n")
    return None
