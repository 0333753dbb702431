"""Small CSV uploads (volunteer pools, quotas, paper tallies): decoded, parsed, errors naming the line."""

from __future__ import annotations

import csv
import io

from voxpop.errors import Invalid, TooLarge

MAX_BYTES = 5_000_000


def read_csv(data: bytes, *, what: str, required: list[str], max_rows: int = 100_000) -> list[dict[str, str]]:
    """Rows as dicts keyed by lower-cased, trimmed header names; Invalid naming the line for bad input."""
    if len(data) > MAX_BYTES:
        raise TooLarge(f"the {what} file is larger than {MAX_BYTES // 1_000_000} MB; split it")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise Invalid(f"the {what} file is not UTF-8 text (line {line}); save it as CSV UTF-8") from None
    reader = csv.reader(io.StringIO(text))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise Invalid(f"the {what} file is empty; it needs a header line ({', '.join(required)}, ...)") from None
    missing = [c for c in required if c not in header]
    if missing:
        raise Invalid(f"the {what} file has no {', '.join(missing)} column; its header line must name "
                      f"{', '.join(required)} (found: {', '.join(header) or 'nothing'})")
    if len(set(header)) != len(header) or "" in header:
        raise Invalid(f"the {what} file's header line has an empty or repeated column name; name each column once")
    rows = []
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise Invalid(f"{what} line {reader.line_num}: {len(row)} fields, the header has {len(header)}")
        rows.append({h: cell.strip() for h, cell in zip(header, row, strict=True)})
        if len(rows) > max_rows:
            raise TooLarge(f"the {what} file has more than {max_rows} rows")
    if not rows:
        raise Invalid(f"the {what} file has a header but no rows")
    return rows
