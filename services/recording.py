"""Recording casework on a caseworker's behalf — the board's record form, its undo and the
caseload sheet: authorised by role and by who holds the case (core/access.py's table and the
read model's state of the case), validated, sent as case events (events.md,
docs/events-extensions.md) through the one write path, `EventStore.append`, with `source` =
"dashboard" and the acting user in the events' extra field `recorded_by`, and audited."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import orjson
from sqlalchemy import Engine

from core import identity
from core.access import Action, Role, allowed
from core.audit import AuditAction
from core.contract import (
    CLOSE_REASONS,
    OUTCOMES,
    PARTICIPANTS,
    PLACEMENT_KINDS,
    READINESS_LEVELS,
    ROLES,
)
from core.errors import Forbidden, Invalid
from core.eventlog import EventLog
from core.numbers import DEFAULT_LOCALE, NumberError, parse_float
from core.programmes import load_model, preset
from ingest.store import EventStore, IngestSummary
from metrics.calendar import add_months, month_of, to_us
from metrics.readmodel import ReadModel, load_organisation
from services.actor import Actor

SOURCE = "dashboard"
CITIZEN_FIELD = frozenset({"citizen"})
ACTIONS = (
    "cv_completed", "readiness_assessed", "phase_changed", "placement_started", "placement_ended",
    "follow_up_held", "hours_reported", "enrolled", "case_closed", "worker_assigned", "case_opened",
)
# the fields each action's form asks for, besides the date
FIELDS: dict[str, tuple[str, ...]] = {
    "cv_completed": (),
    "readiness_assessed": ("level",),
    "phase_changed": ("phase",),
    "placement_started": ("employer", "kind", "hours_per_week"),
    "placement_ended": ("placement_id", "end_reason"),
    "follow_up_held": ("participants",),
    "hours_reported": ("month", "hours"),
    "enrolled": (),
    "case_closed": ("reason", "outcome"),
    "worker_assigned": ("worker_id", "role"),
    "case_opened": ("citizen", "programme"),
}


def new_form_id() -> str:
    """The one-time event_id of a form, made when the form opens: a double click sends the
    same event twice, which the store acknowledges as a duplicate and keeps once."""
    return f"ob-{uuid.uuid4().hex}"


@dataclass
class CaseInfo:
    case_id: str
    exists: bool
    active: bool
    team: str | None
    holders: dict[str, str]
    programme: str | None
    placements: list[tuple[str, str | None]]  # the open placements: (placement_id, employer)
    current_placement: str | None


def case_info(model: ReadModel, case_id: str, now: datetime) -> CaseInfo | None:
    history = model.case(case_id)
    if history is None:
        return None
    t = to_us(now) + 1
    state = history.state(t)
    open_ = sorted(state.open_placements, key=lambda p: (p.started, p.placement_id))
    return CaseInfo(
        case_id=case_id, exists=state.exists, active=state.active, team=state.team,
        holders=dict(state.holders), programme=history.programme,
        placements=[(p.placement_id, p.employer) for p in open_],
        current_placement=state.placement.placement_id if state.placement else None,
    )


def may_record(actor: Actor, info: CaseInfo | None, *, closed_ok: bool = False) -> bool:
    """A worker records on the cases it holds, a team lead on its team's active cases (a closed
    one too when `closed_ok`: undoing the close)."""
    if not allowed(actor.role, Action.record_casework) or info is None or not info.exists:
        return False
    if not info.active and not closed_ok:
        return False
    if actor.role is Role.worker:
        return actor.worker_id is not None and actor.worker_id in info.holders.values()
    if actor.role is Role.team_lead:
        return actor.team_id is not None and info.team == actor.team_id
    return False


@dataclass
class Entry:
    """What one form submission records: its events (a new case is opened and assigned)."""

    action: str
    case_id: str
    events: list[dict[str, Any]]
    problems: list[str] = field(default_factory=list)  # i18n keys, each with its field

    @property
    def event_ids(self) -> list[str]:
        return [e["event_id"] for e in self.events]


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def _number(value: Any, lang: str) -> float | None:
    """Hours as the person types them in their language (core/numbers.py); None if not a number."""
    try:
        return parse_float(value, lang)
    except NumberError:
        return None


def recent_months(now: datetime, zone, count: int = 6) -> list[str]:
    current = month_of(now, zone)
    return [add_months(current, -i) for i in range(count)]


def build_entry(
    action: str, case_id: str | None, values: dict[str, Any], *, actor: Actor, form_id: str,
    today: date, info: CaseInfo | None, team_id: str | None, worker_id: str | None,
    phases: tuple[str, ...] | None, team_workers: set[str], months: list[str], lang: str = DEFAULT_LOCALE,
) -> Entry:
    """The events of one submission, or the problems (keys of the message catalogue) that stop
    it before anything is sent."""
    problems: list[str] = []
    if action not in ACTIONS:
        return Entry(action, case_id or "", [], ["invalid_action"])
    day = values.get("date")
    try:
        when = date.fromisoformat(day) if isinstance(day, str) and day else None
    except ValueError:
        when = None
    if when is None:
        problems.append("invalid_date")
    elif when > today:
        problems.append("invalid_future_date")
    fields: dict[str, Any] = {}
    if action == "case_opened":
        citizen = (values.get("citizen") or "").strip()
        if not citizen:
            problems.append("invalid_citizen")
        if team_id is None or worker_id is None:
            problems.append("invalid_no_team")
        case_id = "OB-" + form_id.removeprefix("ob-")[:10].upper()
        fields = {"citizen": citizen, "team_id": team_id, "programme": values.get("programme") or "default"}
    elif case_id is None or info is None or not info.active:
        problems.append("invalid_case")
    elif action == "readiness_assessed":
        if values.get("level") not in READINESS_LEVELS:
            problems.append("invalid_level")
        fields = {"level": values.get("level")}
    elif action == "phase_changed":
        phase = (values.get("phase") or "").strip()
        if not phase or (phases and phase not in phases):
            problems.append("invalid_phase")
        fields = {"phase": phase}
    elif action == "placement_started":
        fields = {"placement_id": "P-" + form_id.removeprefix("ob-")[:10].upper(),
                  "kind": values.get("kind") or "internship"}
        if fields["kind"] not in PLACEMENT_KINDS:
            problems.append("invalid_kind")
        employer = (values.get("employer") or "").strip()
        if not employer:
            problems.append("invalid_employer")
        fields["employer"] = employer
        hours = values.get("hours_per_week")
        if not _blank(hours):
            number = _number(hours, lang)
            if number is None or not 0 <= number <= 168:
                problems.append("invalid_hours_per_week")
            fields["hours_per_week"] = number
    elif action == "placement_ended":
        open_ids = {pid for pid, _ in info.placements}
        if values.get("placement_id") not in open_ids:
            problems.append("invalid_placement")
        fields = {"placement_id": values.get("placement_id")}
        if not _blank(values.get("end_reason")):
            fields["reason"] = values["end_reason"].strip()
    elif action == "follow_up_held":
        chosen = values.get("participants") or []
        if not chosen or any(p not in PARTICIPANTS for p in chosen):
            problems.append("invalid_participants")
        fields = {"participants": sorted(set(chosen))}
    elif action == "hours_reported":
        if values.get("month") not in months:
            problems.append("invalid_month")
        number = _number(values.get("hours"), lang)
        if number is None or not 0 <= number <= 744:
            problems.append("invalid_hours")
        fields = {"month": values.get("month"), "hours": number}
    elif action == "case_closed":
        if values.get("reason") not in CLOSE_REASONS:
            problems.append("invalid_reason")
        fields = {"reason": values.get("reason")}
        outcome = values.get("outcome")
        if outcome:
            if outcome not in OUTCOMES:
                problems.append("invalid_outcome")
            fields["outcome"] = outcome
    elif action == "worker_assigned":
        if values.get("worker_id") not in team_workers:
            problems.append("invalid_worker")
        if values.get("role") not in ROLES:
            problems.append("invalid_role")
        fields = {"worker_id": values.get("worker_id"), "role": values.get("role")}
    if identity.find_in(fields, skip_keys=CITIZEN_FIELD):
        # free text (an employer, a reason, a phase) holding an identity number: refused here,
        # with a message that does not repeat it, before anything reaches the store
        problems.append("identity_in_text")
    if problems:
        return Entry(action, case_id or "", [], problems)
    assert when is not None and case_id is not None
    envelope = {"source": SOURCE, "case_id": case_id, "occurred_at": when.isoformat(),
                "recorded_by": actor.name}
    events = [{"event_id": form_id, "type": action, **envelope, **fields}]
    if action == "case_opened":
        events.append({"event_id": f"{form_id}-a", "type": "worker_assigned", **envelope,
                       "worker_id": worker_id, "role": "caseworker"})
    return Entry(action, case_id, events)


def recorded(engine: Engine, event_ids: list[str]) -> list[dict[str, Any]]:
    """The dashboard's stored events of these ids: event_id, type, case_id, recorded_by."""
    if not event_ids:
        return []
    rows = EventLog(engine).of_source(SOURCE, event_ids)
    out = []
    for event_id, event_type, case_id, payload in rows:
        data = orjson.loads(payload) if isinstance(payload, str | bytes) else payload
        out.append({"event_id": event_id, "type": event_type, "case_id": case_id,
                    "recorded_by": data.get("recorded_by")})
    return out




