"""Load benchmark of a deployment (loopback only, bounded in time): `overblik serve --workers 4` and
`overblik scheduler` on a fresh PostgreSQL database; 20 dashboard sessions refreshing and 1,000
events/s for N minutes. Reports p50/p95/p99 per route, errors, and the memory (RSS) of every
process over time; writes bench/results/load-latest.md, a CSV of the memory samples and a plot.

    .venv/bin/python bench/load.py                 # 10 minutes, as in docs/performance.md
    .venv/bin/python bench/load.py --minutes 2     # a shorter run

The sessions are plain HTTP clients, not browsers: the requests a team lead's screen makes are
recorded once in Chromium (the page, /_dash-layout, /_dash-dependencies and every
/_dash-update-component its callbacks fire) and replayed by each session — the whole page
on its first load and every `--reload-every`th time, the callbacks alone (what the live push
fires) on every other refresh.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # run as a script: the project and its test helpers

import httpx  # noqa: E402
import orjson  # noqa: E402
import psutil  # noqa: E402
import psycopg  # noqa: E402

from core.accounts import create_user  # noqa: E402
from core.database import dispose_engine  # noqa: E402
from core.migrate import upgrade  # noqa: E402
from core.settings import Settings  # noqa: E402
from ingest.simulation import (  # noqa: E402
    generate_events,
    generate_organisation,
    live_events,
    store_organisation,
)
from metrics.calendar import month_of  # noqa: E402
from services.runtime import Services  # noqa: E402
from tests.serverproc import Server, create_token, overblik_command, server_env  # noqa: E402

PG_ADMIN = os.environ.get("OVERBLIK_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
KEY = "bench-pseudonym-key-0123456789abcdef"
PASSWORD = "Kaffe-på-5.-sal, tirsdag"
CHROMIUM = "/usr/bin/chromium"
RESULTS = REPO / "bench" / "results"
PLOT = REPO / "docs" / "performance-load.png"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


# -- the deployment ----------------------------------------------------------------------------


def fresh_database() -> tuple[str, str]:
    name = f"overblik_load_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN.rsplit("/", 1)[0]
    return name, f"{base.replace('postgresql://', 'postgresql+psycopg://', 1)}/{name}"


def drop_database(name: str) -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def fill(url: str, folder: Path, cases: int, teams: int):
    """An organisation, a history of case events and a team lead per team."""
    settings = Settings(database_url=url, pseudonym_key=KEY, pseudonym_key_file=folder / "key", scheduler=False)
    services = Services.from_settings(settings)
    org = generate_organisation(seed=11, teams=teams, workers_per_team=12)
    store_organisation(services.engine, org)
    now = datetime.now(UTC)
    events = generate_events(org, cases=cases, months=6, end_month=month_of(now, settings.zone), seed=11,
                             zone=settings.timezone, until=now)
    total = 0
    while chunk := list(itertools.islice(events, 5000)):
        services.store.append(chunk, origin="bench")
        total += len(chunk)
    leads = []
    for index, team in enumerate(org.teams):
        username = f"lead-{index}"
        create_user(services.engine, username, PASSWORD, "team_lead", team_id=team.team_id)
        leads.append(username)
    dispose_engine(url)
    return org, total, leads


# -- what a screen asks for ----------------------------------------------------------------------


def record_screen(base: str, username: str) -> tuple[list[str], list[bytes]]:
    """The requests of one team lead's /team screen in Chromium: GET paths, callback bodies."""
    from playwright.sync_api import sync_playwright

    gets: list[str] = []
    posts: list[bytes] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"])
        page = browser.new_context(locale="da-DK").new_page()
        page.goto(base + "/")
        page.fill("#username", username)
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/team")
        page.locator("[data-metric]").first.wait_for(timeout=60_000)

        def seen(request):
            path = request.url.removeprefix(base)
            if request.method == "POST" and path.startswith("/_dash-update-component"):
                posts.append(request.post_data_buffer)
            elif request.method == "GET" and (path in ("/team", "/_dash-layout", "/_dash-dependencies")):
                gets.append(path)

        page.on("request", seen)
        page.reload()
        page.locator("[data-metric]").first.wait_for(timeout=60_000)
        page.wait_for_timeout(2000)  # the callbacks that follow the first paint
        browser.close()
    return gets, posts


def callback_name(body: bytes) -> str:
    output = orjson.loads(body).get("output", "?")
    return "cb " + (output if len(output) < 60 else output[:57] + "…")


