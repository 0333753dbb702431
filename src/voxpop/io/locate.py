"""Which files make up a conversation on disk: the votes file and what lies beside it.

`voxpop analyze` takes one path. It may be
- a Pol.is export folder (comments.csv, votes.csv, participants-votes.csv, summary.csv),
- a folder of voxpop web exports, whose files carry the conversation id: voxpop-ID-comments.csv,
  voxpop-ID-votes.csv, ... (any PREFIX-votes.csv works),
- a folder written by `voxpop simulate` (a plain votes.csv and statements.csv),
- a folder of Pol.is API data as red-dwarf saves it (votes.json, comments.json, math-pca2.json),
- one votes file: a plain votes CSV (participant,statement,vote[,timestamp]) or a Pol.is votes.csv
  (also named ID-votes.csv), in which case the statements file beside it is read too.

Files found beside the votes file are reported in `Located.notes`, so the user sees which were used.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from voxpop import i18n
from voxpop.io import csvfast
from voxpop.io.errors import InputError

POLIS_FILES = ("comments", "votes", "participants-votes", "summary")
_EXPORT_RE = re.compile(r"^(?P<prefix>.*?)-?(?P<name>comments|participants-votes|votes|summary)\.csv$")


@dataclass
class Located:
    kind: str  # "polis" (a Pol.is-format export, with `prefix` before each file name) or "plain"
    folder: Path
    prefix: str = ""  # "ID-" for web exports named ID-votes.csv; "" for a Pol.is folder
    votes: Path | None = None  # the plain votes CSV (kind == "plain")
    statements: Path | None = None  # statements CSV of a plain votes CSV
    places: Path | None = None  # places.csv / participants.csv found beside (used by `voxpop analyze`)
    participants: Path | None = None
    notes: list[str] = field(default_factory=list)  # "statements: FILE (found beside the votes)" ...


def _is_polis_votes(path: Path) -> bool:
    header = csvfast.read_header(path)
    return "voter-id" in header and "comment-id" in header


def _export_prefixes(folder: Path) -> dict[str, set[str]]:
    """prefix -> the Pol.is-format file names found with it ("" for plain comments.csv ...)."""
    out: dict[str, set[str]] = {}
    for p in folder.iterdir():
        m = _EXPORT_RE.match(p.name)
        if m is None:
            continue
        prefix = p.name[: len(p.name) - len(m["name"]) - len(".csv")]
        if (prefix == "" or prefix.endswith("-")) and p.is_file():
            out.setdefault(prefix, set()).add(m["name"])
    return out


def _conversation_id(prefix: str) -> str:
    return prefix.rstrip("-").removeprefix("voxpop-")


def polis_path(loc: Located, name: str) -> Path:
    return loc.folder / f"{loc.prefix}{name}.csv"


def _beside(loc: Located, stem: str, names: tuple[str, ...]) -> Path | None:
    for name in names:
        for candidate in ([f"{stem}-{name}", name] if stem else [name]):
            p = loc.folder / f"{candidate}.csv"
            if p.is_file():
                return p
    return None


def _places_beside(loc: Located, stem: str) -> None:
    places = _beside(loc, stem, ("places",))
    people = _beside(loc, stem, ("participants",))
    if places is not None:
        loc.places = places
        loc.notes.append(f"places: {places}")
        if people is not None:
            loc.participants = people
            loc.notes.append(f"participants: {people}")


def locate(path: str | Path, statements: str | Path | None = None, *, beside: bool = True) -> Located:
    """Work out which files to read for `path` (see the module docstring). beside=False reads only
    the files named (no statements, places or participants files found next to them)."""
    p = Path(path)
    if p.is_dir():
        if statements is not None:
            raise InputError(statements, i18n.lazy_gettext("--statements is for a plain votes CSV"),
                             fix=i18n.lazy_gettext("a Pol.is folder already has comments.csv; give only the "
                                                   "folder"))
        return _locate_folder(p, beside=beside)
    if not p.exists():
        raise InputError(p, i18n.lazy_gettext("file or folder not found"),
                         fix=i18n.lazy_gettext("check the path"))
    m = _EXPORT_RE.match(p.name)
    if m is not None and m["name"] == "participants-votes":
        return Located("polis", p.parent, prefix=p.name[: -len("participants-votes.csv")])
    if _is_polis_votes(p):
        if m is None or m["name"] != "votes":
            raise InputError(p, i18n.lazy_gettext("this is a Pol.is votes file but is not named votes.csv or "
                                                  "ID-votes.csv"),
                             fix=i18n.lazy_gettext("give its folder, or rename it votes.csv next to "
                                                   "comments.csv"))
        loc = Located("polis", p.parent, prefix=p.name[: -len("votes.csv")])
        if not polis_path(loc, "comments").exists():
            loc.notes.append(f"no {loc.prefix}comments.csv beside {p.name}: statements have no text")
        elif beside:
            loc.notes.append(f"statements: {polis_path(loc, 'comments')}")
        return loc
    loc = Located("plain", p.parent, votes=p)
    stem = p.stem[: -len("-votes")] if p.stem.endswith("-votes") else ""
    if statements is not None:
        loc.statements = Path(statements)
    elif beside:
        loc.statements = _beside(loc, stem, ("statements",))
        if loc.statements is not None:
            loc.notes.append(f"statements: {loc.statements} (found beside the votes; --statements to choose "
                             "another)")
    if beside:
        _places_beside(loc, stem)
    return loc


def _locate_folder(folder: Path, *, beside: bool) -> Located:
    if (folder / "votes.json").is_file():  # Pol.is API data as red-dwarf saves it (voxpop.io.polis_api)
        return Located("polis-api", folder)
    found = _export_prefixes(folder)
    if "" in found and (folder / "votes.csv").exists() and not _is_polis_votes(folder / "votes.csv"):
        return locate(folder / "votes.csv", beside=beside)  # a `voxpop simulate` folder
    with_votes = {prefix for prefix, names in found.items() if names & {"votes", "participants-votes"}}
    if not with_votes:
        raise InputError(folder, i18n.lazy_gettext("no votes.csv or participants-votes.csv here"),
                         fix=i18n.lazy_gettext("give the folder of a Pol.is export (comments.csv and "
                                               "votes.csv), a folder of voxpop exports (ID-votes.csv ...) or "
                                               "a votes CSV"))
    if len(with_votes) > 1:
        ids = sorted(_conversation_id(prefix) or "(no prefix)" for prefix in with_votes)
        raise InputError(folder, i18n.lazy_gettext("this folder holds the votes of %(n)s conversations "
                                                   "(%(ids)s)", n=len(ids), ids=', '.join(ids)),
                         fix=i18n.lazy_gettext("give one of its votes files, e.g. %(value)s", value=folder / (sorted(with_votes)[0] + 'votes.csv')))
    loc = Located("polis", folder, prefix=with_votes.pop())
    if loc.prefix:
        loc.notes.append(f"exports of conversation {_conversation_id(loc.prefix)}: "
                         + ", ".join(f"{loc.prefix}{n}.csv" for n in POLIS_FILES if n in found[loc.prefix]))
    if beside:
        _places_beside(loc, loc.prefix.rstrip("-"))
    return loc
