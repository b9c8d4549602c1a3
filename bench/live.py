"""Benchmark of the dashboard in a real browser: acknowledgement-to-screen delay and the team view's first paint."""

from __future__ import annotations

import argparse
import itertools
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402
import uvicorn  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from api.app import create_app  # noqa: E402
from api.tokens import create_token  # noqa: E402
from core.accounts import create_user  # noqa: E402
from core.migrate import upgrade  # noqa: E402
from core.settings import UVICORN_PROXY_OPTIONS, Settings  # noqa: E402
from ingest.simulation import generate_events, generate_organisation, store_organisation  # noqa: E402
from metrics.calendar import month_of  # noqa: E402
from services.runtime import Services  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
RESULTS = Path(__file__).parent / "results" / "live-latest.md"
PASSWORD = "Kaffe-på-5.-sal, tirsdag"
# records when the team's active-cases figure changes text, in the page's own clock (Date.now())
WATCH = """(sel) => {
  window.__changes = [];
  let last = document.querySelector(sel)?.innerText;
  new MutationObserver(() => {
    const e = document.querySelector(sel);
    if (e && e.innerText !== last) { last = e.innerText; window.__changes.push([Date.now(), last]); }
  }).observe(document.body, {subtree: true, childList: true, characterData: true});
  window.__pushes = [];
  new MutationObserver(() => window.__pushes.push(Date.now()))
    .observe(document.documentElement, {attributes: true, attributeFilter: ["data-live-version"]});
}"""


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def fill(services: Services, cases: int, months: int, teams: int) -> tuple[str, int]:
    org = generate_organisation(seed=7, teams=teams, workers_per_team=20)
    store_organisation(services.engine, org)
    now = datetime.now(UTC)
    events = generate_events(org, cases=cases, months=months, end_month=month_of(now, services.settings.zone),
                             seed=7, zone=services.settings.timezone, until=now)
    total = 0
    while chunk := list(itertools.islice(events, 5000)):
        services.store.append(chunk, origin="bench")
        total += len(chunk)
    team = org.teams[0].team_id
    create_user(services.engine, "bench-lead", PASSWORD, "team_lead", team_id=team)
    return team, total


def serve(services: Services) -> tuple[uvicorn.Server, str]:
    with __import__("socket").socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(services=services, run_scheduler=False), host="127.0.0.1",
                                           port=port, log_level="warning", access_log=False,
                                           **UVICORN_PROXY_OPTIONS))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return server, f"http://127.0.0.1:{port}"


def first_paint(page, base: str, team: str, runs: int) -> list[float]:
    """Navigation start to the month's first milestone figure on screen, in ms."""
    selector = f'[data-metric="in_placement"][data-team="{team}"]'
    out = []
    for _ in range(runs):
        page.goto(base + "/team", wait_until="commit")
        handle = page.wait_for_function(
            "(sel) => document.querySelector(sel) ? performance.now() : false", arg=selector, polling="raf",
            timeout=60_000)
        out.append(handle.json_value())
    return out


