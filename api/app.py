"""The Overblik web application: the HTTP API under /api/v1 and the dashboard at /."""

from __future__ import annotations

import asyncio
import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from api.errors import install_api_fallback, install_error_handlers
from api.limits import Guard
from api.routes.events import router as events_router
from api.routes.figures import router as figures_router
from api.routes.health import router as health_router
from api.routes.imports import router as imports_router
from api.routes.organisation import router as organisation_router
from api.routes.privacy import router as privacy_router
from api.routes.programmes import router as programmes_router
from api.routes.quarantine import router as quarantine_router
from api.routes.sources import router as sources_router
from api.routes.telemetry import router as telemetry_router
from api.routes.tokens import router as tokens_router
from core.settings import Settings, get_settings
from services.runtime import Services

log = logging.getLogger("overblik.api")
API_PREFIX = "/api/v1"
WARM_SECONDS = 300  # the longest start-up waits for the read model to be warm; then it serves anyway


def create_app(
    settings: Settings | None = None,
    *,
    run_scheduler: bool | None = None,
    services: Services | None = None,
) -> FastAPI:
    settings = services.settings if services else settings or get_settings()
    services = services or Services.from_settings(settings)
    scheduler_wanted = settings.scheduler if run_scheduler is None else run_scheduler

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        scheduler = None
        if scheduler_wanted:
            scheduler = start_scheduler(services)
        follower = start_follower(services)
        app.state.follower = follower
        # the server answers once the figures' read model is warm: no first screen waits for it
        await asyncio.to_thread(follower.warmed.wait, WARM_SECONDS)
        try:
            yield
        finally:
            follower.stop()
            if scheduler is not None:
                scheduler.shutdown()

    app = FastAPI(
        title="Overblik",
        version="1",
        description="Production steering for employment services: case events in, monthly "
        "milestones out.",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.services = services
    for router in (
        health_router, events_router, imports_router, quarantine_router, organisation_router,
        sources_router, tokens_router, privacy_router,
    ):
        app.include_router(router, prefix=API_PREFIX)
    app.include_router(figures_router, prefix=API_PREFIX)
    app.include_router(programmes_router, prefix=API_PREFIX)
    app.include_router(telemetry_router)  # /metrics, where Prometheus looks by default
    install_api_fallback(app)  # any other address under /api/: JSON 404/405, never the dashboard
    dashboard_server = mount_dashboard(app, services)

    @app.middleware("http")
    async def refuse_nul(request: Request, call_next):
        # No database text holds NUL; a path or query with one is refused before any route.
        if "\x00" in request.url.path or "%00" in request.url.query:
            return JSONResponse({"detail": "NUL characters are not allowed in the address"}, 400)
        return await call_next(request)

    install_security_headers(app, settings)
    install_error_handlers(app)
    install_request_timing(app)
    # outermost: authenticated from the headers, and the body held to its limit, before any work
    app.add_middleware(Guard, settings=settings, engine=services.engine,
                       session_of_cookie=dashboard_server.extensions.get("overblik_signed_in_cookie"))

    return app


# Dash renders with inline styles and evaluates its callbacks' code, so styles and scripts need
# 'unsafe-inline' / 'unsafe-eval'; everything still comes from this origin only.
CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors {ancestors}"
)


def install_security_headers(app: FastAPI, settings: Settings) -> None:
    """Security headers on every answer, and forwarded headers believed from trusted proxies."""
    from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

    wall_ancestors = settings.wall_frame_ancestors.strip()
    framed = CSP.format(ancestors=wall_ancestors or "'none'")
    unframed = CSP.format(ancestors="'none'")

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        wall = bool(wall_ancestors) and request.url.path.startswith(("/wall", "/_dash-"))
        headers = response.headers
        headers.setdefault("Content-Security-Policy", framed if wall else unframed)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        if not wall:
            headers.setdefault("X-Frame-Options", "DENY")
        return response

    # The client address (throttle, audit log, logs) and the scheme are the peer's own unless the
    # peer is a configured proxy; with none configured no forwarded header is believed from
    # anywhere, loopback included (uvicorn itself is started with UVICORN_PROXY_OPTIONS).
    proxies = settings.trusted_proxy_list
    if proxies:
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=proxies)


# The Dash app's own routes under the one mount at /, named for the latency figures.
DASH_ROUTES = ("/_dash-update-component", "/_dash-layout", "/_dash-dependencies", "/_reload-hash")
DASH_STATIC = ("/assets/", "/_dash-component-suites/", "/_favicon.ico", "/favicon.ico")


def _route_patterns():
    from starlette.routing import compile_path

    from core.access import ROUTES

    return [(method, compile_path(path)[0], path) for method, path in ROUTES]


_PATTERNS = _route_patterns()


def route_template(method: str, path: str) -> str:
    """The template of the route that served a request (never the address itself, which may
    name a case or a worker): `/api/v1/teams/{team_id}` as in the access matrix, the live
    stream, a Dash route, or the dashboard's pages and static files."""
    for m, pattern, template in _PATTERNS:
        if m == method and pattern.fullmatch(path):
            return template
    if path.startswith("/api/") or path == "/api":
        return f"{API_PREFIX}/(other)"  # the OpenAPI document, or an address that is no route
    if path == "/live" or path in DASH_ROUTES:
        return path
    if path.startswith(DASH_STATIC):
        return "/(dashboard static)"
    return "/(dashboard page)"


def install_request_timing(app: FastAPI) -> None:
    """Latency of every answer per route template, for /metrics (to the first byte: a live
    stream counts until its headers are sent)."""
    import time

    from core.telemetry import REQUEST_SECONDS

    @app.middleware("http")
    async def request_timing(request: Request, call_next):
        started = time.perf_counter()
        status = 500
        try:
            response = await call_next(request)
            status = response.status_code
            return response
        finally:
            route = route_template(request.method, request.url.path)
            REQUEST_SECONDS.labels(request.method, route, str(status)).observe(
                time.perf_counter() - started)


def mount_dashboard(app: FastAPI, services: Services):
    """The dashboard at /, after every API route, so /api/v1/* is always answered by the API."""
    from a2wsgi import WSGIMiddleware

    from dashboard.app import LIVE_PATH, create_dashboard, live_stream
    from metrics.service import MetricsService

    settings = services.settings
    metrics = MetricsService(services.engine, settings.zone, model=services.read_model,
                         reporting_day=services.settings.hours_reporting_day)
    dashboard = create_dashboard(settings, services.engine, metrics=metrics, store=services.store)
    # the live stream as ASGI: an open screen must not hold one of the WSGI bridge's threads
    app.add_route(LIVE_PATH, live_stream(dashboard.server, services.read_model,
                                         per_session=settings.live_streams_per_session,
                                         per_address=settings.live_streams_per_address),
                  methods=["GET"])
    app.mount("/", WSGIMiddleware(dashboard.server))
    return dashboard.server


def start_follower(services: Services):
    """Keeps the figures' read model current in the background (and warms it on start)."""
    from metrics.readmodel import Follower

    follower = Follower(services.read_model, services.clock)
    services.store.listeners.append(follower.notify)
    follower.start()
    return follower


def start_scheduler(services: Services):
    """Starts the collectors' scheduler, when that part is installed."""
    try:
        from ingest.scheduler import start as start_collectors
    except ImportError:
        return None
    return start_collectors(
        services.store, retention_months=services.settings.retention_months,
        on_erased=services.read_model.forget_case,
    )
