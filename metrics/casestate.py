"""The compiled history of one case, and its state at an instant, as metrics.md defines it."""

from __future__ import annotations

from bisect import bisect_left, insort
from dataclasses import dataclass, field
from typing import Any

from core.contract import (
    CASE_CLOSED,
    CASE_OPENED,
    CASE_TRANSFERRED,
    COMPANY_CONSULTANT,
    CV_COMPLETED,
    DEFAULT_PLACEMENT_KIND,
    ENROLLED,
    FOLLOW_UP_HELD,
    HOURS_REPORTED,
    OUTCOMES,
    PHASE_CHANGED,
    PLACEMENT_ENDED,
    PLACEMENT_STARTED,
    READINESS_ASSESSED,
    REVIEW_HELD,
    SUPERVISION_HELD,
    WORKER_ASSIGNED,
    WORKER_UNASSIGNED,
)
from metrics.calendar import DAY_US

# a closed case's outcome as the figures count it: "none" when the closing named none
FIGURE_OUTCOMES = (*OUTCOMES, "none")
THREE_PARTY = frozenset({"citizen", "caseworker", "company_consultant"})
# Follow-up deadline: 31 days of elapsed time, whatever the clocks do in between.
FOLLOW_UP_INTERVAL_US = 31 * DAY_US
NEVER = 1 << 62  # later than any instant: "no such event"

# Compact event codes for the state scan; only these change state that is read "as of t".
_TEAM, _ASSIGN, _UNASSIGN, _READINESS, _PHASE, _OTHER = range(6)
_SCAN_CODES = {
    CASE_OPENED: _TEAM,
    CASE_TRANSFERRED: _TEAM,
    WORKER_ASSIGNED: _ASSIGN,
    WORKER_UNASSIGNED: _UNASSIGN,
    READINESS_ASSESSED: _READINESS,
    PHASE_CHANGED: _PHASE,
}


@dataclass(slots=True)
class Placement:
    placement_id: str
    started: int  # NEVER while only its end is known
    ended: int  # NEVER while open
    kind: str | None = None
    employer: str | None = None


