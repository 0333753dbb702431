"""JSON API for paper ballots (voxpop.fieldwork.paper); all organiser-only.

  POST /conversations/{cid}/paper/packs          {place, sheets}: new ballot sheets; the print page's address
  GET  /conversations/{cid}/paper                the sheets by state and the mismatches waiting for a third look
  POST /conversations/{cid}/paper/entries        {sheet, answers, entered_by}: one typing of one sheet
  POST /conversations/{cid}/paper/entries/csv    many typings (CSV sheet,answers[,entered_by]), all or nothing
"""

from __future__ import annotations

from fastapi import APIRouter, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from voxpop.fieldwork import paper as PP
from voxpop.web.api.common import API_PREFIX, managed_conversation, managed_upload, services

router = APIRouter(prefix=API_PREFIX, tags=["field work: paper"])


class PackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    place: str | None = Field(None, max_length=100, description="the place id (or exact name) the pack is for")
    sheets: int = Field(ge=1, le=PP.MAX_SHEETS, description="how many ballot sheets to print")


class EntryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sheet: str = Field(max_length=20, description="the sheet id printed on the ballot, e.g. ABC-2345")
    answers: str = Field(max_length=400, description="a/d/p/- per printed statement, e.g. 'adp-a'")
    entered_by: str = Field("", max_length=100, description="who typed it (the two entries need two people)")


def print_url(cid: str, sheets: list[str]) -> str:
    return f"/organiser/c/{cid}/paper/print?sheets=" + ",".join(sheets)


def make_pack_sync(request: Request, cid: str, body: PackIn) -> dict:
    with services(request).db.write() as s:
        managed_conversation(request, s, cid)
        sheets = PP.make_pack(s, cid, place=body.place, sheets=body.sheets)
        ids = [PP.pretty_sheet_id(x.sheet_id) for x in sheets]
        return {"conversation": cid, "place": sheets[0].place_id, "sheets": ids,
                "statements": sheets[0].statements, "print": print_url(cid, ids)}


@router.post("/conversations/{cid}/paper/packs", status_code=201)
async def make_pack(cid: str, body: PackIn, request: Request) -> dict:
    """New ballot sheets for a place; open `print` to print the pack (statement cards, sheets, QR code)."""
    return await run_in_threadpool(make_pack_sync, request, cid, body)


@router.get("/conversations/{cid}/paper")
async def paper_summary(cid: str, request: Request) -> dict:
    def go():
        with services(request).db.read() as s:
            managed_conversation(request, s, cid)
            return PP.summary(s, cid)

    return await run_in_threadpool(go)


def enter_sync(request: Request, cid: str, body: EntryIn) -> dict:
    with services(request).db.write() as s:
        managed_conversation(request, s, cid)
        return PP.enter(s, cid, body.sheet, body.answers, entered_by=body.entered_by)


@router.post("/conversations/{cid}/paper/entries")
async def enter(cid: str, body: EntryIn, request: Request) -> dict:
    """One typing of a sheet: `status` says entered (first), imported (matched or settled) or mismatch."""
    return await run_in_threadpool(enter_sync, request, cid, body)


def enter_csv_sync(request: Request, cid: str, data: bytes) -> dict:
    with services(request).db.write() as s:
        managed_conversation(request, s, cid)
        return PP.enter_csv(s, cid, data)


@router.post("/conversations/{cid}/paper/entries/csv")
async def enter_csv(cid: str, request: Request, file: UploadFile | None = None) -> dict:
    """Typings from a CSV (multipart `file`, or a text/csv body): sheet,answers[,entered_by]."""
    from voxpop.fieldwork.csvin import MAX_BYTES

    data, _ = await managed_upload(request, cid, file, default_name="tally.csv", max_bytes=MAX_BYTES)
    return await run_in_threadpool(enter_csv_sync, request, cid, data)
