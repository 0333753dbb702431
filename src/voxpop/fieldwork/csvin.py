"""Small CSV uploads (volunteer pools, quotas, paper tallies): decoded, parsed, errors naming the line."""

from __future__ import annotations

import csv
import io

from voxpop import i18n
from voxpop.errors import Invalid, TooLarge

MAX_BYTES = 5_000_000


def read_csv(data: bytes, *, what: str, required: list[str], max_rows: int = 100_000) -> list[dict[str, str]]:
    """Rows as dicts keyed by lower-cased, trimmed header names; Invalid naming the line for bad input."""
    if len(data) > MAX_BYTES:
        raise TooLarge(i18n.lazy_gettext("the %(what)s file is larger than %(value)s MB; split it", what=i18n.gettext(what), value=MAX_BYTES // 1_000_000))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise Invalid(i18n.lazy_gettext("the %(what)s file is not UTF-8 text (line %(line)s); save it as CSV "
                                        "UTF-8", what=i18n.gettext(what), line=line)) from None
    reader = csv.reader(io.StringIO(text))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise Invalid(i18n.lazy_gettext("the %(what)s file is empty; it needs a header line (%(required)s, "
                                        "...)", what=i18n.gettext(what), required=', '.join(required))) from None
    missing = [c for c in required if c not in header]
    if missing:
        raise Invalid(i18n.lazy_gettext("the %(what)s file has no %(missing)s column; its header line must "
                                        "name %(required)s (found: %(value)s)", what=i18n.gettext(what), missing=', '.join(missing), required=', '.join(required), value=', '.join(header) or i18n.gettext("nothing")))
    if len(set(header)) != len(header) or "" in header:
        raise Invalid(i18n.lazy_gettext("the %(what)s file's header line has an empty or repeated column "
                                        "name; name each column once", what=i18n.gettext(what)))
    rows = []
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise Invalid(i18n.lazy_gettext("%(what)s line %(line_num)s: %(n)s fields, the header has %(n2)s", what=i18n.gettext(what), line_num=reader.line_num, n=len(row), n2=len(header)))
        rows.append({h: cell.strip() for h, cell in zip(header, row, strict=True)})
        if len(rows) > max_rows:
            raise TooLarge(i18n.lazy_gettext("the %(what)s file has more than %(max_rows)s rows", what=i18n.gettext(what), max_rows=max_rows))
    if not rows:
        raise Invalid(i18n.lazy_gettext("the %(what)s file has a header but no rows", what=i18n.gettext(what)))
    return rows