# -- load ----------------------------------------------------------------------------------------


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.error_samples: list[str] = []
        self.timeline: list[tuple[float, str, float]] = []  # (since start, route, seconds)

    def add(self, route: str, seconds: float, ok: bool, started: float, detail: str = "") -> None:
        with self.lock:
            self.latencies[route].append(seconds)
            self.timeline.append((started, route, seconds))
            if not ok:
                self.errors[route] += 1
                if len(self.error_samples) < 20:
                    self.error_samples.append(f"{route}: {detail[:200]}")


def session(base: str, username: str, screen, recorder: Recorder, stop: threading.Event, t0: float,
            refresh: float, reload_every: int) -> None:
    gets, posts = screen
    with httpx.Client(base_url=base, timeout=60) as client:  # a connection of its own
        client.post("/sign-in", data={"username": username, "password": PASSWORD})
        for round_ in itertools.count():
            if stop.is_set():
                return
            requests = [("GET", path, None) for path in gets] if round_ % reload_every == 0 else []
            requests += [("POST", "/_dash-update-component", body) for body in posts]
            for method, path, body in requests:
                if stop.is_set():
                    return
                route = path if method == "GET" else callback_name(body)
                started = time.perf_counter()
                try:
                    answer = client.request(method, path, content=body,
                                            headers={"Content-Type": "application/json"} if body else None)
                    ok = answer.status_code in (200, 204)
                    detail = f"{answer.status_code} {answer.text[:120]}"
                except httpx.HTTPError as exc:
                    ok, detail = False, type(exc).__name__
                recorder.add(route, time.perf_counter() - started, ok, started - t0, detail)
            stop.wait(refresh)


