"""The case-event vocabulary (events.md v1 and docs/events-extensions.md), named once for ingest,
metrics and the simulator: event types, roles, levels, kinds, reasons and outcomes."""

from __future__ import annotations

CASE_OPENED = "case_opened"
CASE_TRANSFERRED = "case_transferred"
WORKER_ASSIGNED = "worker_assigned"
WORKER_UNASSIGNED = "worker_unassigned"
ENROLLED = "enrolled"
CV_COMPLETED = "cv_completed"
READINESS_ASSESSED = "readiness_assessed"
PHASE_CHANGED = "phase_changed"
PLACEMENT_STARTED = "placement_started"
PLACEMENT_ENDED = "placement_ended"
FOLLOW_UP_HELD = "follow_up_held"
HOURS_REPORTED = "hours_reported"
CASE_CLOSED = "case_closed"
REVIEW_HELD = "review_held"
SUPERVISION_HELD = "supervision_held"
EVENT_RETRACTED = "event_retracted"

# in the order events.md lists them (the extensions last): a refusal names them in this order
EVENT_TYPES: tuple[str, ...] = (
    CASE_OPENED, CASE_TRANSFERRED, WORKER_ASSIGNED, WORKER_UNASSIGNED, ENROLLED, CV_COMPLETED,
    READINESS_ASSESSED, PHASE_CHANGED, PLACEMENT_STARTED, PLACEMENT_ENDED, FOLLOW_UP_HELD,
    HOURS_REPORTED, CASE_CLOSED, REVIEW_HELD, SUPERVISION_HELD, EVENT_RETRACTED,
)
# "one of each per case" (events.md, delivery rules); a retraction once per event it names
SINGLETON_TYPES = frozenset({
    CASE_OPENED, CASE_CLOSED, PLACEMENT_STARTED, PLACEMENT_ENDED, EVENT_RETRACTED,
})

ROLES: tuple[str, ...] = ("caseworker", "company_consultant", "jobcoach", "mentor")
COMPANY_CONSULTANT = "company_consultant"
PARTICIPANTS: tuple[str, ...] = (
    "citizen", "caseworker", "company_consultant", "employer", "jobcoach", "mentor",
)
READINESS_LEVELS: tuple[str, ...] = ("ready", "close", "far")
PLACEMENT_KINDS: tuple[str, ...] = ("internship", "wage_subsidy", "other")
DEFAULT_PLACEMENT_KIND = "internship"
CLOSE_REASONS: tuple[str, ...] = ("completed", "dropped_out", "referred_back", "moved", "other")
OUTCOMES: tuple[str, ...] = ("job", "education", "extended_placement", "other")
REVIEW_KINDS: tuple[str, ...] = ("mid", "final")
DEFAULT_PROGRAMME = "default"
# supervision belongs to no case: its envelope names the worker's pseudo case
SUPERVISION_CASE_PREFIX = "worker:"

# The facts a case has once (type → the fields that tell one such fact from another; no date)
# and the statuses an event sets (type → the fields that key the status, the field holding its
# value). `worker_unassigned` clears the status `worker_assigned` set.
ONCE_TYPES: dict[str, tuple[str, ...]] = {
    CASE_OPENED: (),
    ENROLLED: (),
    CV_COMPLETED: (),
    CASE_CLOSED: (),
    PLACEMENT_STARTED: ("placement_id",),
    PLACEMENT_ENDED: ("placement_id",),
    FOLLOW_UP_HELD: ("occurred_at",),
}
STATUS_TYPES: dict[str, tuple[tuple[str, ...], str]] = {
    READINESS_ASSESSED: ((), "level"),
    PHASE_CHANGED: ((), "phase"),
    WORKER_ASSIGNED: (("role",), "worker_id"),
    CASE_TRANSFERRED: ((), "team_id"),
    HOURS_REPORTED: (("month",), "hours"),
}
STATE_TYPES: tuple[str, ...] = (*ONCE_TYPES, *STATUS_TYPES, WORKER_UNASSIGNED)
