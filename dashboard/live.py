"""Live by push: a server-sent event stream telling every open screen that the figures moved on."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from zoneinfo import ZoneInfo

from flask import Flask, g
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from core.telemetry import LIVE_SUBSCRIBERS
from metrics.readmodel import ReadModel, get_read_model

LIVE_PATH = "/live"
WATCH_SECONDS = 0.1  # how often the stream looks at the read model's position (in memory, no query)
HEARTBEAT_SECONDS = 15  # a comment line, so proxies and the browser keep the connection open
SESSION_CHECK_SECONDS = 60  # a signed-out or disabled user's stream ends within this
STREAM_SECONDS = 600  # then the browser reconnects by itself; no stream outlives a shutdown for long
RETRY_MS = 1000  # the browser's wait before reconnecting a dropped stream


def live_version(model: ReadModel) -> str:
    """The log's position, and the minute: figures such as "follow-up overdue" change as time passes."""
    return f"{model.last_seq}:{int(time.time() // 60)}"


async def counted(stream: AsyncIterator[str]) -> AsyncIterator[str]:
    """The stream, counted in the open-streams gauge of /metrics while it is open."""
    LIVE_SUBSCRIBERS.inc()
    try:
        async for line in stream:
            yield line
    finally:  # ended, or the screen went away (Starlette closes the generator)
        LIVE_SUBSCRIBERS.dec()


def live_stream(server: Flask, engine: Engine, zone: ZoneInfo):
    """The /live endpoint (ASGI, so an open screen holds no WSGI worker thread)."""

    def signed_in(cookie: str, language: str) -> bool:
        # the dashboard's own session check (dashboard/auth.py), as for a page request to /live
        headers = {"Cookie": cookie, "Accept-Language": language}
        with server.test_request_context(LIVE_PATH, headers=headers):
            refused = server.preprocess_request()
            return refused is None and g.get("user") is not None

    async def events(cookie: str, language: str) -> AsyncIterator[str]:
        # the read model the Follower (api.app.start_follower) keeps current: woken by this
        # process's ingest and, on PostgreSQL, by every other process's (LISTEN/NOTIFY); else
        # every second for what other processes wrote
        model = get_read_model(engine, zone, catch_up=False)
        yield f"retry: {RETRY_MS}\n\n"
        started = last_beat = last_check = time.monotonic()
        sent = None
        while True:
            now = time.monotonic()
            version = live_version(model)
            if version != sent:
                yield f"event: version\ndata: {version}\n\n"
                sent, last_beat = version, now
            elif now - last_beat >= HEARTBEAT_SECONDS:
                yield ": still here\n\n"
                last_beat = now
            if now - last_check >= SESSION_CHECK_SECONDS:
                last_check = now
                if not await run_in_threadpool(signed_in, cookie, language):
                    yield "event: signed-out\ndata: \n\n"
                    return
            # a closed connection cancels this generator (Starlette listens for the disconnect)
            if now - started >= STREAM_SECONDS:
                return
            await asyncio.sleep(WATCH_SECONDS)

    async def endpoint(request: Request) -> Response:
        cookie = request.headers.get("cookie", "")
        language = request.headers.get("accept-language", "")
        if not await run_in_threadpool(signed_in, cookie, language):
            return Response("sign in first", status_code=401, media_type="text/plain")
        return StreamingResponse(
            counted(events(cookie, language)), media_type="text/event-stream",
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )

    return endpoint
