"""Live by push: a server-sent event stream telling every open screen that the figures moved on."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

from flask import Flask, g
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from core.telemetry import LIVE_SUBSCRIBERS
from metrics.readmodel import ReadModel

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


class StreamCounts:
    """Open live streams per session and per client address (one process; asyncio, one thread)."""

    def __init__(self, per_session: int, per_address: int):
        self.per_session = per_session
        self.per_address = per_address
        self.sessions: dict[str, int] = {}
        self.addresses: dict[str, int] = {}

    def refusal(self, session: str, address: str) -> str | None:
        if self.sessions.get(session, 0) >= self.per_session:
            return (f"this sign-in already has {self.per_session} live streams open (the limit): "
                    "close other Overblik tabs")
        if self.addresses.get(address, 0) >= self.per_address:
            return f"this address already has {self.per_address} live streams open (the limit)"
        return None

    def opened(self, session: str, address: str) -> None:
        self.sessions[session] = self.sessions.get(session, 0) + 1
        self.addresses[address] = self.addresses.get(address, 0) + 1

    def closed(self, session: str, address: str) -> None:
        for table, key in ((self.sessions, session), (self.addresses, address)):
            left = table.get(key, 0) - 1
            if left > 0:
                table[key] = left
            else:
                table.pop(key, None)


class HeldStream(StreamingResponse):
    """The stream's answer, released from its session's and address's count however it ends
    (closed by the screen, ended by the server, or never started)."""

    def __init__(self, content, counts: StreamCounts, session: str, address: str, **kwargs):
        super().__init__(content, **kwargs)
        self._release = (counts, session, address)

    async def __call__(self, scope, receive, send) -> None:
        counts, session, address = self._release
        try:
            await super().__call__(scope, receive, send)
        finally:
            counts.closed(session, address)


def live_stream(server: Flask, model: ReadModel, *, per_session: int = 8, per_address: int = 64):
    """The /live endpoint (ASGI, so an open screen holds no WSGI worker thread); at most
    `per_session` streams of one sign-in and `per_address` of one client address (429 above)."""
    counts = StreamCounts(per_session, per_address)
    session_key = server.extensions.get("overblik_session_key")

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
        session = (session_key(cookie) if session_key else None) or cookie
        address = request.client.host if request.client else "-"
        refused = counts.refusal(session, address)
        if refused:
            # the screen's script tries again later (assets/live.js); its figures still load
            return Response(refused, status_code=429, media_type="text/plain",
                            headers={"Retry-After": "30", "Cache-Control": "no-store"})
        counts.opened(session, address)
        return HeldStream(
            counted(events(cookie, language)), counts, session, address, media_type="text/event-stream",
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )

    return endpoint
