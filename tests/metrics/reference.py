"""A deliberately simple, slow reading of metrics.md, line by line, to check the fast path."""

from __future__ import annotations

import statistics
from datetime import date, datetime, timedelta

ROLES = ("caseworker", "company_consultant", "jobcoach", "mentor")


class Ev:
    """One stored event: arrival seq, type, case, UTC instant, normalised payload."""

    def __init__(self, seq: int, type: str, case_id: str, occurred_at: datetime, payload: dict):
        self.seq = seq
        self.type = type
        self.case_id = case_id
        self.occurred_at = occurred_at
        self.payload = payload

    def key(self):
        return (self.occurred_at, self.seq)


def without_retracted(rows):
    """docs/events-extensions.md, read plainly: the log of (case_id, source, event_id, type,
    payload, …) rows without every event an event_retracted of the same source and case names,
    and without the retractions themselves."""
    withdrawn = {(r[0], r[1], r[4]["retracts"]) for r in rows if r[3] == "event_retracted"}
    return [r for r in rows if r[3] != "event_retracted" and (r[0], r[1], r[2]) not in withdrawn]


def before(events, t):
    return sorted((e for e in events if e.occurred_at < t), key=Ev.key)


def latest(events, types):
    chosen = [e for e in events if e.type in types]
    return chosen[-1] if chosen else None


def exists(events, t):
    return any(e.type == "case_opened" for e in before(events, t))


def closed_at(events):
    closes = [e.occurred_at for e in events if e.type == "case_closed"]
    return min(closes) if closes else None


def active(events, t):
    return exists(events, t) and not any(e.type == "case_closed" for e in before(events, t))


def team(events, t):
    e = latest(before(events, t), {"case_opened", "case_transferred"})
    return e.payload["team_id"] if e else None


def holder(events, t, role):
    prior = before(events, t)
    assigned = [e for e in prior if e.type == "worker_assigned" and e.payload["role"] == role]
    if not assigned:
        return None
    last = assigned[-1]
    worker = last.payload["worker_id"]
    for e in prior:
        if (
            e.type == "worker_unassigned"
            and e.key() > last.key()
            and e.payload["worker_id"] == worker
            and e.payload["role"] == role
        ):
            return None
    return worker


def holders(events, t):
    out = {}
    for role in ROLES:
        worker = holder(events, t, role)
        if worker is not None:
            out[role] = worker
    return out


def has_cv(events, t):
    return any(e.type == "cv_completed" for e in before(events, t))


def readiness(events, t):
    e = latest(before(events, t), {"readiness_assessed"})
    return e.payload["level"] if e else "unknown"


def phase(events, t):
    e = latest(before(events, t), {"phase_changed"})
    return e.payload["phase"] if e else None


def open_placements(events, t):
    prior = before(events, t)
    out = []
    for e in prior:
        if e.type != "placement_started":
            continue
        pid = e.payload["placement_id"]
        if not any(x.type == "placement_ended" and x.payload["placement_id"] == pid for x in prior):
            out.append(e)
    return out


def in_placement(events, t):
    return active(events, t) and bool(open_placements(events, t))


def follow_up_due(events, t):
    if not in_placement(events, t):
        return None
    start = min(e.occurred_at for e in open_placements(events, t))
    held = [e.occurred_at for e in before(events, t) if e.type == "follow_up_held" and e.occurred_at >= start]
    base = max(held) if held else start
    return base + timedelta(hours=31 * 24)


def overdue(events, t):
    due = follow_up_due(events, t)
    return due is not None and due <= t


def hours_for(events, month):
    reports = sorted(
        (e for e in events if e.type == "hours_reported" and e.payload["month"] == month), key=Ev.key
    )
    return reports[-1].payload["hours"] if reports else None


def counts_in(events, start, t):
    closed = closed_at(events)
    return exists(events, t) and not (closed is not None and closed < start)


def membership_instant(events, t):
    closed = closed_at(events)
    return t if closed is None or closed >= t else closed


def month_rows(cases: dict[str, list[Ev]], start, t, month, org_teams, org_workers):
    """{("team", id) or ("worker", id): row} for month M."""
    team_groups = {tid: [] for tid in org_teams}
    worker_groups = {wid: [] for wid in org_workers}
    for case_id, events in cases.items():
        if not counts_in(events, start, t):
            continue
        a = membership_instant(events, t)
        tm = team(events, a)
        if tm is not None:
            team_groups.setdefault(tm, []).append(case_id)
        for worker in set(holders(events, a).values()):
            worker_groups.setdefault(worker, []).append(case_id)
    out = {}
    for tid, ids in team_groups.items():
        out[("team", tid)] = row(cases, ids, start, t, month, None)
    for wid, ids in worker_groups.items():
        out[("worker", wid)] = row(cases, ids, start, t, month, wid)
    return out


