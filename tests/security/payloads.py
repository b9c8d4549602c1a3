"""Abusive inputs for the limits tests and bench/abuse.py: compressed bombs, oversized bodies
sent over a raw socket, a field bomb, a batch that is not events, slow senders."""

from __future__ import annotations

import contextlib
import io
import socket
import threading
import time
import zipfile
from pathlib import Path

from openpyxl import Workbook

MIB = 1024 * 1024
PLACEHOLDER = "BOMB-PLACEHOLDER"
HEADER = ["event_id", "type", "occurred_at", "case_id", "note"]


def xlsx_bomb(cell_bytes: int = 800 * MIB, header: list[str] | None = None) -> bytes:
    """A small XLSX whose one text cell unpacks to `cell_bytes` (its shared strings part)."""
    book = Workbook()
    sheet = book.active
    sheet.append(header or HEADER)
    sheet.append(["e1", "case_opened", "2026-01-05", "C1", PLACEHOLDER])
    plain = io.BytesIO()
    book.save(plain)
    out = io.BytesIO()
    chunk = b"A" * MIB
    with zipfile.ZipFile(io.BytesIO(plain.getvalue())) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if PLACEHOLDER.encode() not in data:
                target.writestr(item.filename, data)
                continue
            before, after = data.split(PLACEHOLDER.encode(), 1)
            with target.open(item.filename, "w", force_zip64=True) as handle:
                handle.write(before)
                left = cell_bytes
                while left > 0:
                    handle.write(chunk[: min(left, MIB)])
                    left -= MIB
                handle.write(after)
    return out.getvalue()


def wide_sheet(columns: int = 16384) -> bytes:
    """A small XLSX with one row that claims `columns` columns."""
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.cell(row=2, column=columns).value = "x"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def field_bomb(chars: int = 20 * MIB) -> dict:
    return {"event_id": "bomb-1", "type": "case_opened", "occurred_at": "2026-01-05",
            "case_id": "C-bomb", "team_id": "T1", "citizen": "src-4711", "note": "x" * chars}


def ones(body_bytes: int = MIB) -> bytes:
    """A JSON array `[1,1,…]` of about `body_bytes`."""
    count = max(1, (body_bytes - 2) // 2)
    return b"[" + b",".join([b"1"] * count) + b"]"


def multipart_file(name: str, content: bytes, boundary: str = "overblik-test-boundary") -> tuple[bytes, str]:
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
            "Content-Type: application/octet-stream\r\n\r\n").encode()
    return head + content + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def send_streaming(host: str, port: int, method: str, path: str, size: int, *, headers: dict[str, str] | None = None,
                   chunked: bool = False, chunk: int = MIB, timeout: float = 30.0) -> tuple[int | None, int, float]:
    """Sends a request whose body is `size` bytes, streamed, until the server answers or closes;
    (status or None, bytes of body sent, seconds)."""
    started = time.monotonic()
    sock = socket.create_connection((host, port), timeout=timeout)
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}:{port}"]
    for name, value in (headers or {}).items():
        lines.append(f"{name}: {value}")
    lines.append("Transfer-Encoding: chunked" if chunked else f"Content-Length: {size}")
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
    sent = 0
    block = b"0" * chunk
    sock.setblocking(False)
    answer = b""
    try:
        while sent < size:
            piece = block[: min(chunk, size - sent)]
            data = (f"{len(piece):x}\r\n".encode() + piece + b"\r\n") if chunked else piece
            view = memoryview(data)
            while view:
                try:
                    n = sock.send(view)
                    view = view[n:]
                except BlockingIOError:
                    try:
                        got = sock.recv(65536)
                    except BlockingIOError:
                        got = None
                    if got == b"":
                        raise ConnectionResetError from None
                    if got:
                        answer += got
                        raise ConnectionAbortedError  # answered before the body was sent
                    time.sleep(0.001)
            sent += len(piece)
            if time.monotonic() - started > timeout:
                break
        if chunked:
            sock.sendall(b"0\r\n\r\n")
    except (ConnectionError, BrokenPipeError, OSError):
        pass
    sock.setblocking(True)
    sock.settimeout(10)
    try:
        while b"\r\n" not in answer:
            got = sock.recv(65536)
            if not got:
                break
            answer += got
    except OSError:
        pass
    finally:
        sock.close()
    status = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/1.1 ") else None
    return status, sent, time.monotonic() - started


def slow_connections(host: str, port: int, count: int) -> list[socket.socket]:
    """`count` connections that each have sent the first line of a request and nothing more."""
    out = []
    for _ in range(count):
        sock = socket.create_connection((host, port), timeout=10)
        sock.sendall(b"GET /api/v1/health HTTP/1.1\r\n")
        out.append(sock)
    return out


def closed(sock: socket.socket) -> bool:
    return closed_of([sock]) == [True]


def closed_of(socks: list[socket.socket]) -> list[bool]:
    """Whether the server has closed (or answered 408 on) each connection, without waiting."""
    import select

    out = [False] * len(socks)
    for start in range(0, len(socks), 500):
        part = socks[start:start + 500]
        poller = select.poll()
        for sock in part:
            poller.register(sock, select.POLLIN | select.POLLHUP | select.POLLERR)
        ready = {fd for fd, _event in poller.poll(0)}
        for offset, sock in enumerate(part):
            if sock.fileno() not in ready:
                continue
            sock.setblocking(False)
            try:
                data = sock.recv(4096)
            except BlockingIOError:
                continue
            except OSError:
                out[start + offset] = True
                continue
            out[start + offset] = data == b"" or data.startswith(b"HTTP/1.1 408")
    return out


def rss(pid: int) -> int:
    """Resident memory of a process and its children, bytes."""
    import psutil

    process = psutil.Process(pid)
    total = process.memory_info().rss
    for child in process.children(recursive=True):
        with contextlib.suppress(psutil.NoSuchProcess):
            total += child.memory_info().rss
    return total


def write(path: Path, content: bytes) -> Path:
    path.write_bytes(content)
    return path


class PeakMemory:
    """A process's peak resident memory while the block runs (sampled every `every` seconds)."""

    def __init__(self, pid: int, every: float = 0.005):
        self.pid = pid
        self.every = every
        self.base = rss(pid)
        self.peak = self.base
        self._stop = threading.Event()

    def __enter__(self):
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, rss(self.pid))
            time.sleep(self.every)

    def __exit__(self, *_exc):
        self._stop.set()
        self._thread.join()

    @property
    def growth(self) -> int:
        return self.peak - self.base