class EntryRefused(Invalid):
    """A submission that records nothing; `problems` are message catalogue keys, each naming
    its field, for the form to list in the user's language."""

    def __init__(self, problems: list[str]):
        super().__init__("the entry cannot be recorded: " + ", ".join(problems), key=problems[0])
        self.problems = problems


@dataclass(frozen=True, slots=True)
class Recorded:
    entry: Entry
    summary: IngestSummary


def _phases(engine: Engine, programme: str | None) -> tuple[str, ...]:
    model = load_model(engine, programme or "default") or preset(programme or "default")
    return tuple(p.id for p in model.phases) if model is not None else ()


def _may_open_for(actor: Actor, worker_id: str | None, team_id: str | None) -> bool:
    """A worker opens a case on its own caseload, a team lead on its team's workers'."""
    if actor.role is Role.worker:
        return worker_id is not None and worker_id == actor.worker_id
    if actor.role is Role.team_lead:
        return team_id is not None and team_id == actor.team_id
    return False


def _send(store: EventStore, actor: Actor, entry: Entry, *, worker_id: str | None,
          team_id: str | None) -> Recorded:
    summary = store.append(entry.events, origin="dashboard")
    if summary.accepted:
        # the event type only: never a case or citizen identifier
        actor.record(store.engine, AuditAction.record_event, worker_id=worker_id, team_id=team_id,
                     detail=entry.action)
    return Recorded(entry, summary)


