"""GET /api/v1/health: whether the database answers."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from sqlalchemy import text

from api.services import ServicesDep

router = APIRouter(tags=["health"])


@router.get("/health", summary="Health: the database answers")
async def health(services: ServicesDep):
    def ping() -> None:
        with services.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    try:
        await run_in_threadpool(ping)
    except Exception:
        return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)
    return {"status": "ok"}
