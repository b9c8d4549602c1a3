"""A deterministic generator of organisations and case-event histories for demos, tests and benchmarks."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from core.contract import (
    CLOSE_REASONS,
    DEFAULT_PLACEMENT_KIND,
    OUTCOMES,
    PARTICIPANTS,
    PLACEMENT_KINDS,
    READINESS_LEVELS,
)
from ingest.organisation import TeamIn, WorkerIn, put_team, put_worker

PROGRAMMES = ("default", "mestring")
PHASES = ("referral", "preparation", "teaching", "placement")
EMPLOYERS = (
    "Netto Vest", "Bygma", "Aarhus Kommune", "Danish Crown", "Coop 365", "Fakta Centrum",
    "Lokalbageren", "Jysk", "Plantorama", "Autohjørnet", "Falck", "Rema 1000",
)
TEAM_NAMES = (
    "Nord", "Syd", "Øst", "Vest", "Centrum", "Havnen", "Skoven", "Engen", "Bakken", "Åen",
    "Fjorden", "Heden", "Marken", "Torvet", "Broen", "Stranden", "Lunden", "Mosen", "Kysten",
    "Dalen",
)
FIRST_NAMES = (
    "Anne", "Mette", "Lars", "Søren", "Hanne", "Jens", "Camilla", "Mads", "Louise", "Peter",
    "Sofie", "Morten", "Line", "Henrik", "Ida", "Rasmus", "Julie", "Thomas", "Maria", "Kasper",
)
LAST_NAMES = ("Jensen", "Nielsen", "Hansen", "Pedersen", "Andersen", "Christensen", "Larsen")
CLOSE_WEIGHTS = (0.45, 0.25, 0.1, 0.1, 0.1)  # of CLOSE_REASONS, in their order


@dataclass(frozen=True, slots=True)
class SimWorker:
    worker_id: str
    name: str
    team_id: str
    roles: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SimTeam:
    team_id: str
    name: str
    unit: str


@dataclass(slots=True)
class Organisation:
    teams: list[SimTeam]
    workers: list[SimWorker]
    by_team_role: dict[tuple[str, str], list[str]] = field(default_factory=dict)

    def holders(self, team_id: str, role: str) -> list[str]:
        return self.by_team_role.get((team_id, role), [])


def generate_organisation(seed: int = 1, teams: int = 4, workers_per_team: int = 8, *,
                          mentor_team: bool = False) -> Organisation:
    """Teams, and workers whose roles mirror a jobcentre: mostly caseworkers and consultants.

    With `mentor_team`, one more team runs the mentor-supported coping courses: caseworkers who
    are also mentors, two company consultants, mentors and a job coach."""
    rng = random.Random(f"org-{seed}")
    team_list = [
        SimTeam(f"team-{i + 1:02d}", f"Team {TEAM_NAMES[i % len(TEAM_NAMES)]}", "Jobcenter Demo")
        for i in range(teams)
    ]
    mentor_team_id = f"team-{teams + 1:02d}" if mentor_team else None
    if mentor_team_id:
        team_list.append(SimTeam(mentor_team_id, "Team Mentor", "Jobcenter Demo"))
    workers = []
    by_team_role: dict[tuple[str, str], list[str]] = {}
    number = 0
    for team in team_list:
        for i in range(workers_per_team):
            number += 1
            share = i / max(1, workers_per_team)
            if share < 0.5:
                roles: tuple[str, ...] = ("caseworker",)
            elif share < 0.8:
                roles = ("company_consultant",)
            elif share < 0.9:
                roles = ("jobcoach",)
            else:
                roles = ("mentor",)
            if i == 0 and workers_per_team > 1:
                roles = ("caseworker", "mentor")
            if team.team_id == mentor_team_id:
                roles = (("caseworker", "mentor") if i % 2 == 0 else ("company_consultant",) if i in (1, 3)
                         else ("jobcoach",) if i == 5 else ("mentor",))
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
            worker = SimWorker(f"w-{number:04d}", name, team.team_id, roles)
            workers.append(worker)
            for role in roles:
                by_team_role.setdefault((team.team_id, role), []).append(worker.worker_id)
    for team in team_list:  # every team can staff the two main roles
        for role in ("caseworker", "company_consultant"):
            if not by_team_role.get((team.team_id, role)):
                by_team_role[(team.team_id, role)] = [w.worker_id for w in workers if role in w.roles][:1] or ["w-0001"]
    return Organisation(team_list, workers, by_team_role)


def store_organisation(engine: Engine, org: Organisation) -> None:
    """Puts the simulated teams and workers into the organisation tables."""
    for team in org.teams:
        put_team(engine, team.team_id, TeamIn(name=team.name, unit=team.unit))
    for worker in org.workers:
        put_worker(engine, worker.worker_id,
                   WorkerIn(name=worker.name, team_id=worker.team_id, roles=list(worker.roles)))


def organisation_rows(org: Organisation) -> tuple[list[dict], list[dict]]:
    """Teams and workers as plain dicts, for the organisation tables or the API."""
    teams = [{"team_id": t.team_id, "name": t.name, "unit": t.unit} for t in org.teams]
    workers = [
        {"worker_id": w.worker_id, "name": w.name, "team_id": w.team_id, "roles": list(w.roles)}
        for w in org.workers
    ]
    return teams, workers


def _month_start(year: int, month: int, zone: ZoneInfo) -> datetime:
    return datetime(year, month, 1, tzinfo=zone).astimezone(UTC)


def _add_months(year: int, month: int, count: int) -> tuple[int, int]:
    index = year * 12 + month - 1 + count
    return index // 12, index % 12 + 1


def _iso(instant: datetime) -> str:
    return instant.astimezone(UTC).isoformat()


class _CaseWriter:
    def __init__(self, case_id: str, source: str):
        self.case_id = case_id
        self.source = source
        self.events: list[dict] = []

    def emit(self, event_type: str, at: datetime, **fields) -> None:
        event = {
            "event_id": f"{self.case_id}-{len(self.events) + 1:03d}",
            "source": self.source,
            "type": event_type,
            "case_id": self.case_id,
            "occurred_at": _iso(at),
        }
        event.update({k: v for k, v in fields.items() if v is not None})
        self.events.append(event)


def _case_history(
    rng: random.Random, org: Organisation, case_id: str, opened: datetime, zone: ZoneInfo,
    talks: random.Random | None = None,
) -> list[dict]:
    """One citizen's course: assignments, CV, readiness, phases, placements, hours, close;
    with `talks` (its own random stream, so the rest of the history stays the same) also the
    mid-term and final evaluation talks of the coping courses."""
    out = _CaseWriter(case_id, "sim")
    team = rng.choice(org.teams).team_id
    citizen = f"{rng.randint(1, 28):02d}{rng.randint(1, 12):02d}{rng.randint(50, 99):02d}{rng.randint(0, 9999):04d}"
    programme = rng.choice(PROGRAMMES)
    out.emit("case_opened", opened, citizen=citizen, team_id=team,
             programme=programme, channel=rng.choice(("jobcenter", "a-kasse", "self")))

    def later(at: datetime, low_days: float, high_days: float) -> datetime:
        return at + timedelta(seconds=rng.uniform(low_days, high_days) * 86_400)

    caseworker = rng.choice(org.holders(team, "caseworker"))
    out.emit("worker_assigned", later(opened, 0, 3), worker_id=caseworker, role="caseworker")
    if rng.random() < 0.85:
        out.emit("enrolled", later(opened, 1, 14))
    duration = rng.uniform(30, 420)
    closed = opened + timedelta(days=duration) if rng.random() < 0.85 else None
    end = closed or opened + timedelta(days=600)
    consultant = None
    if rng.random() < 0.8:
        consultant = rng.choice(org.holders(team, "company_consultant"))
        # sometimes the assignment is registered with a date before the opening
        at = opened - timedelta(hours=2) if rng.random() < 0.03 else later(opened, 0, 45)
        out.emit("worker_assigned", at, worker_id=consultant, role="company_consultant")
    if rng.random() < 0.15:
        supporter_role = rng.choice(("jobcoach", "mentor"))
        pool = org.holders(team, supporter_role) or org.holders(team, "caseworker")
        out.emit("worker_assigned", later(opened, 5, 60), worker_id=rng.choice(pool), role=supporter_role)
    if rng.random() < 0.7:
        out.emit("cv_completed", later(opened, 2, 60))
    at = opened
    for level in rng.sample(READINESS_LEVELS[::-1], rng.randint(0, 3)):
        at = later(at, 5, 60)
        out.emit("readiness_assessed", at, level=level)
    at = opened
    for phase in PHASES[: rng.randint(0, len(PHASES))]:
        at = later(at, 3, 40)
        out.emit("phase_changed", at, phase=phase)
    if rng.random() < 0.06:  # a transfer to another team, with a new caseworker
        new_team = rng.choice(org.teams).team_id
        moved = later(opened, 10, 200)
        out.emit("case_transferred", moved, team_id=new_team)
        out.emit("worker_assigned", moved + timedelta(minutes=5), worker_id=rng.choice(org.holders(new_team, "caseworker")), role="caseworker")
        team = new_team
    elif rng.random() < 0.08:  # a reassignment within the team
        out.emit("worker_assigned", later(opened, 20, 200), worker_id=rng.choice(org.holders(team, "caseworker")), role="caseworker")
    if consultant and rng.random() < 0.05:  # the consultant leaves the case; sometimes a stale unassign
        who = consultant if rng.random() < 0.7 else rng.choice(org.holders(team, "company_consultant"))
        out.emit("worker_unassigned", later(opened, 60, 300), worker_id=who, role="company_consultant")
    placements = rng.choices((0, 1, 2, 3), weights=(35, 40, 18, 7))[0]
    at = later(opened, 10, 80)
    for number in range(placements):
        start = at
        length = rng.uniform(14, 150)
        stop = start + timedelta(days=length)
        out.emit("placement_started", start, placement_id=f"p{number + 1}",
                 kind=rng.choice((DEFAULT_PLACEMENT_KIND, *PLACEMENT_KINDS)),
                 employer=rng.choice(EMPLOYERS), hours_per_week=rng.choice((None, 10, 15, 20, 37)))
        follow = start
        while True:
            follow = later(follow, 14, 40)
            if follow >= stop:
                break
            people = sorted(set(rng.sample(PARTICIPANTS, rng.randint(1, 4)) + ["citizen"]))
            out.emit("follow_up_held", follow, participants=people if rng.random() < 0.95 else None)
        if rng.random() < 0.9:
            out.emit("placement_ended", stop, placement_id=f"p{number + 1}", reason=rng.choice((None, "completed", "stopped")))
        # overlapping placements start before the previous one ends
        at = later(start, 5, 40) if rng.random() < 0.2 else later(stop, 1, 30)
        local = start.astimezone(zone)
        year, month = local.year, local.month
        while _month_start(year, month, zone) < min(stop, end):
            if rng.random() < 0.5:
                hours = round(rng.choice((0, 0, 8, 12.5, 20, 37.5, 60, 74.25, 120)), 2)
                report_year, report_month = _add_months(year, month, 1)
                reported = _month_start(report_year, report_month, zone) + timedelta(days=rng.uniform(0, 12))
                out.emit("hours_reported", reported, month=f"{year:04d}-{month:02d}", hours=hours)
                if rng.random() < 0.1:  # a correction
                    out.emit("hours_reported", reported + timedelta(days=rng.uniform(0, 20)),
                             month=f"{year:04d}-{month:02d}", hours=round(hours + rng.choice((-5, 5, 10)), 2) if hours >= 5 else 3.0)
            year, month = _add_months(year, month, 1)
    if talks is not None and programme == "mestring":
        _review_talks(out, talks, opened, closed)
    if closed is not None:
        reason = rng.choices(CLOSE_REASONS, weights=CLOSE_WEIGHTS)[0]
        outcome = rng.choice((*OUTCOMES, None)) if reason == "completed" else None
        out.emit("case_closed", closed, reason=reason, outcome=outcome)
    return out.events


COURSE_DAYS = 126  # the coping course's planned 18 weeks (core/process_models/mestring.json)


def _review_talks(out: _CaseWriter, rng: random.Random, opened: datetime, closed: datetime | None) -> None:
    """Mid-term talk mostly before the middle of the course, some late; a final talk at most closes."""
    end = closed or opened + timedelta(days=600)
    mid = opened + timedelta(days=COURSE_DAYS * rng.uniform(0.2, 0.54))
    if rng.random() < 0.96 and mid < end:
        out.emit("review_held", mid, kind="mid", participants=["citizen", "caseworker", "mentor"])
    if closed is not None and rng.random() < 0.85:
        final = max(opened, closed - timedelta(days=rng.uniform(0, 5)))
        out.emit("review_held", final, kind="final", participants=["citizen", "caseworker"])


def supervision_events(org: Organisation, months: int, end_month: str, seed: int = 1, *,
                       zone: str = "Europe/Copenhagen", until: datetime | None = None) -> list[dict]:
    """Supervision of every worker, about four times a year each, a few less often
    (docs/events-extensions.md: on the worker's pseudo case `worker:<worker_id>`)."""
    tz = ZoneInfo(zone)
    rng = random.Random(f"supervision-{seed}")
    end_year, end_mon = (int(p) for p in end_month.split("-"))
    first = _month_start(*_add_months(end_year, end_mon, -(months - 1)), tz)
    until = until or _month_start(*_add_months(end_year, end_mon, 1), tz)
    events = []
    for worker in org.workers:
        at, number = first + timedelta(days=rng.uniform(0, 60)), 0
        every = (70, 105) if rng.random() < 0.8 else (100, 160)
        while at < until:
            number += 1
            events.append({"event_id": f"supervision-{worker.worker_id}-{number:03d}", "source": "sim",
                           "type": "supervision_held", "case_id": f"worker:{worker.worker_id}",
                           "occurred_at": _iso(at.replace(microsecond=0)), "worker_id": worker.worker_id})
            at += timedelta(days=rng.uniform(*every))
    return events


def generate_events(
    org: Organisation,
    cases: int = 1000,
    months: int = 12,
    end_month: str = "2026-10",
    seed: int = 1,
    *,
    zone: str = "Europe/Copenhagen",
    until: datetime | None = None,
    late_share: float = 0.02,
    case_prefix: str = "case",
    review_talks: bool = False,
) -> Iterator[dict]:
    """Raw events (the events.md wire format) of `cases` cases opened over `months` months that
    end with `end_month`, in arrival order: by time, with a share arriving late.

    Events after `until` (default: the end of `end_month`) are left out, as not yet happened.
    `review_talks` adds the coping courses' evaluation talks (`review_held`) from a random
    stream of their own: every other event stays as it is without them."""
    tz = ZoneInfo(zone)
    rng = random.Random(f"events-{seed}")
    end_year, end_mon = (int(p) for p in end_month.split("-"))
    first = _month_start(*_add_months(end_year, end_mon, -(months - 1)), tz)
    last = _month_start(*_add_months(end_year, end_mon, 1), tz)
    until = until or last
    span = (min(last, until) - first).total_seconds()
    batch: list[tuple[datetime, int, dict]] = []
    late: list[tuple[datetime, int, dict]] = []
    order = 0
    for number in range(cases):
        opened = first + timedelta(seconds=rng.uniform(0, span))
        opened = opened.replace(microsecond=0)
        case_id = f"{case_prefix}-{number + 1:06d}"
        talks = random.Random(f"talks-{seed}-{case_id}") if review_talks else None
        for event in _case_history(rng, org, case_id, opened, tz, talks):
            at = datetime.fromisoformat(event["occurred_at"])
            if at >= until:
                continue
            order += 1
            draw = talks if talks is not None and event["type"] == "review_held" else rng
            if draw.random() < late_share:
                # arrives up to 60 days after it happened
                late.append((at + timedelta(days=draw.uniform(1, 60)), order, event))
            else:
                batch.append((at, order, event))
    batch.extend(late)
    batch.sort(key=lambda item: (item[0], item[1]))
    for _, _, event in batch:
        yield event


LIVE_CASES_PER_CASEWORKER = 2  # the simulator's own open cases per caseworker, on top of the history


def live_events(
    org: Organisation,
    seed: int = 1,
    *,
    now: Callable[[], datetime] | None = None,
    case_prefix: str = "live",
    zone: str = "Europe/Copenhagen",
    per_caseworker: int = LIVE_CASES_PER_CASEWORKER,
) -> Iterator[dict]:
    """An endless stream of plausible events happening now, for the demo's simulator: new
    cases, assignments, CVs, placements, follow-ups and closes.

    Caseloads stay where the history left them (within their norm bands) however long it runs:
    the stream fills each caseworker's share of `per_caseworker` live cases, and from then on
    opens a case only in the place of one it closed, with the same caseworker; a case gets at
    most one company consultant, the one of its team with the fewest live cases, while they hold
    fewer than `per_caseworker`."""
    tz = ZoneInfo(zone)
    rng = random.Random(f"live-{seed}")
    clock = now or (lambda: datetime.now(UTC))
    open_cases: list[dict] = []
    live_load: dict[str, int] = {}  # worker → the stream's open cases they hold
    # the places a new case can take: each caseworker's share, taken again when a case closes
    places = [(team.team_id, worker) for team in org.teams for worker in org.holders(team.team_id, "caseworker")
              for _ in range(per_caseworker)]
    rng.shuffle(places)
    number = 0
    while True:
        at = clock().replace(microsecond=0)
        if places and (not open_cases or rng.random() < 0.25):
            number += 1
            case_id = f"{case_prefix}-{seed}-{number:06d}"
            team, caseworker = places.pop()
            state = {"case_id": case_id, "team": team, "n": 0, "placement": 0, "open_placement": None,
                     "programme": rng.choice(PROGRAMMES), "caseworker": caseworker, "consultant": None}
            open_cases.append(state)
            live_load[caseworker] = live_load.get(caseworker, 0) + 1
            yield _live(state, "case_opened", at, citizen=f"live-citizen-{seed}-{number}", team_id=team,
                        programme=state["programme"])
            yield _live(state, "worker_assigned", at, worker_id=caseworker, role="caseworker")
            continue
        state = rng.choice(open_cases)
        choice = rng.random()
        if choice < 0.15:
            consultant = min(org.holders(state["team"], "company_consultant"), key=lambda w: live_load.get(w, 0))
            if state["consultant"] is None and live_load.get(consultant, 0) < per_caseworker:
                state["consultant"] = consultant
                live_load[consultant] = live_load.get(consultant, 0) + 1
                yield _live(state, "worker_assigned", at, worker_id=consultant, role="company_consultant")
        elif choice < 0.3:
            yield _live(state, "cv_completed", at)
        elif choice < 0.45:
            yield _live(state, "readiness_assessed", at, level=rng.choice(READINESS_LEVELS))
        elif choice < 0.6 and state["open_placement"] is None:
            state["placement"] += 1
            state["open_placement"] = f"p{state['placement']}"
            yield _live(state, "placement_started", at, placement_id=state["open_placement"], employer=rng.choice(EMPLOYERS))
        elif choice < 0.75 and state["open_placement"] is not None:
            yield _live(state, "follow_up_held", at, participants=["caseworker", "citizen", "company_consultant"])
        elif choice < 0.85 and state["open_placement"] is not None:
            yield _live(state, "placement_ended", at, placement_id=state["open_placement"])
            state["open_placement"] = None
        elif choice < 0.93:
            local = at.astimezone(tz)
            yield _live(state, "hours_reported", at, month=f"{local.year:04d}-{local.month:02d}", hours=float(rng.choice((8, 15, 37.5))))
        else:
            open_cases.remove(state)
            for worker in (state["caseworker"], state["consultant"]):
                if worker is not None:
                    live_load[worker] -= 1
            places.append((state["team"], state["caseworker"]))
            reason = rng.choice(("completed", "dropped_out"))
            if reason == "completed" and state["programme"] == "mestring":
                yield _live(state, "review_held", at, kind="final", participants=["citizen", "caseworker"])
            yield _live(state, "case_closed", at, reason=reason, outcome=rng.choice(("job", None)))


def _live(state: dict, event_type: str, at: datetime, **fields) -> dict:
    state["n"] += 1
    event = {
        "event_id": f"{state['case_id']}-{state['n']:04d}",
        "source": "simulator",
        "type": event_type,
        "case_id": state["case_id"],
        "occurred_at": _iso(at),
    }
    event.update({k: v for k, v in fields.items() if v is not None})
    return event
