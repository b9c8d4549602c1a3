"""POST /api/v1/imports: a CSV, XLSX or NDJSON file of events, one row per event."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, HTTPException, UploadFile
from fastapi.concurrency import run_in_threadpool

from api.access import Action
from api.schemas import IngestSummaryOut
from api.security import require
from api.services import ServicesDep
from ingest.imports import UnreadableFile, file_format, import_path

router = APIRouter(tags=["events"])


class ImportSummaryOut(IngestSummaryOut):
    import_run_id: int


@router.post("/imports", response_model=ImportSummaryOut, summary="Import a file of events")
async def post_import(
    services: ServicesDep,
    _caller: Annotated[Any, Depends(require(Action.send_events))],
    file: Annotated[UploadFile, File(description="CSV, XLSX or NDJSON, one row per event")],
) -> dict[str, Any]:
    filename = Path(file.filename or "upload").name
    try:
        kind = file_format(filename)
    except UnreadableFile as exc:
        raise HTTPException(422, str(exc)) from None
    limit = services.settings.max_import_bytes
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"upload.{kind}"
        size = 0
        with open(path, "wb") as handle:
            while chunk := await file.read(1 << 20):
                size += len(chunk)
                if size > limit:
                    raise HTTPException(413, f"the file is larger than {limit} bytes")
                handle.write(chunk)
        try:
            result = await run_in_threadpool(
                import_path,
                services.store,
                path,
                origin="upload",
                filename=filename,
                batch_size=services.settings.import_batch_size,
            )
        except UnreadableFile as exc:
            raise HTTPException(422, str(exc)) from None
    return {**result.summary.as_dict(), "import_run_id": result.run_id}
