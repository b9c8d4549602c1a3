"""Ingest benchmark: raw driver ceiling vs. HTTP ingest on SQLite and PostgreSQL, file imports, and a profile."""

from __future__ import annotations

import argparse
import csv
import itertools
import os
import platform
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # run as a script: the project and its test helpers

import httpx  # noqa: E402
import orjson  # noqa: E402
import psycopg  # noqa: E402
from sqlalchemy import create_engine  # noqa: E402

from core.database import configure_sqlite, dispose_engine  # noqa: E402
from core.migrate import upgrade  # noqa: E402
from ingest.events import NormalisedEvent  # noqa: E402
from ingest.pseudonym import Pseudonymiser  # noqa: E402
from ingest.simulation import generate_events, generate_organisation  # noqa: E402
from ingest.store import EventStore  # noqa: E402
from tests.serverproc import Server, create_token, overblik_command, server_env  # noqa: E402

PG_ADMIN = os.environ.get("OVERBLIK_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
KEY = "bench-pseudonym-key-0123456789abcdef"
ZONE = ZoneInfo("Europe/Copenhagen")
RESULTS = REPO / "bench" / "results" / "ingest-latest.md"
COLUMNS = "source, event_id, type, case_id, occurred_at, payload, content_hash, singleton_key, received_at"


# -- databases -----------------------------------------------------------------------------------


class Database:
    """A fresh, migrated database of one kind; `drop` removes it."""

    def __init__(self, kind: str, workdir: Path):
        self.kind = kind
        self.name = f"overblik_bench_{uuid.uuid4().hex[:10]}"
        if kind == "sqlite":
            self.path = workdir / f"{self.name}.db"
            self.url = f"sqlite:///{self.path}"
        else:
            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{self.name}"')
            base = PG_ADMIN.rsplit("/", 1)[0]
            self.dsn = f"{base}/{self.name}"
            self.url = self.dsn.replace("postgresql://", "postgresql+psycopg://", 1)
        upgrade(self.url)
        dispose_engine(self.url)

    def count_events(self) -> int:
        if self.kind == "sqlite":
            with sqlite3.connect(self.path) as conn:
                return conn.execute("SELECT COUNT(*) FROM events").fetchone()[0]
        with psycopg.connect(self.dsn) as conn:
            return conn.execute("SELECT COUNT(*) FROM events").fetchone()[0]

    def drop(self) -> None:
        dispose_engine(self.url)
        if self.kind == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        else:
            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


# -- data ------------------------------------------------------------------------------------------


def make_events(count: int, seed: int = 7, prefix: str = "case") -> list[dict]:
    """`count` raw events from the shared simulation: a realistic mix of every event type."""
    org = generate_organisation(seed=seed)
    cases = max(20, count // 11)  # the simulation writes about 12 events per case
    while True:
        events = list(itertools.islice(generate_events(org, cases=cases, seed=seed, case_prefix=prefix), count))
        if len(events) == count:
            return events
        cases *= 2


def batches(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def stored_rows(events: list[dict], kind: str) -> list[tuple]:
    """The rows the event store writes for these events (validated and normalised here, outside
    the timed part, so that the ceiling measures the database and its driver only)."""
    store = EventStore(create_engine("sqlite://"), ZONE, Pseudonymiser(KEY.encode()))
    now = datetime.now(UTC)
    rows = []
    for index, raw in enumerate(events):
        event = store.prepare(raw, index)
        assert isinstance(event, NormalisedEvent), event
        if kind == "sqlite":
            rows.append((
                event.source, event.event_id, event.type, event.case_id,
                event.occurred_at.strftime("%Y-%m-%d %H:%M:%S.%f"), event.payload_json,
                event.content_hash, event.singleton_key, now.strftime("%Y-%m-%d %H:%M:%S.%f"),
            ))
        else:
            rows.append((
                event.source, event.event_id, event.type, event.case_id, event.occurred_at,
                event.payload_json, event.content_hash, event.singleton_key, now,
            ))
    return rows


# -- (i) the raw ceiling ----------------------------------------------------------------------------


def raw_sqlite(db: Database, rows: list[tuple], size: int) -> float:
    # The same pragmas as the app's connections (core/database.py), so only the app differs.
    conn = sqlite3.connect(db.path, isolation_level=None)
    configure_sqlite(conn)
    sql = f"INSERT INTO events ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"  # noqa: S608
    started = time.perf_counter()
    for chunk in batches(rows, size):
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(sql, chunk)
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed


def raw_pg_executemany(db: Database, rows: list[tuple], size: int) -> float:
    sql = f"INSERT INTO events ({COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)"  # noqa: S608
    with psycopg.connect(db.dsn) as conn:
        started = time.perf_counter()
        for chunk in batches(rows, size):
            with conn.cursor() as cursor:
                cursor.executemany(sql, chunk)
            conn.commit()
        return time.perf_counter() - started


def raw_pg_copy(db: Database, rows: list[tuple], size: int) -> float:
    with psycopg.connect(db.dsn) as conn:
        started = time.perf_counter()
        for chunk in batches(rows, size):
            with conn.cursor() as cursor, cursor.copy(f"COPY events ({COLUMNS}) FROM STDIN") as copy:
                for row in chunk:
                    copy.write_row(row)
            conn.commit()
        return time.perf_counter() - started


def measure_raw(kind: str, workdir: Path, events: list[dict], size: int) -> dict[str, float]:
    rows = stored_rows(events, kind)
    methods: dict[str, Callable[[Database, list[tuple], int], float]] = (
        {"executemany": raw_sqlite}
        if kind == "sqlite"
        else {"executemany": raw_pg_executemany, "COPY": raw_pg_copy}
    )
    rates = {}
    for name, method in methods.items():
        db = Database(kind, workdir)
        try:
            elapsed = method(db, rows, size)
            assert db.count_events() == len(rows)
        finally:
            db.drop()
        rates[name] = len(rows) / elapsed
    return rates


# -- (ii) over real HTTP -------------------------------------------------------------------------------


def post_all(url: str, token: str, bodies: list[bytes]) -> tuple[float, Counter]:
    totals: Counter = Counter()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    with httpx.Client(base_url=url, headers=headers, timeout=120) as http:
        http.get("/api/v1/health")  # opens the keep-alive connection outside the timing
        started = time.perf_counter()
        for body in bodies:
            response = http.post("/api/v1/events", content=body)
            response.raise_for_status()
            answer = response.json()
            totals.update({k: answer[k] for k in ("accepted", "duplicates", "rejected")})
        elapsed = time.perf_counter() - started
    return elapsed, totals


def read_figures_every_second(url: str, token: str, stop: threading.Event, answers: Counter) -> None:
    """A screen on the wall: this month's team figures, once a second, while ingest runs."""
    month = datetime.now(UTC).astimezone(ZoneInfo("Europe/Copenhagen")).strftime("%Y-%m")
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=60) as http:
        while not stop.wait(1.0):
            answers[http.get("/api/v1/milestones", params={"month": month}).status_code] += 1


def measure_http(
    kind: str, workdir: Path, bodies: list[bytes], sent: int, profile: Path | None = None,
    screen: bool = False,
) -> float:
    db = Database(kind, workdir)
    env = server_env(db.url, KEY)
    server = Server(env, workdir, workdir / f"serve-{db.name}.log")
    spy = None
    stop = threading.Event()
    reads: Counter = Counter()
    try:
        token = create_token(env, "ingest", workdir)
        reader_token = create_token(env, "manager", workdir) if screen else None
        server.start()
        if reader_token is not None:
            threading.Thread(
                target=read_figures_every_second, args=(server.url, reader_token, stop, reads), daemon=True
            ).start()
        if profile is not None:
            # Samples every thread of the server: the event loop and the threadpool that runs the store.
            spy = subprocess.Popen(
                [py_spy(), "record", "--pid", str(server.process.pid), "--rate", "250",
                 "--format", "raw", "--output", str(profile), "--nonblocking"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )
            time.sleep(1.0)  # py-spy attaches before the load starts
        elapsed, totals = post_all(server.url, token, bodies)
        stop.set()
        if screen and set(reads) != {200}:
            raise SystemExit(f"the screen's reads failed: {dict(reads)}\n{server.log_tail()}")
        if spy is not None:
            spy.send_signal(signal.SIGINT)
            spy.wait(timeout=60)
        if totals["accepted"] + totals["duplicates"] != sent or db.count_events() != totals["accepted"]:
            raise SystemExit(f"HTTP ingest on {kind} lost events: {dict(totals)} of {sent}\n{server.log_tail()}")
    finally:
        if spy is not None and spy.poll() is None:
            spy.kill()
        server.kill()
        db.drop()
    return sent / elapsed


# -- (iii) file imports ----------------------------------------------------------------------------------


def write_csv(events: list[dict], path: Path) -> None:
    fields = sorted({k for e in events for k in e}, key=lambda k: (k not in ("event_id", "type", "occurred_at", "case_id"), k))
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(fields)
        for event in events:
            writer.writerow([_cell(event.get(f)) for f in fields])


def write_xlsx(events: list[dict], path: Path) -> None:
    from openpyxl import Workbook

    fields = sorted({k for e in events for k in e}, key=lambda k: (k not in ("event_id", "type", "occurred_at", "case_id"), k))
    workbook = Workbook(write_only=True)  # streams rows to disk: 100,000 rows in little memory
    sheet = workbook.create_sheet("events")
    sheet.append(fields)
    for event in events:
        sheet.append([_cell(event.get(f)) for f in fields])
    workbook.save(path)


def _cell(value) -> str | float | None:
    if isinstance(value, list):
        return ";".join(value)
    return value


def measure_import(kind: str, workdir: Path, path: Path, rows: int) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of `overblik import FILE` as a child process (Linux)."""
    db = Database(kind, workdir)
    try:
        env = server_env(db.url, KEY)
        started = time.perf_counter()
        child = subprocess.Popen(
            [*overblik_command(), "import", str(path)], env=env, cwd=workdir,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )
        # Not ru_maxrss: a child forked from this process counts this process's own (large)
        # memory until it execs. VmHWM is the peak of the child's own address space.
        peak_kib = 0
        while child.poll() is None:
            peak_kib = max(peak_kib, _vm_hwm_kib(child.pid))
            time.sleep(0.02)
        status = child.returncode
        elapsed = time.perf_counter() - started
        out = child.stdout.read().decode() if child.stdout else ""
        err = child.stderr.read().decode() if child.stderr else ""
        summary = orjson.loads(out[out.index("{") :]) if "{" in out else {}
        if status not in (0, 1) or summary.get("accepted", 0) + summary.get("duplicates", 0) + summary.get("rejected", 0) != rows:
            raise SystemExit(f"import of {path.name} on {kind} failed: {out[-500:]} {err[-2000:]}")
        if summary["rejected"]:
            print(f"  note: {summary['rejected']} rows of {path.name} refused: {summary['errors'][:2]}")
        assert db.count_events() == summary["accepted"]
    finally:
        db.drop()
    return elapsed, peak_kib / 1024


def _vm_hwm_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass  # the child has just exited
    return 0


# -- (iv) the profile ----------------------------------------------------------------------------------------


def py_spy() -> str | None:
    local = Path(sys.executable).parent / "py-spy"
    return str(local) if local.exists() else shutil.which("py-spy")


def summarise_profile(path: Path, top: int = 25) -> tuple[list[tuple[str, float, float]], int]:
    """(function, self %, total %) from py-spy's raw (collapsed-stack) output."""
    self_counts: Counter = Counter()
    total_counts: Counter = Counter()
    samples = 0
    for frames, count in _stacks(path):
        samples += count
        self_counts[frames[-1]] += count
        for frame in set(frames):
            total_counts[frame] += count
    rows = [(name, 100 * self_counts[name] / samples, 100 * total_counts[name] / samples)
            for name, _ in self_counts.most_common(top)]
    return rows, samples


def _stacks(path: Path):
    """(frame names, sample count) per line of py-spy's raw (collapsed-stack) output."""
    for line in path.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if stack and count_text.isdigit():
            yield [_frame_name(f) for f in stack.split(";")], int(count_text)


def _frame_name(frame: str) -> str:
    # "normalise (ingest/events.py:209)" -> "normalise (ingest/events.py)": lines split a function.
    name, _, where = frame.partition(" (")
    where = where.rstrip(")").rsplit(":", 1)[0]
    for marker in ("site-packages/", "/lib/python3"):
        if marker in where:
            where = where.split(marker, 1)[1]
    where = where.replace(str(REPO) + "/", "")
    return f"{name} ({where})" if where else name


STAGES: dict[str, Callable[[str], bool]] = {
    "HTTP + ASGI outside the route (uvicorn, starlette, fastapi)": lambda f: f.startswith(
        ("HttpToolsProtocol", "H11Protocol", "RequestResponseCycle")
    ),
    "body read + parse (read_limited_body, ingest/wire.py)": lambda f: "ingest/wire.py" in f
    or f.startswith("read_limited_body"),
    "validate + normalise (EventStore.prepare…, ingest/events.py)": lambda f: f.startswith(
        ("EventStore.prepare", "EventStore.screen", "validate", "normalise")
    ),
    "  of which pydantic": lambda f: "pydantic" in f,
    "  of which normalise()": lambda f: f.startswith("normalise "),
    "database transaction (EventStore.append_prepared)": lambda f: f.startswith("EventStore.append_prepared"),
    "  of which the insert (EventLog.insert, core/eventlog.py)": lambda f: f.startswith("EventLog.insert"),
    "  of which the key / singleton lookups": lambda f: f.startswith(
        ("EventStore._stored_hashes", "EventStore._stored_singletons")
    ),
    "  of which listeners of accepted events": lambda f: "listener" in f or f.startswith("EventStore._notify"),
    "metrics kept up to date (metrics/…, any thread)": lambda f: "(metrics/" in f,
    "token check (authenticate)": lambda f: f.startswith("authenticate "),
}


def stage_shares(path: Path) -> list[tuple[str, float]]:
    """Inclusive shares of the stages of one request, so the profile reads as a breakdown.
    py-spy sees Python frames only: time in C (sqlite3, psycopg, orjson, pydantic-core) counts
    for the Python function that called it."""
    totals: Counter = Counter()
    samples = 0
    for frames, count in _stacks(path):
        samples += count
        for stage, matches in STAGES.items():
            if any(matches(f) for f in frames):
                totals[stage] += count
    return [(stage, 100 * totals[stage] / max(samples, 1)) for stage in STAGES]


# -- the run -------------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=200_000, help="events per measurement")
    parser.add_argument("--batch", type=int, default=1000, help="events per batch / transaction")
    parser.add_argument("--import-rows", type=int, default=100_000, help="rows of the CSV and XLSX imports")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--quick", action="store_true", help="a small run for CI smoke use (20,000 events)")
    parser.add_argument("--no-imports", action="store_true")
    parser.add_argument("--no-profile", action="store_true")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    if args.quick:
        args.events = min(args.events, 20_000)
        args.import_rows = min(args.import_rows, 10_000)
    kinds = [k.strip() for k in args.databases.split(",") if k.strip()]

    workdir = Path(tempfile.mkdtemp(prefix="overblik-bench-"))
    try:
        report = run(args, kinds, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report)
    print(report)
    print(f"written to {args.out}")


def run(args, kinds: list[str], workdir: Path) -> str:
    print(f"generating {args.events:,} events …", flush=True)
    events = make_events(args.events)
    bodies = [orjson.dumps(b) for b in batches(events, args.batch)]
    mix = Counter(e["type"] for e in events)
    lines = [
        "# Ingest benchmark",
        "",
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC · {platform.node()} · Python {platform.python_version()} · "
        f"{os.cpu_count()} CPUs · `{' '.join(['bench/ingest.py', *sys.argv[1:]])}`",
        "",
        f"{args.events:,} events from `ingest/simulation.py` in batches / transactions of {args.batch:,} "
        f"({len(bodies[0]) / 1024:.0f} KiB of JSON per batch); mix: "
        + ", ".join(f"{t} {n / len(events):.0%}" for t, n in mix.most_common()) + ".",
        "",
        "## Raw ceiling vs. HTTP",
        "",
        "Raw ceiling: the same rows (validated and normalised beforehand) written straight through "
        "the driver into the migrated `events` table of a fresh database. HTTP: `overblik serve` "
        "(uvicorn, one worker) on a fresh database, one keep-alive client posting pre-serialised batches.",
        "",
        "| database | raw ceiling, events/s | HTTP, events/s | HTTP / ceiling | HTTP while a screen reads the figures every second | kept |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for kind in kinds:
        print(f"[{kind}] raw ceiling …", flush=True)
        raw = measure_raw(kind, workdir, events, args.batch)
        print(f"[{kind}] HTTP …", flush=True)
        http = measure_http(kind, workdir, bodies, len(events))
        print(f"[{kind}] HTTP with a screen reading the figures …", flush=True)
        watched = measure_http(kind, workdir, bodies, len(events), screen=True)
        best = max(raw.values())
        ceiling = " / ".join(f"{rate:,.0f} ({name})" for name, rate in raw.items())
        lines.append(
            f"| {kind} | {ceiling} | {http:,.0f} | {http / best:.0%} | {watched:,.0f} | {watched / http:.0%} |"
        )
        print(f"[{kind}] ceiling {ceiling}, HTTP {http:,.0f} events/s", flush=True)
    if not args.no_imports:
        lines += [
            "",
            f"## Import of {args.import_rows:,} rows (`overblik import FILE`, a child process)",
            "",
            "| database | file | size | wall time | rows/s | peak RSS |",
            "| --- | --- | ---: | ---: | ---: | ---: |",
        ]
        imported = make_events(args.import_rows, seed=11, prefix="imp")
        files = {"CSV": workdir / "events.csv", "XLSX": workdir / "events.xlsx"}
        print("writing the import files …", flush=True)
        write_csv(imported, files["CSV"])
        write_xlsx(imported, files["XLSX"])
        for kind in kinds:
            for label, path in files.items():
                print(f"[{kind}] import {label} …", flush=True)
                elapsed, rss = measure_import(kind, workdir, path, len(imported))
                lines.append(
                    f"| {kind} | {label} | {path.stat().st_size / 2**20:.1f} MiB | {elapsed:.1f} s | "
                    f"{len(imported) / elapsed:,.0f} | {rss:.0f} MiB |"
                )
    if not args.no_profile:
        lines += profile_section(args, workdir, bodies, len(events))
    return "\n".join(lines) + "\n"


def profile_section(args, workdir: Path, bodies: list[bytes], sent: int) -> list[str]:
    kind = "sqlite"
    if py_spy() is None:
        return ["", "## Profile", "", "py-spy is not installed (`pip install py-spy`): no profile."]
    print(f"[{kind}] HTTP under py-spy …", flush=True)
    path = workdir / "profile.txt"
    rate = measure_http(kind, workdir, bodies, sent, profile=path)
    rows, samples = summarise_profile(path)
    lines = [
        "",
        f"## Profile: HTTP ingest on {kind} under py-spy ({samples:,} samples at 250 Hz, every "
        f"thread of the server; {rate:,.0f} events/s while sampled)",
        "",
        "Where the server's time goes, by stage (inclusive; stages overlap where one calls another):",
        "",
        "| stage | share of samples |",
        "| --- | ---: |",
    ]
    lines += [f"| {stage} | {share:.0f} % |" for stage, share in stage_shares(path)]
    lines += ["", "Top functions by own time:", "", "| function | self | total |", "| --- | ---: | ---: |"]
    lines += [f"| `{name}` | {own:.1f} % | {total:.1f} % |" for name, own, total in rows]
    return lines


if __name__ == "__main__":
    main()
