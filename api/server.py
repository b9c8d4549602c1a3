"""How uvicorn serves Overblik: an HTTP protocol that closes slow and idle senders and refuses
connections above a cap, and the options `overblik serve` and `overblik demo` run it with.

uvicorn closes a kept-alive connection that stays silent, but a client that sends a request's
headers a byte at a time, or stops in the middle of a body, holds its connection (and its
buffers) for as long as it likes. Here every connection has a deadline for each request's
headers (`OVERBLIK_HEADER_TIMEOUT_SECONDS`, from its first byte or from the end of the previous
answer) and may not fall silent mid-request for longer than `OVERBLIK_IDLE_TIMEOUT_SECONDS`;
the request line and headers together are capped (HEADER_BYTES); and a process holds at most
`OVERBLIK_MAX_CONNECTIONS` connections (more are closed at once).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import time
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from core.settings import UVICORN_PROXY_OPTIONS, Settings, get_settings

log = logging.getLogger("overblik.server")
HEADER_BYTES = 64 * 1024  # the request line and all header lines of one request
_TIMEOUT_TEXT = b"the request did not arrive in time\n"
TIMEOUT_ANSWER = (b"HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain; charset=utf-8\r\n"
                  b"content-length: " + str(len(_TIMEOUT_TEXT)).encode() + b"\r\nconnection: close\r\n\r\n"
                  + _TIMEOUT_TEXT)
PROTOCOL = "api.server:GuardedHttpProtocol"


def port_taken(host: str, port: int) -> bool:
    """Whether another program listens on `host:port`: bound the way uvicorn binds it
    (SO_REUSEADDR, so a port only lingering after a closed connection is free)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return True
    return False


class HeadersTooLarge(Exception):
    pass


class GuardedHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a header deadline, an idle deadline and a connection cap."""

    header_timeout: float | None = None  # from the settings on first use (each worker process)
    idle_timeout: float = 30.0
    max_connections: int = 1000

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if GuardedHttpProtocol.header_timeout is None:
            configure(get_settings())
        self._headers_by: float | None = None  # the deadline for the current request's headers
        self._last_data = 0.0
        self._header_bytes = 0
        self._watch: asyncio.TimerHandle | None = None

    # -- the connection ------------------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        if len(self.connections) >= self.max_connections:
            # above the cap: closed before anything is read or kept
            self.transport = transport
            transport.close()
            return
        super().connection_made(transport)
        self._last_data = time.monotonic()
        self._headers_by = self._last_data + self.header_timeout  # type: ignore[operator]
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._watch is not None:
            self._watch.cancel()
            self._watch = None
        if self.flow is None:  # refused in connection_made: nothing was set up
            return
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        self._last_data = time.monotonic()
        super().data_received(data)

    # -- a request's headers ------------------------------------------------------------------

    def on_message_begin(self) -> None:
        self._header_bytes = 0
        if self._headers_by is None:  # a pipelined or kept-alive request: its own deadline
            self._headers_by = time.monotonic() + self.header_timeout  # type: ignore[operator]
        super().on_message_begin()

    def on_url(self, url: bytes) -> None:
        self._count(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count(len(name) + len(value) + 4)
        super().on_header(name, value)

    def _count(self, size: int) -> None:
        self._header_bytes += size
        if self._header_bytes > HEADER_BYTES:
            # raised inside the parser: answered 400 and closed by uvicorn
            raise HeadersTooLarge(f"the request's headers are larger than {HEADER_BYTES} bytes")

    def on_headers_complete(self) -> None:
        self._headers_by = None
        super().on_headers_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            # the next request's headers are due within the deadline (keep-alive or not)
            self._headers_by = time.monotonic() + self.header_timeout  # type: ignore[operator]

    # -- the deadlines --------------------------------------------------------------------

    def _arm(self) -> None:
        period = max(0.2, min(self.header_timeout, self.idle_timeout) / 4)  # type: ignore[type-var]
        self._watch = self.loop.call_later(period, self._check)

    def _check(self) -> None:
        self._watch = None
        if self.transport is None or self.transport.is_closing():
            return
        now = time.monotonic()
        cycle = self.cycle
        mid_body = cycle is not None and not cycle.response_complete and cycle.more_body
        if self._headers_by is not None and now >= self._headers_by:
            self._close_slow("headers")
            return
        if mid_body and now - self._last_data >= self.idle_timeout:
            self._close_slow("body")
            return
        self._arm()

    def _close_slow(self, what: str) -> None:
        log.debug("closed a connection whose request %s did not arrive in time", what)
        cycle = self.cycle
        if cycle is None or cycle.response_complete or not cycle.response_started:
            with contextlib.suppress(RuntimeError):  # the transport is already going
                self.transport.write(TIMEOUT_ANSWER)
        self.transport.close()


def configure(settings: Settings) -> None:
    GuardedHttpProtocol.header_timeout = settings.header_timeout_seconds
    GuardedHttpProtocol.idle_timeout = settings.idle_timeout_seconds
    GuardedHttpProtocol.max_connections = settings.max_connections


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """The keyword arguments of `uvicorn.run` that carry the connection limits."""
    configure(settings)
    return {
        "http": PROTOCOL,
        "timeout_keep_alive": settings.keep_alive_seconds,
        # requests beyond this many at once are answered 503 (connections are capped above)
        "limit_concurrency": settings.max_connections + 1,
        "h11_max_incomplete_event_size": HEADER_BYTES,
        # forwarded headers: the app's own rule (OVERBLIK_TRUSTED_PROXIES), never uvicorn's
        **UVICORN_PROXY_OPTIONS,
    }
