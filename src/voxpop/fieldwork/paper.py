"""Paper: printed packs of ballot sheets, typed in twice, mismatches settled by a third look.

A pack is a number of ballot sheets for one place, each with its own sheet id (7 characters, the last a
check character, so a mistyped id is caught) and the statements printed on it, in order. Entering a
sheet means typing one letter per printed statement: a (agree), d (disagree), p (pass), - (left blank);
spaces are ignored. Two people type each sheet. When the two entries agree the sheet becomes a
participant of that place, marked as paper, with its votes; when they differ, the sheet waits for a third
look, whose entry settles it.
"""

from __future__ import annotations

import secrets

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from voxpop import i18n
from voxpop.errors import Conflict, Invalid, NotFound
from voxpop.fieldwork.csvin import read_csv
from voxpop.fieldwork.places import check_place
from voxpop.i18n import N_
from voxpop.services import votes as V
from voxpop.services.conversations import get_conversation
from voxpop.services.statements import list_statements
from voxpop.store.models import Participant, Statement
from voxpop.store.models_fieldwork import FieldParticipant, PaperEntry, PaperSheet

ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
ANSWER = {"a": 1, "d": -1, "p": 0, "-": None}
MAX_SHEETS = 2000
MAX_STATEMENTS = 60  # a ballot sheet stays short enough to fill in


def _check_char(body: str) -> str:
    total = sum((i + 1) * ALPHABET.index(ch) for i, ch in enumerate(body))
    return ALPHABET[total % len(ALPHABET)]


def new_sheet_id() -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(6))
    return body + _check_char(body)


def normalise_sheet_id(raw: str) -> str:
    """The sheet id as stored (upper case, no spaces or dashes); Invalid if it cannot be one (typo)."""
    sid = "".join(ch for ch in (raw or "").upper() if ch.isalnum())
    if len(sid) != 7 or any(ch not in ALPHABET for ch in sid) or _check_char(sid[:6]) != sid[6]:
        raise Invalid(i18n.lazy_gettext("%(raw)s is not a sheet id (7 letters and digits, e.g. ABC-2345, "
                                        "printed at the top of each sheet); check it was typed correctly", raw=repr(raw)))
    return sid


def pretty_sheet_id(sid: str) -> str:
    return f"{sid[:3]}-{sid[3:]}"


def make_pack(s: Session, cid: str, *, place: str | None, sheets: int) -> list[PaperSheet]:
    """`sheets` new ballot sheets for the place with the conversation's current statements."""
    conv = get_conversation(s, cid)
    if not conv.is_open:
        raise Conflict(i18n.lazy_gettext("this conversation is closed; paper ballots could no longer be "
                                         "counted"))
    if not isinstance(sheets, int) or not 1 <= sheets <= MAX_SHEETS:
        raise Invalid(i18n.lazy_gettext("the number of sheets must be from 1 to %(max_sheets)s", max_sheets=MAX_SHEETS))
    place_id = check_place(s, cid, place)
    tids = [st.tid for st in list_statements(s, cid)][:MAX_STATEMENTS]
    if not tids:
        raise Invalid(i18n.lazy_gettext("the conversation has no statements to print yet; add some first"))
    out = [PaperSheet(conversation_id=cid, sheet_id=new_sheet_id(), place_id=place_id, statements=tids)
           for _ in range(sheets)]
    s.add_all(out)
    s.flush()
    return out


def get_sheet(s: Session, cid: str, raw_id: str) -> PaperSheet:
    sid = normalise_sheet_id(raw_id)
    sheet = s.scalars(select(PaperSheet).where(PaperSheet.conversation_id == cid, PaperSheet.sheet_id == sid)).first()
    if sheet is None:
        raise NotFound(i18n.lazy_gettext("no sheet %(sid)s was printed for this conversation; check the id", sid=pretty_sheet_id(sid)))
    return sheet


def parse_answers(raw: str, n: int) -> str:
    """The answers as a string of a/d/p/-, one per printed statement; Invalid saying what is wrong."""
    text = "".join((raw or "").lower().split()).replace(".", "-")
    bad = sorted({ch for ch in text if ch not in ANSWER})
    if bad:
        raise Invalid(i18n.lazy_gettext("answers may only use a (agree), d (disagree), p (pass) and - "
                                        "(blank); found %(bad)s", bad=repr(''.join(bad))))
    if len(text) != n:
        raise Invalid(i18n.lazy_gettext("this sheet has %(n)s statements; %(n2)s answers were typed (type - "
                                        "for a blank)", n=n, n2=len(text)))
    return text


def _entries(s: Session, sheet: PaperSheet) -> dict[int, PaperEntry]:
    return {e.entry: e for e in s.scalars(select(PaperEntry).where(PaperEntry.sheet_pk == sheet.id))}


def differences(sheet: PaperSheet, first: str, second: str) -> list[dict]:
    return [{"position": i + 1, "statement": tid, "first": a, "second": b}
            for i, (tid, a, b) in enumerate(zip(sheet.statements, first, second, strict=True)) if a != b]