def live_delays(page, base: str, team: str, token: str, samples: int, view: str = "/team"
                ) -> tuple[list[float], list[float]]:
    """Per event: its acknowledgement (the POST answered) to the figure changing on screen, and to the
    pushed version reaching the page, in ms."""
    selector = f'[data-metric="active_cases"][data-team="{team}"]'
    page.goto(base + view)
    page.wait_for_selector(selector)
    page.evaluate(WATCH, selector)
    delays, pushes = [], []
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30) as client:
        for i in range(samples):
            seen = page.evaluate("window.__changes.length")
            event = {"event_id": f"bench-live-{i}-{time.time_ns()}", "source": "bench", "type": "case_opened",
                     "case_id": f"bench-live-{time.time_ns()}", "occurred_at": datetime.now(UTC).isoformat(),
                     "team_id": team, "citizen": f"0101{i:02d}1234"[:10], "programme": "default"}
            answer = client.post("/api/v1/events", json=[event])
            acknowledged = time.time() * 1000
            answer.raise_for_status()
            page.wait_for_function("(n) => window.__changes.length > n", arg=seen, timeout=180_000)
            changed = page.evaluate("window.__changes[window.__changes.length - 1][0]")
            pushed = page.evaluate("window.__pushes.length ? window.__pushes[window.__pushes.length - 1] : null")
            delays.append(changed - acknowledged)
            if pushed is not None:
                pushes.append(pushed - acknowledged)
            time.sleep(random.uniform(0.5, 1.5))  # events one at a time, as a caseworker records them
    return delays, pushes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=5000, help="cases of history (75,000 ≈ 1,000,000 events)")
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--teams", type=int, default=20)
    parser.add_argument("--samples", type=int, default=20, help="events measured one by one")
    parser.add_argument("--paints", type=int, default=5, help="first paints of the team view measured")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--view", default="/team", choices=["/team", "/wall"],
                        help="the screen whose active-cases figure is watched")
    parser.add_argument("--keep", type=Path, default=None,
                        help="a folder for the database, filled on the first run and reused by the next ones")
    args = parser.parse_args()
    load_before = os.getloadavg()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="overblik-live-"))
    folder.mkdir(parents=True, exist_ok=True)
    reuse = (folder / "filled").exists()
    settings = Settings(database_url=f"sqlite:///{folder / 'overblik.db'}", pseudonym_key="bench-key-0123456789abcdef",
                        pseudonym_key_file=folder / "pseudonym.key", scheduler=False)
    upgrade(settings.database_url)
    services = Services.from_settings(settings)
    started = time.monotonic()
    if reuse:
        team, events, args.cases, args.teams, args.months = (folder / "filled").read_text().split()
        events, args.cases, args.teams, args.months = int(events), int(args.cases), int(args.teams), int(args.months)
        print(f"history: {events:,} events, reused from {folder}", flush=True)
    else:
        team, events = fill(services, args.cases, args.months, args.teams)
        (folder / "filled").write_text(f"{team} {events} {args.cases} {args.teams} {args.months}")
        print(f"history: {events:,} events in {time.monotonic() - started:.0f} s", flush=True)
    token = create_token(services.engine, "ingest", name="bench")
    started = time.monotonic()
    server, base = serve(services)
    print(f"server up in {time.monotonic() - started:.1f} s", flush=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_context(locale="da-DK", viewport={"width": 1400, "height": 900}).new_page()
        page.goto(base + "/")
        page.fill("#username", "bench-lead")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/team")
        paints = first_paint(page, base, team, args.paints)
        print(f"first paint (ms): {[round(x) for x in paints]}", flush=True)
        delays, pushes = live_delays(page, base, team, token, args.samples, args.view)
        print(f"delays (ms): {[round(x) for x in delays]}", flush=True)
        print(f"pushes (ms): {[round(x) for x in pushes]}", flush=True)
        browser.close()
    server.should_exit = True
    lines = [
        "# Live figures and first paint in a real browser",
        "",
        f"Measured by `bench/live.py` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC: SQLite, {events:,} events of history "
        f"({args.cases:,} cases, {args.teams} teams, {args.months} months); Debian Chromium, headless; server "
        "(uvicorn) in the same process; 2 CPUs shared.",
        "",
        f"- team view first paint (navigation start to the first milestone figure), {len(paints)} loads: "
        f"p50 {statistics.median(paints):.0f} ms, max {max(paints):.0f} ms",
        f"- event acknowledged (POST /api/v1/events answered) to the figure changed on screen ({args.view}), {len(delays)} "
        f"events one at a time: p50 {statistics.median(delays):.0f} ms, p95 {percentile(delays, 0.95):.0f} ms, "
        f"max {max(delays):.0f} ms",
        f"- of which the push (acknowledged to the new version received by the page): p50 "
        f"{statistics.median(pushes):.0f} ms, p95 {percentile(pushes, 0.95):.0f} ms" if pushes else "- no push seen",
        f"- load average (1, 5, 15 min) at the start {', '.join(f'{x:.2f}' for x in load_before)}, at the end "
        f"{', '.join(f'{x:.2f}' for x in os.getloadavg())}",
        "",
    ]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
