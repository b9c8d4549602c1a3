"""POST /api/v1/imports: a CSV, XLSX or NDJSON file of events, one row per event — or, with
`?mapping=NAME`, a case system's export read through a mapping file kept on the server
(`OVERBLIK_MAPPINGS_DIR`, docs/mappings.md)."""

from __future__ import annotations

import re
import tempfile
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, HTTPException, Query, UploadFile
from fastapi.concurrency import run_in_threadpool

from api.access import Action
from api.schemas import IngestSummaryOut
from api.security import require
from api.services import ServicesDep
from ingest.imports import UnreadableFile, file_format, import_path
from ingest.mapping import Mapping, MappingError, confined_mapping, import_mapped, load_mapping

MAPPING_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")

router = APIRouter(tags=["events"])


class ImportSummaryOut(IngestSummaryOut):
    import_run_id: int
    rows: int | None = None


def _server_mapping(mappings_dir: Path | None, name: str) -> Mapping:
    if mappings_dir is None:
        raise HTTPException(422, "no mappings on this server (OVERBLIK_MAPPINGS_DIR is not set)")
    if not MAPPING_NAME.fullmatch(name) or name.startswith("."):
        raise HTTPException(404, "no mapping of that name")
    try:
        path = confined_mapping(name, mappings_dir)
    except MappingError:
        raise HTTPException(404, "no mapping of that name") from None
    try:
        return load_mapping(path)
    except MappingError as exc:
        raise HTTPException(422, f"cannot use the mapping {exc}") from None


@router.post("/imports", response_model=ImportSummaryOut, summary="Import a file of events")
async def post_import(
    services: ServicesDep,
    _caller: Annotated[Any, Depends(require(Action.send_events))],
    file: Annotated[UploadFile, File(description="CSV, XLSX or NDJSON, one row per event")],
    mapping: Annotated[
        str | None, Query(description="A mapping on the server (OVERBLIK_MAPPINGS_DIR/NAME.yaml): the file is a case system's export.")
    ] = None,
    export_date: Annotated[
        date | None, Query(description="With mapping: the export's date, which dates its status changes.")
    ] = None,
) -> dict[str, Any]:
    filename = Path(file.filename or "upload").name
    try:
        kind = file_format(filename)
    except UnreadableFile as exc:
        raise HTTPException(422, str(exc)) from None
    if export_date is not None and mapping is None:
        raise HTTPException(422, "export_date needs mapping")
    rules = _server_mapping(services.settings.mappings_dir, mapping) if mapping is not None else None
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
            if rules is not None:
                mapped = await run_in_threadpool(
                    import_mapped, services.store, path, rules, origin="upload", filename=filename,
                    export_date=export_date, batch_size=services.settings.import_batch_size,
                )
                return {**mapped.summary.as_dict(), "import_run_id": mapped.run_id, "rows": mapped.rows}
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
