"""Who may do what: the one role table the API routes and the dashboard callbacks consult."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ingest = "ingest"
    worker = "worker"
    team_lead = "team_lead"
    manager = "manager"
    admin = "admin"


class Action(StrEnum):
    send_events = "send_events"
    read_quarantine = "read_quarantine"
    resubmit_quarantine = "resubmit_quarantine"
    read_organisation = "read_organisation"
    write_organisation = "write_organisation"
    read_sources = "read_sources"
    write_sources = "write_sources"
    read_imports = "read_imports"
    # metrics (api/routes/metrics.py); which team or worker is further scoped by role there
    read_figures = "read_figures"
    read_case_lists = "read_case_lists"
    read_board = "read_board"
    read_targets = "read_targets"
    write_targets = "write_targets"
    read_norms = "read_norms"
    write_norms = "write_norms"
    close_month = "close_month"
    read_closed_months = "read_closed_months"
    # dashboard views (dashboard/pages); the team or worker shown is scoped in dashboard/scope.py
    view_caseload = "view_caseload"
    view_team_steering = "view_team_steering"
    view_benchmarking = "view_benchmarking"
    view_wall_screen = "view_wall_screen"
    hold_caseload_talk = "hold_caseload_talk"
    manage_users = "manage_users"


R = Role
PERMISSIONS: dict[Action, frozenset[Role]] = {
    Action.send_events: frozenset({R.ingest, R.admin}),
    Action.read_quarantine: frozenset({R.admin}),
    Action.resubmit_quarantine: frozenset({R.admin}),
    Action.read_organisation: frozenset({R.worker, R.team_lead, R.manager, R.admin}),
    Action.write_organisation: frozenset({R.admin}),
    Action.read_sources: frozenset({R.admin}),
    Action.write_sources: frozenset({R.admin}),
    Action.read_imports: frozenset({R.admin}),
    Action.read_figures: frozenset({R.worker, R.team_lead, R.manager, R.admin}),
    Action.read_case_lists: frozenset({R.team_lead, R.manager, R.admin}),
    Action.read_board: frozenset({R.worker, R.team_lead, R.manager, R.admin}),
    Action.read_targets: frozenset({R.worker, R.team_lead, R.manager, R.admin}),
    Action.write_targets: frozenset({R.admin}),
    Action.read_norms: frozenset({R.worker, R.team_lead, R.manager, R.admin}),
    Action.write_norms: frozenset({R.admin}),
    Action.close_month: frozenset({R.team_lead, R.admin}),
    Action.read_closed_months: frozenset({R.team_lead, R.manager, R.admin}),
    Action.view_caseload: frozenset({R.worker, R.team_lead, R.manager, R.admin}),
    Action.view_team_steering: frozenset({R.team_lead, R.manager, R.admin}),
    Action.view_benchmarking: frozenset({R.manager, R.admin}),
    # a worker sees its own team's wall screen: aggregates only, as on the team's wall
    Action.view_wall_screen: frozenset({R.worker, R.team_lead, R.manager, R.admin}),
    Action.hold_caseload_talk: frozenset({R.team_lead, R.manager, R.admin}),
    Action.manage_users: frozenset({R.admin}),
}


def allowed(role: str, action: Action) -> bool:
    return role in PERMISSIONS[action]
