"""Archives and Pol.is exports over the web: a conversation's archive as one zip, and an upload (a zip, or
the files themselves) imported as a conversation. Uploads are written into a private temporary folder
under safe names only; zips are checked (member count, sizes, names) before anything is extracted."""

from __future__ import annotations

import io
import re
import tempfile
import zipfile
from pathlib import Path

from voxpop import i18n
from voxpop.store.archive.format import ArchiveError
from voxpop.store.archive.reader import ImportReport, import_archive, is_archive
from voxpop.store.archive.writer import export_conversation
from voxpop.store.db import Database

UPLOAD_MAX_BYTES = 50_000_000  # the upload itself (zip or files together)
UNZIPPED_MAX_BYTES = 500_000_000  # what a zip may expand to
MAX_FILES = 100
_SAFE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,120}\.(csv|jsonl|json|txt)$")


def archive_zip(db: Database, conversation_id: str, *, browser_ids: bool = False) -> bytes:
    """The conversation's archive (voxpop.store.archive.writer) as the bytes of a zip file."""
    with tempfile.TemporaryDirectory(prefix="voxpop-archive-") as tmp:
        folder = Path(tmp) / "archive"
        export_conversation(db, conversation_id, folder, browser_ids=browser_ids)
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
            for path in sorted(folder.iterdir()):
                z.write(path, arcname=f"voxpop-{conversation_id}-archive/{path.name}")
        return buf.getvalue()


def _safe_name(name: str) -> str | None:
    """The file's own name if it is one voxpop reads (a .csv, .jsonl, .json or .txt file), else None."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    return base if _SAFE.fullmatch(base) else None


def _unzip(data: bytes, folder: Path) -> None:
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise ArchiveError(i18n.lazy_gettext("the .zip file is damaged or not a zip file; make it again")) from None
    with z:
        members = [m for m in z.infolist() if not m.is_dir() and "__MACOSX/" not in m.filename
                   and not m.filename.rsplit("/", 1)[-1].startswith(".")]
        if len(members) > MAX_FILES:
            raise ArchiveError(i18n.lazy_gettext("the zip holds %(n)s files; an archive or Pol.is export has "
                                                 "at most %(max_files)s", n=len(members), max_files=MAX_FILES))
        if sum(m.file_size for m in members) > UNZIPPED_MAX_BYTES:
            raise ArchiveError(i18n.lazy_gettext("the zip expands to more than %(unzipped_max_bytes)s bytes; "
                                                 "import it with `voxpop import` on the server instead", unzipped_max_bytes=format(UNZIPPED_MAX_BYTES, ',')))
        for m in members:
            name = _safe_name(m.filename)
            if name is None:
                continue  # not a file voxpop reads (e.g. a PDF beside the export)
            target = folder / name
            if target.exists():
                raise ArchiveError(i18n.lazy_gettext("the zip holds two files named %(name)s; put one "
                                                     "conversation in a zip", name=name))
            written = 0
            with z.open(m) as src, open(target, "wb") as out:
                while chunk := src.read(1 << 20):
                    written += len(chunk)
                    if written > m.file_size or written > UNZIPPED_MAX_BYTES:
                        raise ArchiveError(i18n.lazy_gettext("the zip's sizes do not add up (damaged or "
                                                             "hostile); make it again"))
                    out.write(chunk)


def import_upload(db: Database, files: list[tuple[str, bytes]], *, owner: str | None, as_copy: bool = False,
                  ) -> ImportReport:
    """Import uploaded files: one .zip (an archive from `voxpop export` or a conversation's archive download,
    or a Pol.is export), or the files themselves (manifest.json and the .jsonl files, or Pol.is's
    comments.csv, votes.csv, ...)."""
    from voxpop.store.archive.polis import import_polis

    if not files:
        raise ArchiveError(i18n.lazy_gettext("choose the files to import: a .zip, or the export's CSV files"))
    if sum(len(data) for _, data in files) > UPLOAD_MAX_BYTES:
        raise ArchiveError(i18n.lazy_gettext("the upload is larger than %(upload_max_bytes)s bytes; import "
                                             "it with `voxpop import` on the server instead", upload_max_bytes=format(UPLOAD_MAX_BYTES, ',')))
    with tempfile.TemporaryDirectory(prefix="voxpop-import-") as tmp:
        folder = Path(tmp)
        zips = [(n, d) for n, d in files if n.lower().endswith(".zip")]
        if zips:
            if len(files) > 1:
                raise ArchiveError(i18n.lazy_gettext("send one .zip on its own, or the files without a zip"))
            _unzip(zips[0][1], folder)
        else:
            for name, data in files:
                safe = _safe_name(name)
                if safe is None:
                    raise ArchiveError(i18n.lazy_gettext("%(name)s is not a file voxpop imports: send a "
                                                         ".zip, or .csv / .jsonl / manifest.json files", name=repr(name)))
                if (folder / safe).exists():
                    raise ArchiveError(i18n.lazy_gettext("two files are named %(safe)s; send each file once", safe=safe))
                (folder / safe).write_bytes(data)
        if is_archive(folder):
            return import_archive(db, folder, as_copy=as_copy, owner=owner)
        if as_copy:
            raise ArchiveError(i18n.lazy_gettext("'as a copy' is for voxpop archives; a Pol.is export always "
                                                 "becomes a new conversation"))
        if not any(folder.glob("*votes.csv")):
            raise ArchiveError(i18n.lazy_gettext("no votes here: send a voxpop archive (manifest.json and "
                                                 "its .jsonl files) or a Pol.is export (comments.csv and "
                                                 "votes.csv), as a .zip or as the files"))
        return import_polis(db, folder, owner=owner)
