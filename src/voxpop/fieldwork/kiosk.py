"""Kiosk mode: a shared device (a tablet at a market stall, a library) running one conversation for one place.

The organiser opens a kiosk for a place (and an optional event name) with a staff PIN; the device keeps
the kiosk's secret id in its address (/k/{id}). Each person who steps up is a fresh participant: the
device makes a random person id, registers it here (place, answers to the organiser's quick questions,
the kiosk it came from) and votes as the external id `kiosk-{person}`. "Next person", or the idle timeout,
forgets the person on the device. The PIN (argon2, never stored in clear) lets staff leave kiosk mode.

Quick questions are written one per line as `Question: option, option, ...`, e.g.
`Age band: 16-29, 30-44, 45-64, 65+`. Answers are stored as the participant's strata.
"""

from __future__ import annotations

import re
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from voxpop import i18n
from voxpop.errors import Conflict, Forbidden, Invalid, NotFound
from voxpop.fieldwork.places import check_place, place_label
from voxpop.services import participants as P
from voxpop.services.conversations import get_conversation
from voxpop.services.statements import list_statements
from voxpop.services.text import clean_text
from voxpop.store.models import Analysis, now_ms
from voxpop.store.models_fieldwork import FieldParticipant, Kiosk

_hasher = PasswordHasher()
PERSON = re.compile(r"^[A-Za-z0-9-]{16,64}$")
IDLE_MIN, IDLE_MAX = 15, 3600
MAX_QUESTIONS, MAX_OPTIONS = 8, 12


def xid_of(person: str) -> str:
    return f"kiosk-{person}"


def parse_questions(text: str) -> list[dict]:
    """[{id, label, options}] from lines `Question: option, option`; Invalid naming the line."""
    out, ids = [], set()
    for n, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        label, sep, rest = line.partition(":")
        options = [o.strip() for o in rest.split(",") if o.strip()]
        if not sep or not label.strip() or len(options) < 2:
            raise Invalid(i18n.lazy_gettext("quick question line %(n)s: write it as 'Question: option, "
                                            "option, ...' (two options or more)", n=n))
        if len(options) > MAX_OPTIONS or any(len(o) > 100 for o in options) or len(label) > 200:
            raise Invalid(i18n.lazy_gettext("quick question line %(n)s: at most %(max_options)s options of "
                                            "up to 100 characters", n=n, max_options=MAX_OPTIONS))
        qid = re.sub(r"[^a-z0-9]+", "_", label.strip().lower()).strip("_")[:50] or f"q{n}"
        if qid in ids:
            raise Invalid(i18n.lazy_gettext("quick question line %(n)s: the same question appears twice", n=n))
        ids.add(qid)
        out.append({"id": qid, "label": label.strip(), "options": options})
    if len(out) > MAX_QUESTIONS:
        raise Invalid(i18n.lazy_gettext("at most %(max_questions)s quick questions: each person answers them "
                                        "before voting", max_questions=MAX_QUESTIONS))
    return out


def open_kiosk(s: Session, cid: str, *, pin: str, place: str | None = None, event: str = "",
               questions: str | list | None = None, idle_seconds: int = 120, organiser_id: int | None = None) -> Kiosk:
    conv = get_conversation(s, cid)
    if not conv.is_open:
        raise Conflict(i18n.lazy_gettext("this conversation is closed; reopen it before running a kiosk"))
    if not isinstance(pin, str) or not pin.isdigit() or not 4 <= len(pin) <= 12:
        raise Invalid(i18n.lazy_gettext("the staff PIN must be 4 to 12 digits"))
    if not isinstance(idle_seconds, int) or not IDLE_MIN <= idle_seconds <= IDLE_MAX:
        raise Invalid(i18n.lazy_gettext("the idle timeout must be from %(idle_min)s to %(idle_max)s seconds", idle_min=IDLE_MIN, idle_max=IDLE_MAX))
    qs = parse_questions(questions or "") if isinstance(questions, str) or questions is None else _check_list(questions)
    event = clean_text(event, field="event", max_len=200, min_len=0, multiline=False) if event else ""
    k = Kiosk(id=secrets.token_urlsafe(24), conversation_id=cid, place_id=check_place(s, cid, place), event=event,
              pin_hash=_hasher.hash(pin), questions=qs or None, idle_seconds=idle_seconds, organiser_id=organiser_id)
    s.add(k)
    s.flush()
    return k


def _check_list(questions: list) -> list[dict]:
    lines = []
    for q in questions:
        if not isinstance(q, dict) or not isinstance(q.get("label"), str) or not isinstance(q.get("options"), list):
            raise Invalid(i18n.lazy_gettext("each quick question needs a label and a list of options"))
        lines.append(f"{q['label'].replace(':', ' ')}: " + ", ".join(str(o).replace(",", " ") for o in q["options"]))
    return parse_questions("\n".join(lines))


def get_kiosk(s: Session, kid: str) -> Kiosk:
    k = s.get(Kiosk, kid) if isinstance(kid, str) and len(kid) <= 40 else None
    if k is None:
        raise NotFound(i18n.lazy_gettext("no such kiosk; ask the organiser for the kiosk's address"))
    if k.closed_ms is not None:
        raise Forbidden(i18n.lazy_gettext("this kiosk was closed by the organiser"))
    return k


