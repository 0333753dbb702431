"""JSON API: exports in Pol.is's CSV formats and as the analysis document (organisers)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool

from voxpop.errors import NotFound
from voxpop.services import exports
from voxpop.web.api.common import API_PREFIX, SafeJSONResponse, managed_conversation, services
from voxpop.web.api.results import analysis_for

router = APIRouter(prefix=API_PREFIX, tags=["exports"])


@router.get("/conversations/{cid}/exports/{name}")
async def export(cid: str, name: str, request: Request) -> Response:
    """comments.csv, votes.csv (full history), participants-votes.csv, summary.csv, or analysis.json."""
    def go():
        with services(request).db.read() as s:
            managed_conversation(request, s, cid)
            if name == "analysis.json":
                return None
            stem = name.removesuffix(".csv")
            if not name.endswith(".csv") or stem not in exports.CSV_NAMES:
                raise NotFound(f"no export {name!r}; choose comments.csv, votes.csv, participants-votes.csv, "
                               "summary.csv or analysis.json")
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
