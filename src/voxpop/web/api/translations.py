"""JSON API: a conversation's languages and its statements' translations (docs/i18n.md).

Routes (prefix /api/v1):
  GET  /conversations/{cid}/languages                       the conversation's statement languages (default first)
  PUT  /conversations/{cid}/languages                       organiser: set them, e.g. {"languages": ["en", "cy"]}
  GET  /conversations/{cid}/translations                    every visible statement in every language given
  PUT  /conversations/{cid}/statements/{tid}/translations/{lang}   organiser: give (or with "" remove) a translation
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from voxpop.services import translations as T
from voxpop.services.conversations import get_conversation
from voxpop.services.statements import list_statements
from voxpop.web.api.common import API_PREFIX, managed_conversation, read_session, write_session

router = APIRouter(prefix=API_PREFIX, tags=["languages"])


class LanguagesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    languages: list[Annotated[str, Field(min_length=2, max_length=16)]] = Field(min_length=1, max_length=12)


class TranslationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(max_length=4000)


def _languages(conv) -> dict:
    codes = T.languages_of(conv)
    return {"languages": [{"code": c, "name": T.language_name(c), "own_name": T.language_name(c, c)} for c in codes],
            "default": codes[0]}


@router.get("/conversations/{cid}/languages")
def get_languages(cid: str, s: Session = Depends(read_session)) -> dict:
    return _languages(get_conversation(s, cid))


@router.put("/conversations/{cid}/languages")
def put_languages(cid: str, body: LanguagesIn, request: Request,
                  s: Session = Depends(write_session, scope="function")) -> dict:
    conv, _ = managed_conversation(request, s, cid)
    T.set_languages(s, conv, body.languages)
    return _languages(conv)


@router.get("/conversations/{cid}/translations")
def get_translations(cid: str, s: Session = Depends(read_session)) -> dict:
    """Each visible statement as written (with its language) and in every language it has been given."""
    conv = get_conversation(s, cid)
    default = T.languages_of(conv)[0]
    given = T.translations_of(s, cid)
    return {"default": default, "statements": [
        {"id": st.tid, "language": st.language or default, "text": st.text, "translations": given.get(st.tid, {})}
        for st in list_statements(s, cid)]}


@router.put("/conversations/{cid}/statements/{tid}/translations/{lang}")
def put_translation(cid: str, tid: Annotated[int, Path(ge=0, lt=2**31)],
                    lang: Annotated[str, Path(min_length=2, max_length=16)], body: TranslationIn, request: Request,
                    s: Session = Depends(write_session, scope="function")) -> dict:
    conv, _ = managed_conversation(request, s, cid)
    T.set_translation(s, conv, tid, lang, body.text)
    s.flush()
    return {"id": tid, "translations": T.translations_of(s, cid).get(tid, {})}
