"""Benchmark of the metrics read model at production size, on SQLite and PostgreSQL."""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg  # noqa: E402

from core.database import get_engine  # noqa: E402
from core.migrate import upgrade  # noqa: E402
from ingest.pseudonym import Pseudonymiser  # noqa: E402
from ingest.simulation import generate_events, generate_organisation, live_events, organisation_rows  # noqa: E402
from ingest.store import EventStore  # noqa: E402
from metrics.calendar import add_months, month_window  # noqa: E402
from metrics.milestones import Organisation, team_rows, worker_rows  # noqa: E402
from metrics.readmodel import ReadModel  # noqa: E402
from metrics.service import MetricsService  # noqa: E402
from tests.metrics.reference import Ev, month_rows  # noqa: E402

ZONE_NAME = "Europe/Copenhagen"


def rss_mib() -> float:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(fn, repeat: int) -> tuple[float, float, list[float]]:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - start) * 1000)
    runs.sort()
    return statistics.median(runs), runs[min(len(runs) - 1, int(len(runs) * 0.95))], runs


def database(kind: str, workdir: Path) -> str:
    if kind == "sqlite":
        path = workdir / "bench-metrics.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    else:
        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS overblik_bench_metrics WITH (FORCE)")
            conn.execute("CREATE DATABASE overblik_bench_metrics")
        url = "postgresql+psycopg://postgres@127.0.0.1:5432/overblik_bench_metrics"
    upgrade(url)
    return url


