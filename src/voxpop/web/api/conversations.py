"""JSON API: organisers create, edit, close and reopen conversations and seed statements."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Request, Response, UploadFile
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from voxpop import i18n
from voxpop.errors import Forbidden, Invalid
from voxpop.services import conversation_text as CT
from voxpop.services import conversations as C
from voxpop.services import statements as S
from voxpop.services.conversations import conversation_dict
from voxpop.services.statements import statement_dict
from voxpop.web.api.common import (
    API_PREFIX,
    managed_conversation,
    managed_upload,
    organiser_or_none,
    participant_id,
    read_session,
    require_organiser,
    services,
    write_session,
)

router = APIRouter(prefix=API_PREFIX, tags=["conversations"])


class TitleTranslation(BaseModel):
    model_config = ConfigDict(extra="forbid")
    topic: str = Field("", max_length=C.TOPIC_MAX * 2, description="the title in this language; empty: the original")
    description: str = Field("", max_length=C.DESCRIPTION_MAX * 2,
                             description="the description in this language; empty: the original")


TRANSLATIONS_DOC = ("the title and description in other interface languages, by language code (en, cy, ar; not "
                    "the conversation's own): readers of that language see them instead of the original. A language "
                    "left out keeps what it has; both empty removes it")


class ConversationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    topic: str = Field(max_length=C.TOPIC_MAX * 2)
    description: str = Field("", max_length=C.DESCRIPTION_MAX * 2)
    who_may_add: Literal["participants", "organisers"] = "participants"
    moderation: Literal["post", "strict"] = "post"
    statement_max_len: int = 280
    show_results: bool = True
    forget_identities_days: int | None = Field(None, ge=0, le=C.RETENTION_MAX_DAYS, description=(
        "days after closing when anonymous identities (cookie ids, xids) are forgotten; null: kept"))
    translations: dict[str, TitleTranslation] = Field(default_factory=dict, description=TRANSLATIONS_DOC)


class ConversationPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    topic: str | None = Field(None, max_length=C.TOPIC_MAX * 2)
    description: str | None = Field(None, max_length=C.DESCRIPTION_MAX * 2)
    who_may_add: Literal["participants", "organisers"] | None = None
    moderation: Literal["post", "strict"] | None = None
    statement_max_len: int | None = None
    show_results: bool | None = None
    forget_identities_days: int | None = Field(None, ge=0, le=C.RETENTION_MAX_DAYS)
    translations: dict[str, TitleTranslation] | None = Field(None, description=TRANSLATIONS_DOC)


class StatementIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str | None = Field(None, max_length=4000)
    texts: list[str] | None = Field(None, max_length=S.CSV_MAX_ROWS)
    xid: str | None = Field(None, max_length=200)


@router.post("/conversations", status_code=201)
def create(body: ConversationIn, request: Request, s: Session = Depends(write_session, scope="function")) -> dict:
    """Create a conversation (organisers)."""
    org = require_organiser(request, s)
    fields = body.model_dump()
    given = fields.pop("translations")
    conv = C.create_conversation(s, owner_id=org.id, **fields)
    if given:
        CT.set_translations(s, conv, given)
    return _with_text(s, conv)


def _with_text(s: Session, conv) -> dict:
    """A conversation with its title and description's language, translations, and what this reader is shown
    (`shown`: in the language of ?lang= / Accept-Language where the organiser gave it)."""
    return conversation_dict(conv) | CT.as_json(s, conv)


@router.get("/conversations")
def list_mine(request: Request, s: Session = Depends(read_session)) -> dict:
    """The signed-in organiser's conversations (all of them for an admin)."""
    org = require_organiser(request, s)
    convs = C.list_conversations(s, owner_id=None if org.is_admin else org.id)
    return {"conversations": [conversation_dict(c) for c in convs]}


@router.get("/conversations/{cid}")
def read(cid: str, s: Session = Depends(read_session)) -> dict:
    """The conversation's settings; `topic` and `description` are the original (in `language`), `translations`
    the organiser's other languages and `shown` what a reader of the request's language sees."""
    return _with_text(s, C.get_conversation(s, cid))