@dataclass(slots=True)
class CaseHistory:
    """Every event of one case, ordered by occurred_at then arrival, with what is derived once."""

    case_id: str
    # (occurred_at µs, seq, scan code, first value, second value)
    events: list[tuple[int, int, int, Any, Any]] = field(default_factory=list)
    opened: int = NEVER
    closed: int = NEVER
    close_reason: str | None = None
    close_outcome: str | None = None
    programme: str | None = None
    citizen: str | None = None
    enrolled: int = NEVER
    cv: int = NEVER
    first_company_consultant: int = NEVER
    latest_event: int = -NEVER
    placements: dict[str, Placement] = field(default_factory=dict)
    follow_ups: list[tuple[int, int, bool]] = field(default_factory=list)  # (at, seq, three-party)
    # month → (occurred_at, seq, hours) of the report that counts (latest by time, then arrival)
    hours: dict[str, tuple[int, int, float]] = field(default_factory=dict)
    event_times: list[int] = field(default_factory=list)  # every event's occurred_at, sorted
    channel: str | None = None
    reviews: list[tuple[int, str]] = field(default_factory=list)  # (at, kind mid/final), sorted
    # only on a worker's pseudo case (docs/events-extensions.md): (at, worker_id), sorted
    supervisions: list[tuple[int, str]] = field(default_factory=list)

    def add(self, seq: int, event_type: str, at: int, payload: dict[str, Any]) -> None:
        """Takes one event of this case from the log, in any order."""
        insort(self.event_times, at)
        if at > self.latest_event:
            self.latest_event = at
        code = _SCAN_CODES.get(event_type, _OTHER)
        first: Any = None
        second: Any = None
        if event_type == CASE_OPENED:
            first = payload.get("team_id")
            if at < self.opened:
                self.opened = at
                self.programme = payload.get("programme", "default")
                self.citizen = payload.get("citizen_pseudonym")
                self.channel = payload.get("channel")
        elif event_type == CASE_TRANSFERRED:
            first = payload.get("team_id")
        elif event_type in (WORKER_ASSIGNED, WORKER_UNASSIGNED):
            first, second = payload.get("worker_id"), payload.get("role")
            if event_type == WORKER_ASSIGNED and second == COMPANY_CONSULTANT:
                self.first_company_consultant = min(self.first_company_consultant, at)
        elif event_type == READINESS_ASSESSED:
            first = payload.get("level")
        elif event_type == PHASE_CHANGED:
            first = payload.get("phase")
        elif event_type == CASE_CLOSED:
            if at < self.closed:
                self.closed = at
                self.close_reason = payload.get("reason")
                self.close_outcome = payload.get("outcome")
        elif event_type == ENROLLED:
            self.enrolled = min(self.enrolled, at)
        elif event_type == CV_COMPLETED:
            self.cv = min(self.cv, at)
        elif event_type == PLACEMENT_STARTED:
            pid = payload.get("placement_id")
            placement = self.placements.get(pid)
            if placement is None:
                placement = self.placements[pid] = Placement(pid, NEVER, NEVER)
            if at < placement.started:
                placement.started = at
                placement.kind = payload.get("kind", DEFAULT_PLACEMENT_KIND)
                placement.employer = payload.get("employer")
        elif event_type == PLACEMENT_ENDED:
            pid = payload.get("placement_id")
            placement = self.placements.get(pid)
            if placement is None:
                placement = self.placements[pid] = Placement(pid, NEVER, NEVER)
            placement.ended = min(placement.ended, at)
        elif event_type == FOLLOW_UP_HELD:
            participants = payload.get("participants") or ()
            insort(self.follow_ups, (at, seq, THREE_PARTY.issubset(participants)))
        elif event_type == HOURS_REPORTED:
            month = payload.get("month")
            report = (at, seq, float(payload.get("hours", 0.0)))
            known = self.hours.get(month)
            if known is None or report[:2] > known[:2]:
                self.hours[month] = report
        elif event_type == REVIEW_HELD:
            insort(self.reviews, (at, payload.get("kind")))
        elif event_type == SUPERVISION_HELD:
            insort(self.supervisions, (at, payload.get("worker_id")))
        if code != _OTHER:
            insort(self.events, (at, seq, code, first, second))

    # -- the state at an instant ----------------------------------------------------------

    def exists(self, t: int) -> bool:
        return self.opened < t

    def active(self, t: int) -> bool:
        return self.opened < t and not self.closed < t

    def membership(self, a: int) -> tuple[str | None, dict[str, str]]:
        """Team and holders by role, from the events before `a`."""
        team = None
        holders: dict[str, str] = {}
        for at, _seq, code, first, second in self.events:
            if at >= a:
                break
            if code == _TEAM:
                team = first
            elif code == _ASSIGN:
                holders[second] = first
            elif code == _UNASSIGN and holders.get(second) == first:
                del holders[second]
        return team, holders

    def state(self, t: int) -> CaseState:
        """The state at t, built from the events before t."""
        team = None
        holders: dict[str, str] = {}
        readiness = "unknown"
        phase = None
        for at, _seq, code, first, second in self.events:
            if at >= t:
                break
            if code == _TEAM:
                team = first
            elif code == _ASSIGN:
                holders[second] = first
            elif code == _UNASSIGN:
                if holders.get(second) == first:
                    del holders[second]
            elif code == _READINESS:
                readiness = first
            else:
                phase = first
        active = self.opened < t and not self.closed < t
        open_placements = [
            p for p in self.placements.values() if p.started < t and not p.ended < t
        ]
        earliest_open = (
            min(open_placements, key=_started) if open_placements else None
        )
        in_placement = active and earliest_open is not None
        follow_up_due = None
        if in_placement:
            base = earliest_open.started
            # the latest follow-up before t, if it is at or after that start
            index = bisect_left(self.follow_ups, (t,)) - 1
            if index >= 0 and self.follow_ups[index][0] >= base:
                base = self.follow_ups[index][0]
            follow_up_due = base + FOLLOW_UP_INTERVAL_US
        return CaseState(
            exists=self.opened < t,
            active=active,
            team=team,
            holders=holders,
            has_cv=self.cv < t,
            readiness=readiness,
            phase=phase,
            placement=earliest_open if in_placement else None,
            open_placements=open_placements,
            in_placement=in_placement,
            follow_up_due=follow_up_due,
            overdue=follow_up_due is not None and follow_up_due <= t,
            ever_company_consultant=self.first_company_consultant < t,
        )

    def next_change(self, t: int, follow_up_due: int | None) -> int:
        """The first instant after t at which this case's state or figures may differ from
        those at t, when no new event arrives: its next event, or its follow-up deadline."""
        index = bisect_left(self.event_times, t)
        upcoming = self.event_times[index] + 1 if index < len(self.event_times) else NEVER
        if follow_up_due is not None and follow_up_due > t:
            upcoming = min(upcoming, follow_up_due)
        return upcoming

    def phase_changes(self, t: int) -> list[tuple[int, str]]:
        """(occurred_at, phase) of every phase_changed before t, in order."""
        return [(at, first) for at, _seq, code, first, _ in self.events if code == _PHASE and at < t]

    def hours_for(self, month: str) -> float | None:
        report = self.hours.get(month)
        return None if report is None else report[2]


def _started(placement: Placement) -> int:
    return placement.started


@dataclass(slots=True)
class CaseState:
    exists: bool
    active: bool
    team: str | None
    holders: dict[str, str]
    has_cv: bool
    readiness: str
    phase: str | None
    placement: Placement | None  # the earliest open placement, when in placement
    open_placements: list[Placement]
    in_placement: bool
    follow_up_due: int | None
    overdue: bool
    ever_company_consultant: bool
