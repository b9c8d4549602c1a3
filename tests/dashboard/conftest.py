"""Fixtures of the dashboard tests: a small simulated jobcentre and one user per role."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, datetime

from core.accounts import create_user
from ingest.simulation import generate_events, generate_organisation, store_organisation
from metrics.calendar import month_of

PASSWORDS = {"admin": "Blå bænk ved søen 4", "chef": "Grøn kaffe hver tirsdag", "leder": "Tre hvide svaner 7!",
             "medarbejder": "Sort kat i vinduet 12", "anden": "Gul bil på broen 88"}


@dataclass
class Jobcentre:
    org: object
    team: str
    other_team: str
    worker: str
    other_worker: str  # a caseworker of the other team
    users: dict[str, str]


def dash_app_of(app):
    """The Dash app the FastAPI app mounts at its root."""
    server = next(r.app.app for r in app.routes if getattr(r, "path", None) == "")
    return server.extensions["overblik_dashboard"]


def callback_key(app, output_id: str) -> str:
    """The callback map's key of the callback that writes `output_id`."""
    return next(k for k in dash_app_of(app).callback_map if f"{output_id}." in k)


def fill_jobcentre(services, *, cases: int = 240, months: int = 4) -> Jobcentre:
    """Two teams of simulated workers and cases (ingest/simulation.py) and a user per role."""
    org = generate_organisation(seed=3, teams=2, workers_per_team=6)
    store_organisation(services.engine, org)
    now = datetime.now(UTC)
    events = generate_events(org, cases=cases, months=months, end_month=month_of(now, services.settings.zone),
                             seed=3, zone=services.settings.timezone, until=now)
    while chunk := list(itertools.islice(events, 2000)):
        services.store.append(chunk, origin="test")
    team, other_team = org.teams[0].team_id, org.teams[1].team_id
    worker = next(w.worker_id for w in org.workers if w.team_id == team and "caseworker" in w.roles)
    other = next(w.worker_id for w in org.workers if w.team_id == other_team and "caseworker" in w.roles)
    engine = services.engine
    create_user(engine, "admin", PASSWORDS["admin"], "admin")
    create_user(engine, "chef", PASSWORDS["chef"], "manager")
    create_user(engine, "leder", PASSWORDS["leder"], "team_lead", team_id=team)
    create_user(engine, "medarbejder", PASSWORDS["medarbejder"], "worker", worker_id=worker)
    create_user(engine, "anden", PASSWORDS["anden"], "worker", worker_id=other)
    return Jobcentre(org, team, other_team, worker, other, PASSWORDS)