@router.patch("/conversations/{cid}")
def edit(cid: str, body: ConversationPatch, request: Request, s: Session = Depends(write_session, scope="function")) -> dict:
    managed_conversation(request, s, cid)
    fields = body.model_dump(exclude_unset=True)
    if any(v is None for k, v in fields.items() if k not in ("description", "forget_identities_days")):
        raise Invalid(i18n.lazy_gettext("fields may not be null; leave out the ones you do not change"))
    given = fields.pop("translations", None)
    conv = C.update_conversation(s, cid, **fields)
    if given:
        CT.set_translations(s, conv, given)
    return _with_text(s, conv)


@router.post("/conversations/{cid}/close")
def close(cid: str, request: Request, s: Session = Depends(write_session, scope="function")) -> dict:
    managed_conversation(request, s, cid)
    return conversation_dict(C.close_conversation(s, cid))


@router.post("/conversations/{cid}/reopen")
def reopen(cid: str, request: Request, s: Session = Depends(write_session, scope="function")) -> dict:
    managed_conversation(request, s, cid)
    return conversation_dict(C.reopen_conversation(s, cid))


@router.get("/conversations/{cid}/statements")
def list_statements(cid: str, request: Request, all: bool = False, s: Session = Depends(read_session)) -> dict:
    """Visible statements; organisers managing the conversation may ask for all=true (pending, rejected)."""
    if all:
        managed_conversation(request, s, cid)
    return {"statements": [statement_dict(st, with_author=all) for st in S.list_statements(s, cid, include_hidden=all)]}


@router.post("/conversations/{cid}/statements", status_code=201)
async def add_statement(cid: str, body: StatementIn, request: Request, response: Response) -> dict:
    """Organisers seed one (`text`) or several (`texts`, all or nothing); participants add one `text`."""
    svc = services(request)
    with svc.db.read() as s:
        org = organiser_or_none(request, s)
        if org is not None:
            managed_conversation(request, s, cid)
    if (body.text is None) == (body.texts is None):
        raise Invalid(i18n.lazy_gettext("send either 'text' (one statement) or 'texts' (a list, organisers "
                                        "only)"))
    if org is None:
        if body.texts is not None:
            raise Forbidden(i18n.lazy_gettext("only organisers may add several statements at once"))
        svc.security.check_new_statement(request)
        pk = await participant_id(request, response, cid, xid=body.xid)
        svc.security.check_rate(request, f"p{pk}", cost=5)
        return await _run(svc, lambda s: [S.add_statement(s, cid, body.text or "", participant_id=pk,
                                                                    reader_language=i18n.current())])
    svc.security.check_rate(request)
    if body.texts is not None:
        return await _run(svc, lambda s: S.add_statements(s, cid, body.texts))
    return await _run(svc, lambda s: [S.add_statement(s, cid, body.text or "", by_organiser=True)])


async def _run(svc, fn) -> dict:
    from fastapi.concurrency import run_in_threadpool

    def go():
        with svc.db.write() as s:
            rows = fn(s)
            return [statement_dict(st) for st in rows]

    rows = await run_in_threadpool(go)
    return rows[0] if len(rows) == 1 else {"statements": rows}


@router.post("/conversations/{cid}/statements/csv", status_code=201)
async def seed_csv(cid: str, request: Request, file: UploadFile | None = None) -> dict:
    """Seed statements from a CSV file (multipart field `file`, or a text/csv body). One error per bad
    line; nothing is imported from a file with any bad line."""
    from fastapi.concurrency import run_in_threadpool

    svc = services(request)
    data, name = await managed_upload(request, cid, file, default_name="upload.csv", max_bytes=S.CSV_MAX_BYTES)

    def go():
        with svc.db.write() as s:
            return [statement_dict(st) for st in S.bulk_seed_csv(s, cid, data, name)]

    rows = await run_in_threadpool(go)
    return {"imported": len(rows), "statements": rows}