def run(kind: str, args, events: list[dict], org_sim, out: list[str]) -> None:
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(ZONE_NAME)
    url = database(kind, Path(args.workdir))
    engine = get_engine(url)
    teams, workers = organisation_rows(org_sim)
    now = datetime.now(UTC)
    with engine.begin() as connection:
        for t in teams:
            connection.exec_driver_sql(
                "INSERT INTO teams (team_id, name, unit, updated_at) VALUES (%s, %s, %s, %s)"
                if kind != "sqlite" else "INSERT INTO teams (team_id, name, unit, updated_at) VALUES (?, ?, ?, ?)",
                (t["team_id"], t["name"], t["unit"], now),
            )
        for w in workers:
            connection.exec_driver_sql(
                "INSERT INTO workers (worker_id, name, team_id, roles, updated_at) VALUES (%s, %s, %s, %s, %s)"
                if kind != "sqlite" else "INSERT INTO workers (worker_id, name, team_id, roles, updated_at) VALUES (?, ?, ?, ?, ?)",
                (w["worker_id"], w["name"], w["team_id"], str(w["roles"]).replace("'", '"'), now),
            )
    store = EventStore(engine, zone, Pseudonymiser(b"bench-key-0123456789abcdef"))
    start = time.perf_counter()
    for offset in range(0, len(events), 5000):
        summary = store.append(events[offset : offset + 5000], origin="bench")
        assert summary.rejected == 0, summary.errors[:3]
    ingest_s = time.perf_counter() - start
    rss_before = rss_mib()
    model = ReadModel(engine, zone)
    start = time.perf_counter()
    model.catch_up()
    load_s = time.perf_counter() - start
    service = MetricsService(engine, zone, model=model)
    clock_now = now
    months = [add_months(args.end_month, -k) for k in range(args.months)][::-1]
    past = months[-2]
    current = datetime.now(UTC).astimezone(zone).strftime("%Y-%m")
    lines = [f"### {kind}", "", f"- events: {len(events):,}; cases: {len(model.cases):,}; "
             f"ingest {ingest_s:.1f} s ({len(events) / ingest_s:,.0f} events/s); read model load {load_s:.1f} s",
             ""]
    window = month_window(past, zone, clock_now)
    first = timed(lambda: model.month_figures(window), 1)[0]
    lines.append(f"- first computation of one past month (all cases, cold): {first:.0f} ms")
    # What the server does when it starts (api.app.start_follower): the last 14 months are
    # computed in the background before anyone asks. The table below is what screens then get.
    from metrics.readmodel import Follower

    start = time.perf_counter()
    Follower(model, lambda: clock_now, warm_months=14).warm()
    lines.append(f"- warming the last 14 months, as the server does on start: {time.perf_counter() - start:.1f} s")
    rows = [("teams, past month (cached)", lambda: service.milestones(past, "team", now=clock_now)),
            ("workers, past month (cached)", lambda: service.milestones(past, "worker", now=clock_now))]
    if current in months or current > args.end_month:
        rows.append(("teams, current month (warm)", lambda: service.milestones(current, "team", now=clock_now)))
        rows.append(("workers, current month (warm)", lambda: service.milestones(current, "worker", now=clock_now)))
    trend_first = add_months(past, -13)
    rows.append(("14-month trend, one team, cold (no warm-up)", None))
    rows.append(("14-month trend, one team (warm)", lambda: service.trend("in_placement", trend_first, past, team_id="team-01", now=clock_now)))
    board_worker = max(model.worker_cases, key=lambda w: len(model.worker_cases[w]))
    rows.append(("case board (busiest worker)", lambda: service.board(board_worker, now=clock_now)))
    lines.append("")
    lines.append("| operation | p50 ms | p95 ms |")
    lines.append("| --- | ---: | ---: |")
    for name, fn in rows:
        if fn is None:
            fresh = ReadModel(engine, zone)
            fresh.catch_up()
            cold = MetricsService(engine, zone, model=fresh)
            p50, p95, _ = timed(lambda cold=cold: cold.trend("in_placement", trend_first, past, team_id="team-01", now=clock_now), 1)
            del cold, fresh
        else:
            p50, p95, _ = timed(fn, args.repeat)
        lines.append(f"| {name} | {p50:.1f} | {p95:.1f} |")
    lines.extend(live_figures(store, service, model, org_sim, current))
    rss = rss_mib()
    lines.append("")
    lines.append(f"- RSS of this process: {rss_before:.0f} MiB before the read model, {rss:.0f} MiB after "
                 "(the generated raw events are held in memory too)")
    if args.reference_cases:
        org = Organisation(tuple(t["team_id"] for t in teams), {w["worker_id"]: w["team_id"] for w in workers})
        ids = sorted(model.cases)[: args.reference_cases]
        ref_cases: dict[str, list[Ev]] = {}
        with engine.connect() as connection:
            for case_id in ids:
                for seq, typ, occurred, payload in connection.exec_driver_sql(
                    ("SELECT seq, type, occurred_at, payload FROM events WHERE case_id = ?" if kind == "sqlite"
                     else "SELECT seq, type, occurred_at, payload FROM events WHERE case_id = %s"), (case_id,)
                ):
                    import orjson

                    if isinstance(occurred, str):
                        occurred = datetime.fromisoformat(occurred).replace(tzinfo=UTC)
                    ref_cases.setdefault(case_id, []).append(Ev(seq, typ, case_id, occurred.astimezone(UTC), orjson.loads(payload)))
        start = time.perf_counter()
        expected = month_rows(ref_cases, window.start, window.t, past, org.teams, org.workers)
        ref_ms = (time.perf_counter() - start) * 1000
        subset = [c for c in (model.cases[i] for i in ids)]
        from metrics.milestones import case_figures

        start = time.perf_counter()
        figures = [f for f in (case_figures(c, window) for c in subset) if f is not None]
        got = {("team", r["team_id"]): r for r in team_rows(figures, org)}
        got.update({("worker", r["worker_id"]): r for r in worker_rows(figures, org)})
        fast_ms = (time.perf_counter() - start) * 1000
        equal = all(
            {k: (v if not isinstance(v, dict) else {a: b for a, b in v.items() if b}) for k, v in got[key].items() if k in row}
            == {k: (v if not isinstance(v, dict) else {a: b for a, b in v.items() if b}) for k, v in row.items()}
            for key, row in expected.items()
        )
        lines.append(f"- reference (tests/metrics/reference.py) on {len(ids):,} cases, one month, teams and workers: "
                     f"{ref_ms:.0f} ms; fast path on the same cases {fast_ms:.1f} ms "
                     f"(×{ref_ms / max(fast_ms, 0.001):.0f}); figures equal: {equal}")
    lines.append("")
    out.extend(lines)
    print("\n".join(lines), flush=True)
    engine.dispose()


