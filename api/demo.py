"""`overblik demo`: a fresh embedded database with a demo organisation, a year of history and a
simulator that keeps adding live events, served by one process."""

from __future__ import annotations

import itertools
import logging
import os
import secrets
import shutil
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx

from api.tokens import create_token
from core.accounts import create_user
from core.migrate import upgrade
from core.settings import Settings
from ingest.simulation import (
    generate_events,
    generate_organisation,
    live_events,
    store_organisation,
    supervision_events,
)
from services.runtime import Services

log = logging.getLogger("overblik.demo")


@dataclass
class DemoSetup:
    services: Services
    tokens: dict[str, str]
    inbox: Path
    events: int
    # dashboard sign-ins: role (and what it is bound to) → (username, password)
    users: dict[str, tuple[str, str]] = field(default_factory=dict)


def current_month(zone: ZoneInfo) -> str:
    now = datetime.now(zone)
    return f"{now.year:04d}-{now.month:02d}"


def prepare_demo(folder: Path, *, teams: int = 6, workers_per_team: int = 12, cases: int = 2200,
                 months: int = 12, seed: int = 7) -> DemoSetup:
    """Creates the demo database in `folder` (wiped first) and fills it."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    os.chmod(folder, 0o700)
    settings = Settings(
        database_url=f"sqlite:///{folder / 'overblik-demo.db'}",
        pseudonym_key_file=folder / "pseudonym.key",
    )
    upgrade(settings.database_url)
    services = Services.from_settings(settings)
    org = generate_organisation(seed=seed, teams=teams, workers_per_team=workers_per_team, mentor_team=True)
    store_organisation(services.engine, org)
    now = datetime.now(UTC)
    history = generate_events(
        org, cases=cases, months=months, end_month=current_month(settings.zone), seed=seed,
        zone=settings.timezone, until=now, review_talks=True,
    )
    stored = 0
    while chunk := list(itertools.islice(history, 2000)):
        stored += services.store.append(chunk, origin="demo").accepted
    stored += services.store.append(
        supervision_events(org, months, current_month(settings.zone), seed, zone=settings.timezone, until=now),
        origin="demo").accepted
    first_team = org.teams[0].team_id
    first_worker = next(w for w in org.workers if w.team_id == first_team and "caseworker" in w.roles)
    tokens = {
        "admin": create_token(services.engine, "admin", name="demo admin"),
        "manager": create_token(services.engine, "manager", name="demo manager"),
        f"team_lead ({first_team})": create_token(services.engine, "team_lead", team_id=first_team, name="demo team lead"),
        f"worker ({first_worker.worker_id})": create_token(services.engine, "worker", worker_id=first_worker.worker_id, name="demo worker"),
        "ingest": create_token(services.engine, "ingest", name="demo feed"),
    }
    users = demo_users(services, first_team, first_worker.worker_id)
    demo_targets(services, [team.team_id for team in org.teams], months)
    inbox = folder / "inbox"
    inbox.mkdir()
    try:
        from ingest.sources import add_source

        add_source(services.engine, "demo-inbox", "drop_folder", {"path": str(inbox)}, interval_seconds=10)
    except ImportError:  # collectors not installed
        pass
    services.org = org  # type: ignore[attr-defined]
    return DemoSetup(services, tokens, inbox, stored, users)


def demo_targets(services: Services, teams: list[str], months: int) -> None:
    """Monthly targets a little above each team's previous month, so the screens show every status."""
    from metrics.calendar import add_months
    from metrics.service import MetricsService

    metrics = MetricsService(services.engine, services.settings.zone, model=services.read_model,
                         reporting_day=services.settings.hours_reporting_day)
    current = current_month(services.settings.zone)
    items = []
    for back in range(months - 1, -1, -1):
        month = add_months(current, -back)
        previous = {row["team_id"]: row for row in metrics.rows(add_months(month, -1), "team")[1]}
        for number, team in enumerate(teams):
            row = previous.get(team)
            if row is None:
                continue
            stretch = 1.0 + 0.06 * (number % 4)  # some teams are asked for more than others
            items += [
                {"team_id": team, "metric": "in_placement", "month": month,
                 "value": round(row["in_placement"] * stretch) or 1},
                {"team_id": team, "metric": "placement_starts", "month": month,
                 "value": max(1, round(row["placement_starts"] * stretch))},
                {"team_id": team, "metric": "cv_share", "month": month, "value": min(1.0, 0.5 + 0.03 * number)},
                {"team_id": team, "metric": "with_ordinary_hours", "month": month,
                 "value": max(1, round(row["with_ordinary_hours"] * stretch))},
            ]
    metrics.put_targets(items)


def demo_users(services: Services, team_id: str, worker_id: str) -> dict[str, tuple[str, str]]:
    """One dashboard user per role; the passwords are printed, as it is a demo on 127.0.0.1. They
    are new random ones on every start (the password policy holds for the demo too)."""
    accounts = {
        "admin": ("admin", "admin", {}),
        "manager": ("chef", "manager", {}),
        f"team_lead ({team_id})": ("leder", "team_lead", {"team_id": team_id}),
        f"worker ({worker_id})": ("medarbejder", "worker", {"worker_id": worker_id}),
    }
    users = {}
    for label, (username, role, binding) in accounts.items():
        password = f"demo-{secrets.token_hex(8)}"
        create_user(services.engine, username, password, role, **binding)
        users[label] = (username, password)
    return users


def start_simulator(base_url: str, ingest_token: str, org, zone: str, *, every_seconds: float = 3.0,
                    stop: threading.Event) -> threading.Thread:
    """Posts a few live events every few seconds to POST /api/v1/events with the demo's ingest
    token, as a busy jobcentre's case system would: the same way in as any real source. A batch
    the server did not take (not started yet, busy) is sent again, never dropped."""
    stream = live_events(org, seed=int(time.time()), zone=zone)

    def run() -> None:
        pending: list[dict] = []
        with httpx.Client(base_url=base_url, timeout=10,
                          headers={"Authorization": f"Bearer {ingest_token}"}) as client:
            while not stop.wait(every_seconds):
                pending = pending or list(itertools.islice(stream, 3))
                try:
                    client.post("/api/v1/events", json=pending).raise_for_status()
                    pending = []
                except httpx.HTTPError as error:
                    log.warning("the demo simulator will send its events again: %s", type(error).__name__)

    thread = threading.Thread(target=run, name="demo-simulator", daemon=True)
    thread.start()
    return thread
