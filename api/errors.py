"""Every refusal answered as HTTP, in one place: a domain error (`core/errors.py`) raised
anywhere under a route is answered with its kind's status and `{"detail": reason}`, beside it
the refusal's message key when it has one (`"key"`, docs/translations.md); no route carries its
own try/except for it. The database's own failures and FastAPI's validation
errors are answered here too, and so is an address under /api/ that is no route (JSON 404,
or 405 with `Allow` for a known address asked with the wrong method; the guard, api/limits.py,
answers those first, and this is what answers should the guard's table and the routes differ)."""

from __future__ import annotations

import logging

import psycopg
from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError as SADataError
from sqlalchemy.exc import DBAPIError, OperationalError
from starlette.routing import BaseRoute, Match, Route

from core import identity
from core.errors import DomainError

log = logging.getLogger("overblik.api")

NO_SUCH_ROUTE = "no such route"
NOT_STORABLE = "a value cannot be stored (too long, out of range, or NUL characters)"
DATABASE_AWAY = "the database is not available; nothing was stored, try again shortly"


def install_error_handlers(app: FastAPI) -> None:
    async def refused(_request: Request, exc: DomainError) -> JSONResponse:
        body = {"detail": str(exc)}
        # a refusal of access says nothing but its reason (docs/security.md)
        if exc.key and exc.kind != "forbidden":
            body["key"] = exc.key
        return JSONResponse(body, status_code=exc.status)

    app.add_exception_handler(DomainError, refused)

    async def invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        # FastAPI's answer, except that an identity number in the input it echoes is masked
        return JSONResponse({"detail": identity.mask_in(jsonable_encoder(exc.errors()))}, status_code=422)

    app.add_exception_handler(RequestValidationError, invalid)

    async def value_not_storable(_request: Request, exc: Exception) -> JSONResponse:
        log.warning("a value could not be stored: %s", type(exc).__name__)
        return JSONResponse({"detail": NOT_STORABLE}, status_code=422)

    for kind in (SADataError, psycopg.DataError):
        app.add_exception_handler(kind, value_not_storable)

    async def database_unavailable(_request: Request, exc: Exception) -> JSONResponse:
        # Nothing of the request is logged: it may carry case data.
        log.error("database error: %s", type(exc).__name__)
        return JSONResponse({"detail": DATABASE_AWAY}, status_code=503, headers={"Retry-After": "5"})

    # the ingest hot path talks to the driver directly (raw connection): its errors come unwrapped
    for kind in (OperationalError, DBAPIError, psycopg.OperationalError, psycopg.InterfaceError):
        app.add_exception_handler(kind, database_unavailable)


def install_api_fallback(app: FastAPI, prefix: str = "/api") -> None:
    """Every address under `prefix` that no API route serves is answered here, in JSON, and
    never reaches the dashboard mounted at / (which would answer its sign-in page): 405 with
    `Allow` when a route serves the address with other methods, 404 otherwise. Added after the
    API's routes and before the dashboard's mount."""
    api_routes: list[BaseRoute] = [r for r in app.router.routes if isinstance(r, Route)
                                   and r.path.startswith(prefix + "/")]

    async def no_such_route(request: Request) -> JSONResponse:
        allowed: set[str] = set()
        for route in api_routes:
            match, _ = route.matches(request.scope)
            if match is not Match.NONE:
                allowed |= route.methods or set()
        if allowed and request.method not in allowed:
            return JSONResponse({"detail": f"method {request.method} is not allowed here"}, status_code=405,
                                headers={"Allow": ", ".join(sorted(allowed))})
        return JSONResponse({"detail": NO_SUCH_ROUTE}, status_code=404)

    methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
    app.add_route(prefix, no_such_route, methods=methods, include_in_schema=False)
    app.add_route(prefix + "/{rest:path}", no_such_route, methods=methods, include_in_schema=False)
