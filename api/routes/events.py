"""POST /api/v1/events: case events pushed by source systems."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool

from api.access import Action
from api.schemas import IngestSummaryOut
from api.security import require
from api.services import ServicesDep
from api.tokens import Caller
from core.errors import TooLarge
from core.messages import N_
from ingest.limits import check_batch, values_problem
from ingest.store import Refusal
from ingest.wire import UnreadableLine, parse_json_body, parse_ndjson

router = APIRouter(tags=["events"])

EVENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["event_id", "type", "occurred_at", "case_id"],
    "properties": {
        "event_id": {"type": "string", "minLength": 1, "maxLength": 128},
        "type": {"type": "string"},
        "occurred_at": {"type": "string", "description": "ISO 8601 date or date-time"},
        "case_id": {"type": "string", "minLength": 1, "maxLength": 128},
        "source": {"type": "string"},
    },
    "additionalProperties": True,
}


async def read_limited_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise TooLarge(f"the body is larger than {limit} bytes; send smaller batches", key=N_("error_body_too_large"),
                       most=limit)
    chunks = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise TooLarge(f"the body is larger than {limit} bytes; send smaller batches", key=N_("error_body_too_large"),
                           most=limit)
        chunks.append(chunk)
    return b"".join(chunks)


@router.post(
    "/events",
    response_model=IngestSummaryOut,
    summary="Send case events",
    description="A JSON array of events, one event object, or NDJSON "
    "(`Content-Type: application/x-ndjson`). Answered after the batch is durably stored.",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {"oneOf": [EVENT_SCHEMA, {"type": "array", "items": EVENT_SCHEMA}]}
                },
                "application/x-ndjson": {"schema": {"type": "string"}},
            },
        }
    },
)
async def post_events(
    request: Request,
    services: ServicesDep,
    caller: Annotated[Caller, Depends(require(Action.send_events))],
) -> dict[str, Any]:
    body = await read_limited_body(request, services.settings.max_body_bytes)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    ndjson = content_type in ("application/x-ndjson", "application/ndjson", "application/jsonl")
    # counted on the bytes: a body of a million tiny values is refused before it is parsed
    too_many = values_problem(body, services.settings.max_batch_events, ndjson=ndjson)
    if too_many:
        raise TooLarge(too_many, key=N_("error_body_too_many_values"), most=services.settings.max_batch_events)
    raw = parse_ndjson(body) if ndjson else parse_json_body(body)
    # a body that is mostly not events is refused as one, not as one quarantine entry an item
    check_batch(raw)
    if len(raw) > services.settings.max_batch_events:
        raise TooLarge(f"the request holds {len(raw)} events; at most "
                       f"{services.settings.max_batch_events} per request: send smaller batches",
                       key=N_("error_body_too_many_events"), count=len(raw), most=services.settings.max_batch_events)
    summary = await run_in_threadpool(ingest_raw, services, raw, "api")
    return summary.as_dict()


def ingest_raw(services, raw: list[Any], origin: str, **kwargs):
    items = [Refusal(i, x.reason, None, x.line) if isinstance(x, UnreadableLine) else x for i, x in enumerate(raw)]
    store = services.store
    return store.append_prepared(store.prepare_many(items), origin=origin, **kwargs)