def record_entry(store: EventStore, model: ReadModel, actor: Actor, action: str, case_id: str | None,
                 values: dict[str, Any], *, form_id: str, worker_id: str, now: datetime,
                 lang: str = DEFAULT_LOCALE) -> Recorded:
    """Records one form submission on a case of the board of `worker_id` (a new case is opened
    on that worker's caseload): Forbidden outside the actor's cases, EntryRefused with the
    problems when a field is wrong, else what the store made of it (a duplicate of a form sent
    twice is kept once)."""
    actor.authorise(Action.record_casework)
    if not isinstance(form_id, str) or not form_id.startswith("ob-") or len(form_id) > 64:
        raise Invalid("not a form of the board", key="error_not_board_form")
    model.catch_up()  # who holds the case is decided on the log as it is now
    board_team = load_organisation(store.engine).workers.get(worker_id)
    info = None
    if action == "case_opened":
        if not _may_open_for(actor, worker_id, board_team):
            raise Forbidden("a case is opened on one's own caseload or one's team's", key="error_case_not_own_caseload")
    elif case_id:
        info = case_info(model, str(case_id), now)
        if not may_record(actor, info):
            raise Forbidden("not a case this user records on", key="error_case_not_yours")
    team_workers = set()
    if info is not None and info.team:
        team_workers = {w for w, team in load_organisation(store.engine).workers.items() if team == info.team}
    entry = build_entry(
        action, case_id, values, actor=actor, form_id=form_id, today=now.astimezone(model.zone).date(), info=info,
        team_id=board_team if action == "case_opened" else (info.team if info else None), worker_id=worker_id,
        phases=_phases(store.engine, info.programme) if info else None, team_workers=team_workers,
        months=recent_months(now, model.zone), lang=lang,
    )
    if entry.problems:
        raise EntryRefused(entry.problems)
    return _send(store, actor, entry, worker_id=worker_id, team_id=board_team)