def sender(base: str, token: str, org, rate: int, recorder: Recorder, stop: threading.Event, t0: float,
           counts: dict, connections: int = 4) -> None:
    """`rate` events/s in ten batches a second, from the demo's simulator of events happening now
    (openings, assignments, CVs, placements, follow-ups, closes), over `connections` connections
    so that one slow answer does not hold the next batch back. When every connection is busy
    the batches wait: the rate reached is what the deployment took."""
    import queue

    events = live_events(org, seed=99, case_prefix=f"load-{uuid.uuid4().hex[:6]}")
    per_batch = max(1, rate // 10)
    batches: queue.Queue = queue.Queue(maxsize=connections)
    lock = threading.Lock()

    def post() -> None:
        with httpx.Client(base_url=base, timeout=60, headers={"Authorization": f"Bearer {token}",
                                                              "Content-Type": "application/json"}) as client:
            while True:
                batch = batches.get()
                if batch is None:
                    return
                started = time.perf_counter()
                try:
                    answer = client.post("/api/v1/events", content=orjson.dumps(batch))
                    ok = answer.status_code == 200
                    detail = f"{answer.status_code} {answer.text[:120]}"
                    summary = answer.json() if ok else {"accepted": 0, "rejected": 0}
                except httpx.HTTPError as exc:
                    ok, detail, summary = False, type(exc).__name__, {"accepted": 0, "rejected": 0}
                with lock:
                    counts["sent"] += len(batch)
                    counts["accepted"] += summary["accepted"]
                    counts["refused"] += summary["rejected"]
                recorder.add("POST /api/v1/events", time.perf_counter() - started, ok, started - t0, detail)

    posters = [threading.Thread(target=post, daemon=True) for _ in range(connections)]
    for thread in posters:
        thread.start()
    next_at = time.perf_counter()
    while not stop.is_set():
        batches.put(list(itertools.islice(events, per_batch)))  # waits while every connection is busy
        next_at += 0.1
        delay = next_at - time.perf_counter()
        if delay > 0:
            stop.wait(delay)
        else:
            next_at = time.perf_counter()  # behind: no catching up in a burst
    for _ in posters:
        batches.put(None)
    for thread in posters:
        thread.join(60)


def sample_memory(processes: dict[str, psutil.Process], rows: list, stop: threading.Event, t0: float,
                  every: float) -> None:
    while not stop.is_set():
        at = time.perf_counter() - t0
        for name, process in processes.items():
            try:
                rows.append((round(at, 1), name, process.memory_info().rss / 2**20))
            except psutil.Error:
                rows.append((round(at, 1), name, float("nan")))
        stop.wait(every)


def worker_processes(server: Server) -> dict[str, psutil.Process]:
    supervisor = psutil.Process(server.process.pid)
    found = {"supervisor": supervisor}
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        children = [c for c in supervisor.children(recursive=True)
                    if "resource_tracker" not in " ".join(c.cmdline())]
        if len(children) >= 4:
            break
        time.sleep(0.2)
    for index, child in enumerate(sorted(children, key=lambda c: c.pid), 1):
        found[f"worker {index}"] = child
    return found


# -- report --------------------------------------------------------------------------------------


def plot(memory_rows, recorder: Recorder, path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (top, bottom) = plt.subplots(2, 1, figsize=(10, 8), sharex=True)
    by_process = defaultdict(list)
    for at, name, rss in memory_rows:
        by_process[name].append((at / 60, rss))
    for name, points in sorted(by_process.items()):
        top.plot([p[0] for p in points], [p[1] for p in points], label=name)
    top.set_ylabel("RSS (MiB)")
    top.set_title(title)
    top.legend(loc="upper left", fontsize=8, ncol=3)
    top.grid(alpha=0.3)
    top.set_ylim(bottom=0)
    # p95 latency per 30 s window: ingest and the dashboard's requests
    windows = defaultdict(lambda: defaultdict(list))
    span = max((t for t, _, _ in recorder.timeline), default=60)
    width = 30 if span > 300 else max(5, int(span // 10))
    for started, route, seconds in recorder.timeline:
        group = "POST /api/v1/events" if route.startswith("POST /api") else (
            "dashboard callbacks" if route.startswith("cb ") else "dashboard page loads")
        windows[group][int(started // width)].append(seconds * 1000)
    for group, buckets in sorted(windows.items()):
        keys = sorted(buckets)
        bottom.plot([(k + 0.5) * width / 60 for k in keys], [percentile(buckets[k], 0.95) for k in keys],
                    marker=".", label=f"{group} p95")
    bottom.set_yscale("log")
    bottom.set_ylabel(f"latency p95 per {width} s (ms)")
    bottom.set_xlabel("minutes")
    bottom.legend(loc="upper left", fontsize=8)
    bottom.grid(alpha=0.3, which="both")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def report(args, recorder: Recorder, memory_rows, counts, fill_events, duration, machine_load,
           restarts: int) -> str:
    lines = [
        f"# Load run ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC)",
        "",
        f"`bench/load.py --minutes {args.minutes:g} --rate {args.rate} --sessions {args.sessions} "
        f"--workers {args.workers}`: PostgreSQL, `overblik serve --workers {args.workers}` + "
        f"`overblik scheduler`, {fill_events:,} events of history, {duration:.0f} s of load.",
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs; load average before the run "
        f"{machine_load[0]:.1f}, after {machine_load[1]:.1f} (shared with other work).",
        "",
        f"Events: {counts['sent']:,} sent ({counts['sent'] / duration:,.0f}/s), "
        f"{counts['accepted']:,} accepted, {counts['refused']:,} refused by the delivery rules "
        f"(quarantined: the simulator's late and out-of-order events).",
        f"Worker processes replaced during the run (a crash, or uvicorn's supervisor killing a "
        f"worker that missed its health ping): {restarts}.",
        "",
        "| route | requests | errors | p50 ms | p95 ms | p99 ms | max ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for route, values in sorted(recorder.latencies.items(), key=lambda kv: -len(kv[1])):
        ms = [v * 1000 for v in values]
        lines.append(f"| `{route}` | {len(ms):,} | {recorder.errors.get(route, 0)} | {percentile(ms, .5):.0f} | "
                     f"{percentile(ms, .95):.0f} | {percentile(ms, .99):.0f} | {max(ms):.0f} |")
    lines += ["", "Memory (RSS, MiB) per process: first minute's mean → last minute's mean (max).", "",
              "| process | start | end | max |", "| --- | ---: | ---: | ---: |"]
    by_process = defaultdict(list)
    for at, name, rss in memory_rows:
        by_process[name].append((at, rss))
    for name, points in sorted(by_process.items()):
        end = points[-1][0]
        first = [r for a, r in points if a <= 60] or [points[0][1]]
        last = [r for a, r in points if a >= end - 60] or [points[-1][1]]
        lines.append(f"| {name} | {statistics.fmean(first):.0f} | {statistics.fmean(last):.0f} | "
                     f"{max(r for _, r in points):.0f} |")
    if recorder.error_samples:
        lines += ["", "Errors (first 20):", ""] + [f"- {e}" for e in recorder.error_samples]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--rate", type=int, default=1000, help="events per second")
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--cases", type=int, default=5000, help="cases of history before the load")
    parser.add_argument("--refresh", type=float, default=5.0, help="seconds between a screen's refreshes")
    parser.add_argument("--reload-every", type=int, default=10, help="every Nth refresh loads the whole page")
    parser.add_argument("--name", default="load-latest", help="results file name in bench/results/")
    parser.add_argument("--plot", type=Path, default=PLOT)
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="overblik-load-"))
    name, url = fresh_database()
    scheduler = None
    try:
        upgrade(url)
        print(f"filling {name} …", flush=True)
        org, fill_events, leads = fill(url, folder, args.cases, teams=6)
        env = server_env(url, KEY, OVERBLIK_SESSION_SECRET="b" * 48, OVERBLIK_LOG_LEVEL="INFO",
                         OVERBLIK_METRICS_DIR=str(folder / "metrics"))
        ingest = create_token(env, "ingest", REPO)
        server = Server(env, REPO, folder / "serve.log",
                        command=[*overblik_command(), "serve", "--workers", str(args.workers)])
        server.start(timeout=120)
        scheduler_log = open(folder / "scheduler.log", "ab")  # noqa: SIM115
        scheduler = subprocess.Popen([*overblik_command(), "scheduler"], env=env, cwd=REPO, stdout=scheduler_log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        # every worker warm (/api/v1/ready), then one recording of each team lead's screen
        deadline = time.monotonic() + 120
        ready = 0
        while ready < 3 * args.workers and time.monotonic() < deadline:
            ready = ready + 1 if httpx.get(f"{server.url}/api/v1/ready", timeout=10).status_code == 200 else 0
            time.sleep(0.1)
        print("recording the team screen in Chromium …", flush=True)
        screens = {lead: record_screen(server.url, lead) for lead in leads}
        for lead, (gets, posts) in screens.items():
            print(f"  {lead}: {len(gets)} page requests, {len(posts)} callbacks", flush=True)
        processes = worker_processes(server)
        processes["scheduler"] = psutil.Process(scheduler.pid)

        recorder, stop, memory_rows = Recorder(), threading.Event(), []
        counts = {"sent": 0, "accepted": 0, "refused": 0}
        load_before = os.getloadavg()[0]
        t0 = time.perf_counter()
        threads = [threading.Thread(target=sample_memory, args=(processes, memory_rows, stop, t0, 5.0), daemon=True)]
        if args.rate > 0:  # --rate 0: the screens alone
            threads.append(threading.Thread(target=sender, daemon=True,
                                            args=(server.url, ingest, org, args.rate, recorder, stop, t0, counts)))
        for index in range(args.sessions):
            lead = leads[index % len(leads)]
            threads.append(threading.Thread(
                target=session, daemon=True,
                args=(server.url, lead, screens[lead], recorder, stop, t0, args.refresh, args.reload_every)))
        print(f"load: {args.sessions} sessions, {args.rate} events/s for {args.minutes:g} min …", flush=True)
        for thread in threads:
            thread.start()
        end = t0 + args.minutes * 60
        while time.perf_counter() < end:
            time.sleep(min(30, max(0.1, end - time.perf_counter())))
            done = time.perf_counter() - t0
            print(f"  {done:.0f} s: {counts['sent']:,} events sent, "
                  f"{sum(len(v) for v in recorder.latencies.values()):,} requests, "
                  f"{sum(recorder.errors.values())} errors", flush=True)
        stop.set()
        for thread in threads:
            thread.join(60)
        duration = time.perf_counter() - t0
        now_workers = {p.pid for n, p in worker_processes(server).items() if n.startswith("worker")}
        restarts = len(now_workers - {p.pid for n, p in processes.items() if n.startswith("worker")})
        died = (folder / "serve.log").read_text(errors="replace").count("died")
        restarts = max(restarts, died)
        text = report(args, recorder, memory_rows, counts, fill_events, duration,
                      (load_before, os.getloadavg()[0]), restarts)
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / f"{args.name}.md").write_text(text)
        with open(RESULTS / f"{args.name}-memory.csv", "w", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(["seconds", "process", "rss_mib"])
            writer.writerows((a, n, f"{r:.1f}") for a, n, r in memory_rows)
        plot(memory_rows, recorder, args.plot,
             f"{args.sessions} screens + {args.rate} events/s, {args.workers} workers, PostgreSQL")
        print(text)
        print(f"written: {RESULTS / (args.name + '.md')}, {args.plot}")
        server.stop()
    finally:
        if scheduler is not None and scheduler.poll() is None:
            os.killpg(scheduler.pid, signal.SIGTERM)
            scheduler.wait(30)
        with_server = locals().get("server")
        if with_server is not None:
            with_server.kill()
        drop_database(name)


if __name__ == "__main__":
    main()