def close_kiosk(s: Session, cid: str, kid: str) -> None:
    k = s.get(Kiosk, kid)
    if k is None or k.conversation_id != cid:
        raise NotFound(i18n.lazy_gettext("no such kiosk in this conversation"))
    k.closed_ms = k.closed_ms or now_ms()


def kiosk_config(s: Session, k: Kiosk) -> dict:
    """Everything the device needs to run offline: the conversation, its statements, the routing
    priorities of the last analysis (the same weighted lottery as online), the questions. The title and
    description are the reader's language's where the organiser gave them (topic_language says which)."""
    from voxpop.services import conversation_text as CT

    conv = get_conversation(s, k.conversation_id)
    prio = s.execute(select(Analysis.priorities).where(Analysis.conversation_id == conv.id)).scalar() or {}
    return {
        "kiosk": k.id, "conversation": conv.id, **CT.for_reader(s, conv).as_dict(),
        "is_open": conv.is_open, "place": k.place_id, "place_name": place_label(s, conv.id, k.place_id),
        "event": k.event, "idle_seconds": k.idle_seconds, "questions": k.questions or [],
        "may_add": conv.who_may_add == "participants", "statement_max_len": conv.statement_max_len,
        "statements": [{"id": st.tid, "text": st.text} for st in list_statements(s, conv.id)],
        "priorities": {str(key): float(v) for key, v in prio.items()},
        "updated_ms": now_ms(),
    }


def conversation_pack(s: Session, cid: str, participant_id: int | None) -> dict:
    """What a participant's own phone needs to keep voting offline (/k/c/{cid}): the statements, the
    routing priorities, and this participant's votes so far (so they are not offered again)."""
    from voxpop.services import conversation_text as CT
    from voxpop.services import votes as V

    conv = get_conversation(s, cid)
    prio = s.execute(select(Analysis.priorities).where(Analysis.conversation_id == conv.id)).scalar() or {}
    voted = V.participant_votes(s, participant_id) if participant_id is not None else {}
    return {
        "kiosk": f"c:{conv.id}",  # the device-side key (personal mode)
        "conversation": conv.id, **CT.for_reader(s, conv).as_dict(), "is_open": conv.is_open, "questions": [],
        "may_add": conv.who_may_add == "participants", "statement_max_len": conv.statement_max_len,
        "statements": [{"id": st.tid, "text": st.text} for st in list_statements(s, conv.id)],
        "priorities": {str(key): float(v) for key, v in prio.items()},
        "voted": {str(tid): V.VOTE_NAMES[v] for tid, v in voted.items()}, "updated_ms": now_ms(),
    }


def register_person(s: Session, kid: str, person: str, answers: dict | None) -> dict:
    """The participant for one person at this kiosk (idempotent: the device may send it twice)."""
    k = get_kiosk(s, kid)
    if not isinstance(person, str) or not PERSON.match(person):
        raise Invalid(i18n.lazy_gettext("person must be 16 to 64 letters, digits or dashes (a random id made "
                                        "by the kiosk)"))
    answers = answers or {}
    allowed = {q["id"]: set(q["options"]) for q in (k.questions or [])}
    if not isinstance(answers, dict) or any(key not in allowed or val not in allowed[key] for key, val in answers.items()):
        raise Invalid(i18n.lazy_gettext("answers must be options of this kiosk's quick questions"))
    p = P.get_or_create_participant(s, k.conversation_id, xid=xid_of(person), place_id=k.place_id,
                                    strata=dict(answers) or None)
    fp = s.get(FieldParticipant, p.id)
    if fp is None:
        s.add(FieldParticipant(participant_id=p.id, conversation_id=k.conversation_id, channel="kiosk", kiosk_id=k.id))
    elif fp.kiosk_id != k.id:
        raise Conflict(i18n.lazy_gettext("this person id belongs to another kiosk"))
    s.flush()
    return {"participant": p.id, "conversation": k.conversation_id, "xid": xid_of(person), "place": p.place_id}


def check_pin(s: Session, kid: str, pin: str) -> None:
    k = s.get(Kiosk, kid) if isinstance(kid, str) and len(kid) <= 40 else None
    if k is None:
        raise NotFound(i18n.lazy_gettext("no such kiosk"))
    try:
        _hasher.verify(k.pin_hash, pin if isinstance(pin, str) else "")
    except (VerificationError, InvalidHashError):
        raise Forbidden(i18n.lazy_gettext("that is not the staff PIN")) from None


def kiosks_of(s: Session, cid: str) -> list[dict]:
    rows = s.scalars(select(Kiosk).where(Kiosk.conversation_id == cid).order_by(Kiosk.created_ms.desc()))
    counts = dict(s.execute(select(FieldParticipant.kiosk_id, func.count()).where(
        FieldParticipant.conversation_id == cid, FieldParticipant.channel == "kiosk").group_by(FieldParticipant.kiosk_id)).all())
    return [{"id": k.id, "place": k.place_id, "event": k.event, "idle_seconds": k.idle_seconds,
             "questions": k.questions or [], "open": k.closed_ms is None, "people": counts.get(k.id, 0),
             "url": f"/k/{k.id}"} for k in rows]