def undo_entry(engine: Engine, actor: Actor, event_ids: list[str], now: datetime) -> Entry | None:
    """The retractions that undo the actor's last entry (docs/events-extensions.md), or None when
    those events are not the actor's own entry on the board."""
    ids = [str(i) for i in event_ids or []][:2]
    stored = recorded(engine, ids)
    mine = [e for e in stored if e["recorded_by"] == actor.name and e["type"] != "event_retracted"]
    if not ids or len(mine) != len(ids) or len({e["case_id"] for e in mine}) != 1:
        return None
    case_id = mine[0]["case_id"]
    events = [
        {"event_id": f"undo-{e['event_id']}", "type": "event_retracted", "source": SOURCE, "case_id": case_id,
         "occurred_at": now.isoformat(), "retracts": e["event_id"], "recorded_by": actor.name}
        for e in mine
    ]
    return Entry("event_retracted", case_id, events)


def undo(store: EventStore, model: ReadModel, actor: Actor, event_ids: list[str], *, worker_id: str,
         now: datetime) -> Recorded | None:
    """Retracts the actor's last entry on the board of `worker_id`; None when there is none to undo."""
    actor.authorise(Action.record_casework)
    entry = undo_entry(store.engine, actor, event_ids, now)
    if entry is None:
        return None
    model.catch_up()
    # the case may have been closed by the very entry undone
    if not may_record(actor, case_info(model, entry.case_id, now), closed_ok=True):
        raise Forbidden("not a case this user records on", key="error_case_not_yours")
    return _send(store, actor, entry, worker_id=worker_id,
                 team_id=load_organisation(store.engine).workers.get(worker_id))


SHEET_TYPES = frozenset(ACTIONS) - {"case_opened"}


def record_sheet(store: EventStore, model: ReadModel, actor: Actor, team_id: str, events: list[dict[str, Any]],
                 now: datetime) -> IngestSummary:
    """Records the events an edited caseload sheet differs by (dashboard/sheet.py reads it): each
    the actor's own, on an active case of the actor's team, or nothing is recorded."""
    actor.authorise(Action.caseload_sheet)
    if actor.team_id is None or team_id != actor.team_id:
        raise Forbidden("a team lead records the sheet of its own team", key="error_sheet_own_team")
    model.catch_up()
    for event in events:
        info = case_info(model, str(event.get("case_id")), now)
        if info is None or not info.active or info.team != team_id:
            raise Forbidden("a case outside the team", key="error_case_outside_team")
        if event.get("source") != SOURCE or event.get("recorded_by") != actor.name or event.get("type") not in SHEET_TYPES:
            raise Invalid("not an event of the caseload sheet", key="error_not_sheet_event")
    summary = store.append(events, origin="dashboard")
    if summary.accepted:
        actor.record(store.engine, AuditAction.record_sheet, team_id=team_id, detail=f"{summary.accepted} events")
    return summary