def live_figures(store: EventStore, service: MetricsService, model: ReadModel, org_sim, current: str) -> list[str]:
    """How soon an acknowledged batch shows in the figures, and what keeping the figures
    current costs ingest (the read model's background follower plus a screen reading the
    current month every second, against ingest alone)."""
    import itertools
    import threading

    from core.database import utcnow
    from metrics.readmodel import Follower

    stream = live_events(org_sim, seed=4242, zone=ZONE_NAME)
    delays = []
    for _ in range(10):
        store.append(list(itertools.islice(stream, 1000)), origin="bench")
        start = time.perf_counter()
        service.milestones(current, "team")
        delays.append((time.perf_counter() - start) * 1000)
        with store.engine.connect() as connection:
            assert model.last_seq == connection.exec_driver_sql("SELECT MAX(seq) FROM events").scalar()
    delays.sort()

    def ingest_rate(batches: int) -> float:
        chunks = [list(itertools.islice(stream, 1000)) for _ in range(batches)]
        start = time.perf_counter()
        for chunk in chunks:
            store.append(chunk, origin="bench")
        return batches * 1000 / (time.perf_counter() - start)

    model.catch_up()
    alone = ingest_rate(30)
    model.catch_up()
    follower = Follower(model, utcnow, warm_months=0)
    store.listeners.append(follower.notify)
    follower.start()
    reading = threading.Event()

    def screen() -> None:
        while not reading.wait(1.0):
            service.milestones(current, "team")

    reader = threading.Thread(target=screen, daemon=True)
    reader.start()
    kept = ingest_rate(30)
    reading.set()
    reader.join()
    follower.stop()
    store.listeners.remove(follower.notify)
    return [
        "",
        f"- a batch of 1,000 events acknowledged, then the current month's team figures read: "
        f"p50 {statistics.median(delays):.0f} ms, max {delays[-1]:.0f} ms (the figures include the batch)",
        f"- ingest alone {alone:,.0f} events/s; with the figures kept current (background follower and a "
        f"screen reading every second) {kept:,.0f} events/s = {kept / alone:.0%}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--teams", type=int, default=20)
    parser.add_argument("--workers-per-team", type=int, default=20)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--end-month", default=datetime.now(UTC).strftime("%Y-%m"))
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--reference-cases", type=int, default=2000)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--workdir", default="/tmp")
    parser.add_argument("--out", default=str(Path(__file__).resolve().parent.parent / "docs" / "performance-metrics.md"))
    args = parser.parse_args()
    org_sim = generate_organisation(seed=1, teams=args.teams, workers_per_team=args.workers_per_team)
    start = time.perf_counter()
    events = list(generate_events(org_sim, cases=args.cases, months=args.months, end_month=args.end_month, seed=1))
    generate_s = time.perf_counter() - start
    out = [
        "# Metrics performance",
        "",
        f"Measured by `bench/metrics.py` on {datetime.now(UTC):%Y-%m-%d}: {len(events):,} events, "
        f"{args.cases:,} cases, {args.teams} teams, {args.teams * args.workers_per_team} workers, "
        f"{args.months} months ending {args.end_month} (generated in {generate_s:.0f} s); "
        f"{os.cpu_count()} CPUs. p50/p95 over {args.repeat} runs.",
        "",
    ]
    for kind in args.databases.split(","):
        run(kind, args, events, org_sim, out)
    Path(args.out).write_text("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