def enter(s: Session, cid: str, sheet_id: str, answers: str, *, entered_by: str = "") -> dict:
    """Record one typing of a sheet and say what happened: first entry saved, imported (the second entry
    matched, or a third look settled it), or mismatch (with the differences)."""
    sheet = get_sheet(s, cid, sheet_id)
    text = parse_answers(answers, len(sheet.statements))
    entered_by = " ".join((entered_by or "").split())[:100]
    entries = _entries(s, sheet)
    result = {"sheet": pretty_sheet_id(sheet.sheet_id), "place": sheet.place_id}
    if sheet.status == "imported":
        raise Conflict(i18n.lazy_gettext("sheet %(sheet_id)s was already counted; nothing was changed", sheet_id=pretty_sheet_id(sheet.sheet_id)))
    if 1 not in entries:
        s.add(PaperEntry(sheet_pk=sheet.id, entry=1, answers=text, entered_by=entered_by))
        sheet.status = "entered"
        s.flush()
        return {**result, "entry": 1, "status": "entered"}
    if 2 not in entries:
        if entered_by and entered_by.lower() == entries[1].entered_by.lower():
            raise Invalid(i18n.lazy_gettext("the second entry of a sheet must be typed by someone else than "
                                            "the first"))
        s.add(PaperEntry(sheet_pk=sheet.id, entry=2, answers=text, entered_by=entered_by))
        if text != entries[1].answers:
            sheet.status = "mismatch"
            s.flush()
            return {**result, "entry": 2, "status": "mismatch",
                    "differences": differences(sheet, entries[1].answers, text)}
        return {**result, "entry": 2, **_import(s, sheet, text)}
    s.add(PaperEntry(sheet_pk=sheet.id, entry=3, answers=text, entered_by=entered_by))
    return {**result, "entry": 3, **_import(s, sheet, text)}


def _import(s: Session, sheet: PaperSheet, text: str) -> dict:
    """The sheet as a participant of its place, marked as paper, with its votes."""
    cid = sheet.conversation_id
    conv = get_conversation(s, cid)
    open_tids = {st.tid for st in list_statements(s, cid)}
    if conv.moderation == "strict":
        open_tids &= set(s.scalars(select(Statement.tid).where(Statement.conversation_id == cid,
                                                               Statement.mod_status == 1)))
    # anon ids come only from signed cookies, so no one online can claim this one
    p = Participant(conversation_id=cid, anon_id=f"paper-{sheet.sheet_id}", place_id=sheet.place_id)
    s.add(p)
    s.flush()
    s.add(FieldParticipant(participant_id=p.id, conversation_id=cid, channel="paper", sheet_id=sheet.sheet_id))
    rows = [(p.id, tid, ANSWER[ch]) for tid, ch in zip(sheet.statements, text, strict=True)
            if ANSWER[ch] is not None and tid in open_tids]
    skipped = sum(1 for tid, ch in zip(sheet.statements, text, strict=True)
                  if ANSWER[ch] is not None and tid not in open_tids)
    n = V.import_votes(s, cid, rows) if rows else 0
    sheet.status, sheet.participant_id = "imported", p.id
    s.flush()
    return {"status": "imported", "participant": p.id, "votes": n, "skipped_hidden": skipped}


def enter_csv(s: Session, cid: str, data: bytes) -> dict:
    """Many entries from a CSV `sheet,answers[,entered_by]`, in file order, all or nothing: the first bad
    line (an unknown sheet id, the wrong number of answers) is named and nothing is stored."""
    rows = read_csv(data, what=N_("tally"), required=["sheet", "answers"], max_rows=20_000)
    results = []
    for line, r in enumerate(rows, start=2):
        try:
            results.append(enter(s, cid, r["sheet"], r["answers"], entered_by=r.get("entered_by", "")))
        except (Invalid, NotFound, Conflict) as e:
            raise type(e)(f"tally line {line}: {e.message}") from None
    counts = {k: sum(1 for x in results if x["status"] == k) for k in ("entered", "mismatch", "imported")}
    return {"rows": len(results), **counts,
            "mismatches": [x for x in results if x["status"] == "mismatch"]}


def summary(s: Session, cid: str) -> dict:
    by = dict(s.execute(select(PaperSheet.status, func.count()).where(PaperSheet.conversation_id == cid)
                        .group_by(PaperSheet.status)).all())
    return {"conversation": cid, "sheets": sum(by.values()),
            **{k: by.get(k, 0) for k in ("printed", "entered", "mismatch", "imported")},
            "mismatches": mismatches(s, cid)}


def mismatches(s: Session, cid: str, limit: int = 200) -> list[dict]:
    """Sheets whose two entries differ, with the differing statements, for a third look."""
    sheets = s.scalars(select(PaperSheet).where(PaperSheet.conversation_id == cid, PaperSheet.status == "mismatch")
                       .order_by(PaperSheet.id).limit(limit)).all()
    texts = {st.tid: st.text for st in list_statements(s, cid, include_hidden=True)}
    out = []
    for sh in sheets:
        e = _entries(s, sh)
        diffs = differences(sh, e[1].answers, e[2].answers)
        for d in diffs:
            d["text"] = texts.get(d["statement"], "")
        out.append({"sheet": pretty_sheet_id(sh.sheet_id), "place": sh.place_id, "first": e[1].answers,
                     "second": e[2].answers, "first_by": e[1].entered_by, "second_by": e[2].entered_by,
                     "differences": diffs})
    return out


def sheets_for_print(s: Session, cid: str, ids: list[str]) -> list[PaperSheet]:
    if not 1 <= len(ids) <= MAX_SHEETS:
        raise Invalid(i18n.lazy_gettext("print 1 to %(max_sheets)s sheets at a time", max_sheets=MAX_SHEETS))
    return [get_sheet(s, cid, x) for x in ids]
