"""Limits before work: every request is authenticated from its headers alone, and its body is
held to its route's size limit while it streams in, before any route, form parser or the
dashboard reads a byte of it (docs/security.md, "Limits before work").

A pure ASGI middleware, outside everything else of the application:

0. an address under /api/ that is no route is answered at once, the body unread: 404
   `{"detail": "no such route"}`, or 405 with `Allow` when the address is a route for other
   methods, with or without a token (the routes are the public OpenAPI document's: saying
   that an address is no route tells nothing a caller could not read there);
1. an API route that is not public needs a known bearer token, a dashboard request that
   changes something (POST, PUT, …) needs a live session; otherwise 401 at once, the body
   unread, and the connection closed;
2. a declared `Content-Length` above the route's limit is answered 413 at once;
3. a body without a declared length (chunked) is counted as it arrives: past the limit the
   request ends with 413. The dashboard's requests (WSGI) are read up to their small limit
   first, then handed on.

The role check stays with each route (`api/security.py`, from `core/access.py`'s table).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
import psycopg
from sqlalchemy.exc import DBAPIError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.routing import compile_path

from api.tokens import authenticate
from core.access import PUBLIC, ROUTES, BodyLimit
from core.settings import Settings

# the database's driver or SQLAlchemy saying the database cannot be reached
DATABASE_AWAY = (DBAPIError, psycopg.OperationalError, psycopg.InterfaceError)

API_PREFIX = "/api/v1"
KIB = 1024
MIB = 1024 * KIB
MULTIPART_OVERHEAD = 64 * KIB  # the form's boundaries and headers around an uploaded file
ORGANISATION_CSV_BYTES = 8 * MIB
REFERENCE_CSV_BYTES = 2 * MIB
# the OpenAPI document and its page: no data, anyone may read them
PUBLIC_API_PAGES = (f"{API_PREFIX}/openapi.json", f"{API_PREFIX}/docs", f"{API_PREFIX}/docs/oauth2-redirect")
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
# dashboard requests with a body that need no session: signing in and out
SESSIONLESS = ("/sign-in", "/sign-out")


def body_limits(settings: Settings) -> dict[tuple[str, str], int]:
    """Each route's body limit in bytes, by route (method, path template): the API's from
    core/access.py's route table, the dashboard's here. Every other request — the
    configuration routes, the dashboard's other requests, requests that should carry no body
    at all — gets `max_config_body_bytes`."""
    bytes_of = {
        BodyLimit.events: settings.max_body_bytes,
        BodyLimit.event_file: settings.max_import_bytes + MULTIPART_OVERHEAD,
        BodyLimit.organisation_csv: ORGANISATION_CSV_BYTES,
        BodyLimit.reference_csv: REFERENCE_CSV_BYTES + MULTIPART_OVERHEAD,
    }
    return {
        **{key: bytes_of[route.body] for key, route in ROUTES.items() if route.body is not BodyLimit.config},
        ("POST", "/_dash-update-component"): settings.max_dash_body_bytes,
        ("POST", "/sign-in"): 16 * KIB,
        ("POST", "/sign-out"): 16 * KIB,
    }


class BodyTooLarge(HTTPException):
    """Raised from `receive` once a body passes its limit; FastAPI and Starlette answer it 413."""

    def __init__(self, limit: int):
        super().__init__(413, f"the body is larger than {limit} bytes, this route's limit; nothing was stored",
                         headers={"Connection": "close"})


class Refused(Exception):
    def __init__(self, status: int, reason: str, headers: dict[str, str] | None = None):
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.headers = headers or {}


NO_SUCH_ROUTE = "no such route"


def api_address(path: str) -> bool:
    return path == "/api" or path.startswith("/api/")


class Guard:
    """The middleware; `session_of_cookie(cookie header) -> bool` is the dashboard's session
    check (dashboard/auth.py), run only for dashboard requests that carry a body."""

    def __init__(self, app: Any, *, settings: Settings, engine: Any,
                 session_of_cookie: Callable[[str], bool] | None = None):
        self.app = app
        self.engine = engine
        self.session_of_cookie = session_of_cookie
        self.default_limit = settings.max_config_body_bytes
        self.limits = [(method, compile_path(path)[0], limit) for (method, path), limit in body_limits(settings).items()]
        self.public = [(method, compile_path(path)[0]) for (method, path), route in ROUTES.items()
                       if route.action is PUBLIC]
        # every API route of the access matrix (core/access.py, which tests/api/test_access.py
        # holds equal to the app's routes): an address none of them serves is no route
        self.api_routes = [(method, compile_path(path)[0]) for (method, path) in ROUTES if api_address(path)]

    def not_a_route(self, method: str, path: str) -> Refused | None:
        """404 for an address under /api/ that no route serves, 405 (with `Allow`) for one
        that routes serve with other methods; None for a route, the OpenAPI pages, or an
        address outside /api/."""
        if not api_address(path) or path in PUBLIC_API_PAGES:
            return None
        allowed = {m for m, pattern in self.api_routes if pattern.fullmatch(path)}
        if method in allowed:
            return None
        if allowed:
            return Refused(405, f"method {method} is not allowed here", {"Allow": ", ".join(sorted(allowed))})
        return Refused(404, NO_SUCH_ROUTE)

    def limit_of(self, method: str, path: str) -> int:
        for m, pattern, limit in self.limits:
            if m == method and pattern.fullmatch(path):
                return limit
        return self.default_limit

    def needs(self, method: str, path: str) -> str | None:
        """"token", "session", or None: what a request must show before its body is read."""
        if path.startswith(API_PREFIX + "/") or path == API_PREFIX or path == "/metrics":
            if method in SAFE_METHODS and path in PUBLIC_API_PAGES:
                return None
            if any(m == method and pattern.fullmatch(path) for m, pattern in self.public):
                return None
            return "token"
        if method in SAFE_METHODS or path in SESSIONLESS:
            return None  # pages and the live stream check the session themselves, bodiless
        return "session"

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        method, path = scope["method"], scope["path"]
        headers = {}
        for name, value in scope["headers"]:
            headers.setdefault(name.lower(), value)
        try:
            wrong = self.not_a_route(method, path)
            if wrong is not None:
                raise wrong
            await self.authenticate(scope, method, path, headers)
            limit = self.limit_of(method, path)
            declared = headers.get(b"content-length")
            if declared is not None:
                if not declared.strip().isdigit():
                    raise Refused(400, "Content-Length is not a number")
                if int(declared) > limit:
                    raise Refused(413, f"the body is {int(declared)} bytes, larger than {limit} bytes, this route's limit")
        except Refused as refusal:
            return await answer(send, refusal.status, refusal.reason, refusal.headers)
        except DATABASE_AWAY:
            # the token or session could not be looked up: answered as the app's own handler
            # does (api/app.py), before any body is read
            return await answer(send, 503, "the database is not available; nothing was stored, "
                                "try again shortly", {"Retry-After": "5"})
        if not path.startswith(API_PREFIX) and path != "/metrics":
            # the dashboard (WSGI): its small body is read here, up to the limit, then handed on
            return await self.buffered(scope, receive, send, limit)
        return await self.streamed(scope, receive, send, limit)

    async def authenticate(self, scope, method: str, path: str, headers: dict[bytes, bytes]) -> None:
        need = self.needs(method, path)
        if need == "token":
            value = headers.get(b"authorization", b"").decode("latin-1").strip()
            scheme, _, token = value.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise Refused(401, "missing bearer token", {"WWW-Authenticate": "Bearer"})
            caller = await run_in_threadpool(authenticate, self.engine, token.strip())
            if caller is None:
                raise Refused(401, "unknown, expired or revoked token", {"WWW-Authenticate": "Bearer"})
            # the route's dependency (api/security.py) takes the caller from here: one lookup
            scope.setdefault("state", {})["caller"] = caller
        elif need == "session" and self.session_of_cookie is not None:
            cookie = headers.get(b"cookie", b"").decode("latin-1")
            if not cookie or not await run_in_threadpool(self.session_of_cookie, cookie):
                raise Refused(401, "sign in first")

    async def streamed(self, scope, receive, send, limit: int) -> None:
        received = 0
        started = answered = False

        async def counting_receive():
            nonlocal received, answered
            if answered:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    if started:  # cannot happen for a route that reads its body first
                        raise BodyTooLarge(limit)
                    # answered here, at once; to the route the client is gone, so it stops
                    answered = True
                    await answer(send, 413, BodyTooLarge(limit).detail, {})
                    return {"type": "http.disconnect"}
            return message

        async def watching_send(message):
            nonlocal started
            if answered:
                return  # whatever the route says after the 413 is not sent
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, watching_send)
        except BaseException:
            if not answered:
                raise
            # the route's reaction to the vanished body (ClientDisconnect, …): already answered

    async def buffered(self, scope, receive, send, limit: int) -> None:
        chunks: list[bytes] = []
        received = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away before sending its body
            body = message.get("body", b"")
            received += len(body)
            if received > limit:
                return await answer(send, 413, f"the body is larger than {limit} bytes, this route's limit",
                                    {"Connection": "close"})
            chunks.append(body)
            if not message.get("more_body", False):
                break
        whole = b"".join(chunks)
        chunks.clear()
        handed = False

        async def replay():
            nonlocal handed
            if not handed:
                handed = True
                return {"type": "http.request", "body": whole, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


async def answer(send, status: int, reason: str, headers: dict[str, str]) -> None:
    """A refusal as the API's errors are (`{"detail": reason}`); the connection is closed after
    it when a body may still be on its way, so no unread body keeps it busy."""
    body = orjson.dumps({"detail": reason})
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
           (b"cache-control", b"no-store"), (b"x-content-type-options", b"nosniff"), (b"connection", b"close")]
    raw += [(k.lower().encode(), v.encode()) for k, v in headers.items() if k.lower() != "connection"]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})
