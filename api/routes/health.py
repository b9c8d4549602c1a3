"""GET /api/v1/health: whether the database answers; GET /api/v1/ready: whether this worker
can serve (database, migrations, read model)."""

from __future__ import annotations

from functools import lru_cache

from alembic.runtime.migration import MigrationContext
from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from sqlalchemy import text

from api.schemas.health import Health, HealthUnavailable, Readiness
from api.services import ServicesDep

router = APIRouter(tags=["health"])


@router.get("/health", response_model=Health, responses={503: {"model": HealthUnavailable}},
            summary="Health: the database answers")
async def health(services: ServicesDep):
    def ping() -> None:
        with services.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    try:
        await run_in_threadpool(ping)
    except Exception:
        return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)
    return {"status": "ok"}


@router.get("/ready", response_model=Readiness, responses={503: {"model": Readiness}},
            summary="Readiness: database answers, migrations at head, read model warm")
async def ready(request: Request, services: ServicesDep):
    """For a load balancer or an orchestrator's health check: 200 once this worker can serve
    the figures at once; 503 with what is missing until then (or while the database is away)."""

    def database_state() -> tuple[str, str]:
        try:
            with services.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
                current = set(MigrationContext.configure(connection).get_current_heads())
        except Exception:
            return "unreachable", "unknown"
        return "ok", ("head" if current == migration_heads() else "behind")

    database, migrations = await run_in_threadpool(database_state)
    follower = getattr(request.app.state, "follower", None)
    warm = follower is not None and follower.warmed.is_set()
    body = {
        "status": "ready",
        "database": database,
        "migrations": migrations,
        "read_model": "warm" if warm else "warming",
        # how this worker hears of other workers' events: PostgreSQL LISTEN, or polling
        "live": "listening" if follower is not None and follower.listening else "polling",
    }
    if database != "ok" or migrations != "head" or not warm:
        body["status"] = "not ready"
        return JSONResponse(body, status_code=503, headers={"Retry-After": "5"})
    return body


@lru_cache(maxsize=1)
def migration_heads() -> set[str]:
    from alembic.script import ScriptDirectory

    from core.migrate import alembic_config

    return set(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())
