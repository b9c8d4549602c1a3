"""POST /api/v1/imports: a CSV, XLSX or NDJSON file of events, one row per event — or, with
`?mapping=NAME`, a case system's export read through a mapping file kept on the server
(`OVERBLIK_MAPPINGS_DIR`, docs/mappings.md)."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Query, UploadFile
from fastapi.concurrency import run_in_threadpool

from api.access import Action
from api.schemas import IngestSummaryOut
from api.security import acting
from api.services import ServicesDep
from core.errors import Invalid, TooLarge
from ingest.imports import file_format
from ingest.mapping import server_mapping
from ingest.mapping.run import MappedImportResult
from services import imports
from services.actor import Actor

router = APIRouter(tags=["events"])


class ImportSummaryOut(IngestSummaryOut):
    import_run_id: int
    rows: int | None = None


@router.post("/imports", response_model=ImportSummaryOut, summary="Import a file of events")
async def post_import(
    services: ServicesDep,
    actor: Annotated[Actor, Depends(acting(Action.send_events))],
    file: Annotated[UploadFile, File(description="CSV, XLSX or NDJSON, one row per event")],
    mapping: Annotated[
        str | None, Query(description="A mapping on the server (OVERBLIK_MAPPINGS_DIR/NAME.yaml): the file is a case system's export.")
    ] = None,
    export_date: Annotated[
        date | None, Query(description="With mapping: the export's date, which dates its status changes.")
    ] = None,
) -> dict[str, Any]:
    filename = Path(file.filename or "upload").name
    kind = file_format(filename)
    if export_date is not None and mapping is None:
        raise Invalid("export_date needs mapping", key="error_export_date_needs_mapping")
    rules = server_mapping(mapping, services.settings.mappings_dir) if mapping is not None else None
    limit = services.settings.max_import_bytes
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"upload.{kind}"
        size = 0
        with open(path, "wb") as handle:
            while chunk := await file.read(1 << 20):
                size += len(chunk)
                if size > limit:
                    raise TooLarge(f"the file is larger than {limit} bytes", key="error_file_too_large", most=limit)
                handle.write(chunk)
        result = await run_in_threadpool(
            imports.import_file, services, actor, path, filename=filename, mapping=rules, export_date=export_date,
        )
    answer = {**result.summary.as_dict(), "import_run_id": result.run_id}
    if isinstance(result, MappedImportResult):
        answer["rows"] = result.rows
    return answer
