"""Abuse benchmark: starts a real `overblik serve` (SQLite, default limits) and reports, for each
abusive input, what the server answered and the peak growth of its resident memory.

    python bench/abuse.py [--out bench/results/abuse-latest.md] [--slow 3000]

Inputs: an unauthenticated body of 256 MiB and of 1 GiB, streamed (declared length and
chunked); the same past a route's limit with a valid token; an XLSX bomb (0.8 MiB that unpacks
to 800 MiB) through the import route; a 20 MiB field; a 1 MiB `[1,1,…]` batch; 3,000 connections
that send their headers a line at a time.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # run as a script: the project and its test helpers

import httpx  # noqa: E402
import orjson  # noqa: E402

from tests.conftest import TEST_KEY  # noqa: E402
from tests.security.payloads import (  # noqa: E402
    MIB,
    PeakMemory,
    closed_of,
    field_bomb,
    multipart_file,
    ones,
    send_streaming,
    slow_connections,
    xlsx_bomb,
)
from tests.serverproc import Server, create_token, server_env  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "abuse-latest.md")
    parser.add_argument("--slow", type=int, default=3000, help="slow connections to open")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="overblik-abuse-"))
    temp = folder / "tmp"
    temp.mkdir()
    env = server_env(f"sqlite:///{folder / 'overblik.db'}", TEST_KEY, TMPDIR=str(temp),
                     OVERBLIK_MAX_CONNECTIONS=str(args.slow + 500))
    server = Server(env, folder, folder / "server.log").start()
    rows: list[tuple[str, str, float, float]] = []
    try:
        admin = create_token(env, "admin", folder)
        ingest = create_token(env, "ingest", folder)
        pid = server.process.pid  # type: ignore[union-attr]

        def measure(name: str, call) -> None:
            time.sleep(0.5)
            started = time.monotonic()
            with PeakMemory(pid) as peak:
                outcome = call()
            seconds = time.monotonic() - started
            growth = (peak.peak - peak.base) / MIB
            rows.append((name, outcome, growth, seconds))
            print(f"{name:<60} {outcome:<40} +{growth:7.1f} MiB  {seconds:6.2f} s", flush=True)

        def streamed(method, path, size, chunked, token=None):
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            status, sent, _s = send_streaming("127.0.0.1", server.port, method, path, size, chunked=chunked,
                                              headers=headers, timeout=120)
            return f"{status} after {sent / MIB:.0f} MiB sent"

        for size, label in ((256 * MIB, "256 MiB"), (1024 * MIB, "1 GiB")):
            for chunked in (False, True):
                kind = "chunked" if chunked else "declared"
                measure(f"PUT /api/v1/goals, no token, {label} ({kind})",
                        lambda s=size, c=chunked: streamed("PUT", "/api/v1/goals", s, c))
            measure(f"POST /api/v1/imports, no token, {label}",
                    lambda s=size: streamed("POST", "/api/v1/imports", s, False))
            measure(f"POST /_dash-update-component, no session, {label} (chunked)",
                    lambda s=size: streamed("POST", "/_dash-update-component", s, True))
        measure("PUT /api/v1/goals, admin token, 256 MiB (chunked)",
                lambda: streamed("PUT", "/api/v1/goals", 256 * MIB, True, admin))
        measure("POST /api/v1/events, ingest token, 256 MiB (chunked)",
                lambda: streamed("POST", "/api/v1/events", 256 * MIB, True, ingest))

        bomb = xlsx_bomb(800 * MIB)

        def post_bomb():
            body, kind = multipart_file("bomb.xlsx", bomb)
            answer = httpx.post(f"{server.url}/api/v1/imports", content=body, timeout=300,
                                headers={"Authorization": f"Bearer {admin}", "Content-Type": kind})
            return f"{answer.status_code} {answer.json()['detail'][:34]}"

        measure(f"XLSX bomb ({len(bomb) / MIB:.1f} MiB, one cell of 800 MiB), POST /api/v1/imports", post_bomb)

        def post_json(body: bytes, content_type: str = "application/json"):
            answer = httpx.post(f"{server.url}/api/v1/events", content=body, timeout=300,
                                headers={"Authorization": f"Bearer {ingest}", "Content-Type": content_type})
            detail = answer.json()
            text = detail.get("detail") or (detail.get("errors") or [{}])[0].get("reason", "")
            return f"{answer.status_code} ({len(answer.content)} B) {text[:28]}"

        measure("field bomb: one event with a 20 MiB note", lambda: post_json(orjson.dumps(field_bomb(20 * MIB))))
        measure("[1,1,…] batch, 1 MiB", lambda: post_json(ones(MIB)))
        measure("[1,1,…] batch, 32 MiB (the events route's limit)", lambda: post_json(ones(32 * MIB - 16)))

        def slow():
            sockets = slow_connections("127.0.0.1", server.port, args.slow)
            opened = time.monotonic()
            shut = [False] * len(sockets)
            try:
                while not all(shut) and time.monotonic() - opened < 60:
                    shut = [a or b for a, b in zip(shut, closed_of(sockets), strict=True)]
                    time.sleep(0.1)
                took = time.monotonic() - opened
            finally:
                for sock in sockets:
                    sock.close()
            return f"{sum(shut)}/{len(sockets)} closed after {took:.1f} s"

        measure(f"{args.slow} connections sending headers a line at a time", slow)
        alive = httpx.get(f"{server.url}/api/v1/health").status_code
        leftover = len(list(temp.iterdir()))
    finally:
        server.stop()
    lines = [
        "# Abuse benchmark", "",
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC · {platform.python_version()} · {os.cpu_count()} CPUs · "
        "`overblik serve` (one process, SQLite, default limits) · `python bench/abuse.py`", "",
        "| input | answer | peak RSS growth | seconds |", "| --- | --- | --- | --- |",
        *[f"| {name} | {outcome} | {growth:+.1f} MiB | {seconds:.2f} |" for name, outcome, growth, seconds in rows],
        "", f"After all of it: `/api/v1/health` answered {alive}; temporary files left: {leftover}.", "",
    ]
    args.out.write_text("\n".join(lines), encoding="utf-8")
    print(f"\nwritten to {args.out}")


if __name__ == "__main__":
    main()
