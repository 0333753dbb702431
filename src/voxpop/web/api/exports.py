"""JSON API: exports in Pol.is's CSV formats and as the analysis document, the conversation's archive (a zip
for `voxpop import` or POST /imports), and imports of archives and Pol.is exports (organisers)."""

from __future__ import annotations

from fastapi import APIRouter, File, Form, Request, Response, UploadFile
from fastapi.concurrency import run_in_threadpool

from voxpop import i18n
from voxpop.errors import NotFound
from voxpop.services import exports
from voxpop.web.api.common import (
    API_PREFIX,
    SafeJSONResponse,
    managed_conversation,
    require_organiser,
    services,
)
from voxpop.web.api.results import analysis_for

router = APIRouter(prefix=API_PREFIX, tags=["exports"])


@router.get("/conversations/{cid}/exports/{name}")
async def export(cid: str, name: str, request: Request) -> Response:
    """comments.csv, votes.csv (full history), participants-votes.csv, summary.csv, translations.csv (every
    statement in every language it has), or analysis.json."""
    def go():
        with services(request).db.read() as s:
            managed_conversation(request, s, cid)
            if name == "analysis.json":
                return None
            stem = name.removesuffix(".csv")
            if not name.endswith(".csv") or stem not in exports.CSV_NAMES:
                raise NotFound(i18n.lazy_gettext("no export %(name)s; choose comments.csv, votes.csv, "
                                                 "participants-votes.csv, summary.csv, translations.csv or "
                                                 "analysis.json", name=repr(name)))
            return exports.export_csv(s, cid, stem, url=f"{request.base_url}api/v1/conversations/{cid}")

    data = await run_in_threadpool(go)
    # voxpop-ID-votes.csv: never starts with "-" (ids may), and `voxpop analyze` reads a folder of them
    headers = {"Content-Disposition": f'attachment; filename="{exports.download_name(cid, name)}"',
               "X-Content-Type-Options": "nosniff"}
    if data is None:
        res = await run_in_threadpool(analysis_for, request, cid)
        return SafeJSONResponse(res["document"] or {"status": "pending", "message": res["message"]},
                                headers=headers, status_code=200 if res["document"] else 202)
    return Response(data, media_type="text/csv; charset=utf-8", headers=headers)


@router.get("/conversations/{cid}/archive")
async def archive(cid: str, request: Request) -> Response:
    """The conversation's archive as a zip (docs/archive.md): everything needed to rebuild it in another
    voxpop database with `voxpop import` or POST /imports, never passwords, tokens or browser ids."""
    from voxpop.store.archive.upload import archive_zip

    def go():
        svc = services(request)
        with svc.db.read() as s:
            managed_conversation(request, s, cid)
        svc.security.check_rate(request, cost=5)
        return archive_zip(svc.db, cid)

    data = await run_in_threadpool(go)
    return Response(data, media_type="application/zip", headers={
        "Content-Disposition": f'attachment; filename="{exports.download_name(cid, "archive.zip")}"',
        "X-Content-Type-Options": "nosniff"})


async def import_files(request: Request, files: list[UploadFile], as_copy: bool) -> dict:
    """Shared by POST /imports and the organiser's import page: the caller becomes the owner."""
    from voxpop.errors import Invalid
    from voxpop.io import InputError
    from voxpop.store.archive.upload import UPLOAD_MAX_BYTES, import_upload

    svc = services(request)
    with svc.db.read() as s:
        org = require_organiser(request, s)
        username = org.username
    svc.security.check_rate(request, cost=10)
    payload = [(f.filename or "upload", await f.read(UPLOAD_MAX_BYTES + 1)) for f in files if f.filename or f.size]

    def go():
        try:
            report = import_upload(svc.db, payload, owner=username, as_copy=as_copy)
        except InputError as e:
            raise Invalid(str(e)) from None
        return {"id": report.conversation_id, "topic": report.topic, "copied": report.copied,
                "source_id": report.source_id, "rows": report.rows,
                "notes": [n for n in report.notes if "--owner" not in n]}

    return await run_in_threadpool(go)


@router.get("/imports")
def imports_help(request: Request) -> dict:
    """What POST /imports accepts (the JSON twin of the organiser's Import page)."""
    with services(request).db.read() as s:
        require_organiser(request, s)
    return {"post": f"{API_PREFIX}/imports", "field": "files", "options": {"as_copy": "import a copy when this "
            "database already has the conversation"},
            "accepts": ["a voxpop archive (.zip from GET /conversations/{cid}/archive, or a voxpop export folder's "
                        "files)", "a Pol.is export (comments.csv, votes.csv[, summary.csv, participants-votes.csv])"],
            "docs": "docs/archive.md"}


@router.post("/imports", status_code=201)
async def import_conversation(request: Request, files: list[UploadFile] = File(default=[]),
                              as_copy: bool = Form(False)) -> dict:
    """Import a conversation (multipart field `files`): one .zip — an archive (GET .../archive, `voxpop
    export`) or a Pol.is export — or the files themselves. A Pol.is export becomes a new live conversation
    (docs/archive.md); an archive keeps its id unless this database has it (409; `as_copy=true` imports a
    copy). The caller owns the imported conversation."""
    return await import_files(request, files, as_copy)
