"""Statement files: the plain `statement,text` CSV (optional moderated / meta columns)."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from voxpop import i18n
from voxpop.io import csvfast
from voxpop.io.errors import InputError


@dataclass
class Statements:
    text: dict[str, str] = field(default_factory=dict)  # id -> text, in file order
    moderated_out: set[str] = field(default_factory=set)
    meta: set[str] = field(default_factory=set)


def _flag(path: Path, line: int, name: str, value: str, allowed: dict[str, bool]) -> bool:
    key = value.strip().lower()
    if key not in allowed:
        raise InputError(path, i18n.lazy_gettext("%(name)s %(value)s is not one of %(names)s", name=name, value=repr(value), names=', '.join(repr(a) for a in allowed if a)),
                         line=line, fix=i18n.lazy_gettext("fix the %(name)s value on that line", name=name))
    return allowed[key]


def read_statements(path: Path) -> Statements:
    """Read statement,text[,moderated][,meta]; moderated -1 means moderated out; meta 1/true marks meta."""
    header = csvfast.read_header(path)
    csvfast.require_columns(path, header, ["statement", "text"], "the header must be: statement,text")
    out = Statements()
    try:
        with open(path, encoding="utf-8-sig", newline="") as f:
            reader = csv.reader(f, strict=True)
            cols = {name.strip(): i for i, name in enumerate(next(reader))}
            for row in reader:
                line = reader.line_num
                if not row or not any(c.strip() for c in row):
                    continue
                if len(row) != len(cols):
                    raise InputError(path, i18n.lazy_gettext("this line has %(n)s field(s) but the header "
                                                             "has %(n2)s", n=len(row), n2=len(cols)),
                                     line=line, fix=i18n.lazy_gettext("quote texts that contain commas "
                                                                      "(\"...\")"))
                sid = row[cols["statement"]].strip()
                if not sid:
                    raise InputError(path, i18n.lazy_gettext("statement id is empty"), line=line,
                                     fix=i18n.lazy_gettext("give every statement an id"))
                if sid in out.text:
                    raise InputError(path, i18n.lazy_gettext("statement %(sid)s appears twice", sid=repr(sid)), line=line,
                                     fix=i18n.lazy_gettext("keep one line per statement"))
                out.text[sid] = row[cols["text"]]
                if "moderated" in cols and _flag(path, line, "moderated", row[cols["moderated"]],
                                                 {"-1": True, "0": False, "1": False, "": False}):
                    out.moderated_out.add(sid)
                if "meta" in cols and _flag(path, line, "meta", row[cols["meta"]],
                                            {"1": True, "true": True, "0": False, "false": False, "": False}):
                    out.meta.add(sid)
    except UnicodeDecodeError:
        raise InputError(path, i18n.lazy_gettext("the file is not valid UTF-8 text"), line=csvfast.first_bad_utf8_line(path),
                         fix=i18n.lazy_gettext("save it as UTF-8 CSV")) from None
    except csv.Error as e:
        raise InputError(path, i18n.lazy_gettext("broken CSV (%(e)s)", e=e), line=reader.line_num,
                         fix=i18n.lazy_gettext("check the quotes on that line")) from None
    return out