def row(cases, ids, start, t, month, worker_id):
    act = [c for c in ids if active(cases[c], t)]
    r = {"active_cases": len(act)}
    if worker_id is not None:
        caseload = {}
        for c in act:
            for role, w in holders(cases[c], t).items():
                if w == worker_id:
                    caseload[role] = caseload.get(role, 0) + 1
        r["caseload"] = caseload
    r["in_placement"] = sum(in_placement(cases[c], t) for c in act)
    r["placement_share"] = r["in_placement"] / len(act) if act else None
    r["cv_done"] = sum(has_cv(cases[c], t) for c in act)
    r["cv_share"] = r["cv_done"] / len(act) if act else None
    rd = {}
    ph = {}
    for c in act:
        rd[readiness(cases[c], t)] = rd.get(readiness(cases[c], t), 0) + 1
        p = phase(cases[c], t)
        if p is not None:
            ph[p] = ph.get(p, 0) + 1
    r["readiness"] = rd
    r["phases"] = ph
    r["follow_up_overdue"] = sum(overdue(cases[c], t) for c in act)
    r["waiting_for_company_consultant"] = sum(
        not any(
            e.type == "worker_assigned" and e.payload["role"] == "company_consultant"
            for e in before(cases[c], t)
        )
        for c in act
    )
    in_m = lambda e: start <= e.occurred_at < t  # noqa: E731
    r["placement_starts"] = sum(
        1 for c in ids for e in cases[c] if e.type == "placement_started" and in_m(e)
    )
    fus = [e for c in ids for e in cases[c] if e.type == "follow_up_held" and in_m(e)]
    r["follow_ups"] = len(fus)
    r["three_party_follow_ups"] = sum(
        {"citizen", "caseworker", "company_consultant"} <= set(e.payload.get("participants") or [])
        for e in fus
    )
    hours = [hours_for(cases[c], month) for c in ids]
    hours = [h for h in hours if h is not None and h > 0]
    r["with_ordinary_hours"] = len(hours)
    r["ordinary_hours"] = sum(hours)
    closed = {}
    for c in ids:
        for e in cases[c]:
            if e.type == "case_closed" and in_m(e):
                closed[e.payload["reason"]] = closed.get(e.payload["reason"], 0) + 1
    r["closed"] = closed
    days = []
    for c in ids:
        evs = cases[c]
        opened = [e for e in evs if e.type == "case_opened"][0].occurred_at
        if not (start <= opened < t):
            continue
        ccs = sorted(
            (e for e in evs if e.type == "worker_assigned" and e.payload["role"] == "company_consultant"),
            key=Ev.key,
        )
        if ccs and ccs[0].occurred_at < t:
            secs = max(0.0, (ccs[0].occurred_at - opened).total_seconds())
            days.append(round(secs / 86400, 1))
    r["median_days_to_company_consultant"] = statistics.median(days) if days else None
    return r


def funnel(cases, programme, frm, to, now):
    out = {}
    for events in cases.values():
        opened = [e for e in events if e.type == "case_opened"]
        if not opened or opened[0].payload.get("programme", "default") != programme:
            continue
        at = opened[0].occurred_at
        if not (frm <= at < to) or not at < now:
            continue
        a = membership_instant(events, now)
        tm = team(events, a)
        r = out.setdefault(tm, {"referred": 0, "started": 0, "completed": 0, "outcomes": {}})
        r["referred"] += 1
        if any(e.type == "enrolled" for e in before(events, now)):
            r["started"] += 1
        closes = [e for e in before(events, now) if e.type == "case_closed"]
        if closes and closes[0].payload["reason"] == "completed":
            r["completed"] += 1
            o = closes[0].payload.get("outcome") or "none"
            r["outcomes"][o] = r["outcomes"].get(o, 0) + 1
    return out


# -- status against a target (metrics.md, "Targets and milestones") ------------------------

FLOWS = {"placement_starts", "with_ordinary_hours", "ordinary_hours"}
LATE = {"with_ordinary_hours", "ordinary_hours"}


def target_status(metric, value, target, month, today, reporting_day=10):
    """Status of a figure of `month` as seen on the local day `today`: None while a late-reported
    figure's deadline (day `reporting_day` of the next month, counted whole) has not passed; a
    flow of the running month against target × working days over / working days of the month."""
    year, number = int(month[:4]), int(month[5:])
    following = (year + number // 12, number % 12 + 1)
    last_day_of_following = (date(following[0] + following[1] // 12, following[1] % 12 + 1, 1) - timedelta(days=1)).day
    deadline = date(following[0], following[1], min(reporting_day, last_day_of_following))
    if metric in LATE and not today > deadline:
        return None
    day, weekdays, over = date(year, number, 1), 0, 0
    while day.month == number:
        if day.isoweekday() <= 5:
            weekdays += 1
            over += day < today
        day += timedelta(days=1)
    running = (today.year, today.month) == (year, number)
    against = target * over / weekdays if running and metric in FLOWS and over < weekdays else target
    if value >= against:
        return "on_track"
    return "at_risk" if value >= 0.9 * against else "behind"
