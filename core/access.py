"""Who may do what: the one role table the API routes and the dashboard callbacks consult."""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple


class Role(StrEnum):
    ingest = "ingest"
    worker = "worker"
    team_lead = "team_lead"
    manager = "manager"
    admin = "admin"
    # a Prometheus server or another monitor: reads /metrics and nothing else
    monitoring = "monitoring"


class Action(StrEnum):
    send_events = "send_events"
    read_quarantine = "read_quarantine"
    resubmit_quarantine = "resubmit_quarantine"
    dismiss_quarantine = "dismiss_quarantine"
    read_organisation = "read_organisation"
    write_organisation = "write_organisation"
    read_sources = "read_sources"
    write_sources = "write_sources"
    read_imports = "read_imports"
    # figures (api/routes/figures.py); which team or worker is further scoped by role there
    # (api/scope.py)
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
    # programmes (api/routes/programmes.py): process models, phases, quality, provider reports
    read_programmes = "read_programmes"
    write_programmes = "write_programmes"
    read_quality = "read_quality"
    export_reports = "export_reports"
    read_reference_figures = "read_reference_figures"
    write_reference_figures = "write_reference_figures"
    # privacy and tokens (api/routes/privacy.py, api/routes/tokens.py)
    manage_tokens = "manage_tokens"
    read_audit = "read_audit"
    erase_case = "erase_case"
    # operations (api/routes/telemetry.py): the Prometheus metrics of the running processes
    read_service_metrics = "read_service_metrics"
    # recording casework from the board and the XLSX round-trip (docs/dashboard.md); which case
    # is further scoped in services/recording.py: a worker's own, a team lead's team's
    record_casework = "record_casework"
    caseload_sheet = "caseload_sheet"


R = Role
PERMISSIONS: dict[Action, frozenset[Role]] = {
    Action.send_events: frozenset({R.ingest, R.admin}),
    Action.read_quarantine: frozenset({R.admin}),
    Action.resubmit_quarantine: frozenset({R.admin}),
    Action.dismiss_quarantine: frozenset({R.admin}),
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
    Action.read_programmes: frozenset({R.worker, R.team_lead, R.manager, R.admin}),
    Action.write_programmes: frozenset({R.admin}),
    # per worker: a team lead sees its own team's (scoped in the route)
    Action.read_quality: frozenset({R.team_lead, R.manager, R.admin}),
    # the funder's report is anonymised, but covers every team: not for a team lead
    Action.export_reports: frozenset({R.manager, R.admin}),
    Action.read_reference_figures: frozenset({R.manager, R.admin}),
    Action.write_reference_figures: frozenset({R.admin}),
    Action.manage_tokens: frozenset({R.admin}),
    Action.read_audit: frozenset({R.admin}),
    Action.erase_case: frozenset({R.admin}),
    # counts and latencies only: no case, team or worker in them
    Action.read_service_metrics: frozenset({R.monitoring, R.admin}),
    Action.record_casework: frozenset({R.worker, R.team_lead}),
    Action.caseload_sheet: frozenset({R.team_lead}),
}


class Scope(StrEnum):
    """How far a permitted request reaches: `scoped` routes narrow it by the caller's role."""

    none = "none"  # no team or worker in the request (organisation-wide settings, ingest)
    scoped = "scoped"  # worker: own board, own team's aggregates; team_lead: own team; others: all


# What each role reaches on a `scoped` route or callback (docs/security.md).
REACH: dict[Role, str] = {
    R.ingest: "nothing",
    R.worker: "own worker (board, row); own team (aggregates)",
    R.team_lead: "own team, per worker and per case",
    R.manager: "all teams and workers",
    R.admin: "all teams and workers",
    R.monitoring: "nothing (reads /metrics only)",
}

PUBLIC = None  # a route anyone may call, with or without a token


class BodyLimit(StrEnum):
    """How large a route's request body may be (docs/security.md, "Limits before work"); the
    guard in api/limits.py reads it as bytes from the settings before the body is read."""

    config = "config"  # OVERBLIK_MAX_CONFIG_BODY_BYTES: settings, and routes that take no body
    events = "events"  # OVERBLIK_MAX_BODY_BYTES
    event_file = "event_file"  # OVERBLIK_MAX_IMPORT_BYTES, and the form around the file
    organisation_csv = "organisation_csv"  # 8 MiB of teams or workers
    reference_csv = "reference_csv"  # 2 MiB of outside reference figures


class Route(NamedTuple):
    action: Action | None
    scope: Scope
    body: BodyLimit = BodyLimit.config


# Every API route (method, path as in the OpenAPI document) -> its action, scope and body limit.
# A route that is not listed here is refused (403) by api.security.require and fails
# tests/api/test_access.py.
ROUTES: dict[tuple[str, str], Route] = {
    ("GET", "/api/v1/health"): Route(PUBLIC, Scope.none),
    ("GET", "/api/v1/ready"): Route(PUBLIC, Scope.none),
    ("GET", "/metrics"): Route(Action.read_service_metrics, Scope.none),
    ("POST", "/api/v1/events"): Route(Action.send_events, Scope.none, BodyLimit.events),
    ("POST", "/api/v1/imports"): Route(Action.send_events, Scope.none, BodyLimit.event_file),
    ("GET", "/api/v1/quarantine"): Route(Action.read_quarantine, Scope.none),
    ("POST", "/api/v1/quarantine/{entry_id}/resubmit"): Route(Action.resubmit_quarantine, Scope.none),
    ("POST", "/api/v1/quarantine/{entry_id}/dismiss"): Route(Action.dismiss_quarantine, Scope.none),
    ("GET", "/api/v1/teams"): Route(Action.read_organisation, Scope.none),
    ("PUT", "/api/v1/teams/{team_id}"): Route(Action.write_organisation, Scope.none),
    ("GET", "/api/v1/workers"): Route(Action.read_organisation, Scope.none),
    ("PUT", "/api/v1/workers/{worker_id}"): Route(Action.write_organisation, Scope.none),
    ("POST", "/api/v1/teams/import"): Route(Action.write_organisation, Scope.none, BodyLimit.organisation_csv),
    ("POST", "/api/v1/workers/import"): Route(Action.write_organisation, Scope.none, BodyLimit.organisation_csv),
    ("GET", "/api/v1/sources"): Route(Action.read_sources, Scope.none),
    ("POST", "/api/v1/sources"): Route(Action.write_sources, Scope.none),
    ("DELETE", "/api/v1/sources/{name}"): Route(Action.write_sources, Scope.none),
    ("POST", "/api/v1/sources/{name}/run"): Route(Action.write_sources, Scope.none),
    ("GET", "/api/v1/metrics/definitions"): Route(Action.read_figures, Scope.none),
    ("GET", "/api/v1/milestones"): Route(Action.read_figures, Scope.scoped),
    ("GET", "/api/v1/milestones/cases"): Route(Action.read_case_lists, Scope.scoped),
    ("GET", "/api/v1/trend"): Route(Action.read_figures, Scope.scoped),
    ("GET", "/api/v1/board"): Route(Action.read_board, Scope.scoped),
    ("GET", "/api/v1/funnel"): Route(Action.read_figures, Scope.scoped),
    ("GET", "/api/v1/targets"): Route(Action.read_targets, Scope.scoped),
    ("PUT", "/api/v1/targets"): Route(Action.write_targets, Scope.none),
    ("GET", "/api/v1/goals"): Route(Action.read_targets, Scope.scoped),
    ("PUT", "/api/v1/goals"): Route(Action.write_targets, Scope.none),
    ("GET", "/api/v1/norms"): Route(Action.read_norms, Scope.none),
    ("PUT", "/api/v1/norms"): Route(Action.write_norms, Scope.none),
    ("POST", "/api/v1/months/{month}/close"): Route(Action.close_month, Scope.scoped),
    ("GET", "/api/v1/months"): Route(Action.read_closed_months, Scope.scoped),
    ("GET", "/api/v1/months/{month}"): Route(Action.read_closed_months, Scope.scoped),
    ("GET", "/api/v1/programmes"): Route(Action.read_programmes, Scope.none),
    ("GET", "/api/v1/programmes/{programme}"): Route(Action.read_programmes, Scope.none),
    ("PUT", "/api/v1/programmes/{programme}"): Route(Action.write_programmes, Scope.none),
    ("GET", "/api/v1/programmes/{programme}/phases"): Route(Action.read_case_lists, Scope.scoped),
    ("GET", "/api/v1/programmes/{programme}/flow"): Route(Action.read_figures, Scope.scoped),
    ("GET", "/api/v1/programmes/{programme}/completion"): Route(Action.read_figures, Scope.scoped),
    ("GET", "/api/v1/jobcoach-load"): Route(Action.read_figures, Scope.scoped),
    ("GET", "/api/v1/programmes/{programme}/indicators"): Route(Action.read_quality, Scope.scoped),
    ("GET", "/api/v1/programmes/{programme}/channels"): Route(Action.export_reports, Scope.none),
    ("GET", "/api/v1/programmes/{programme}/reports/quarterly/{quarter}"): Route(Action.export_reports, Scope.none),
    ("POST", "/api/v1/reference-figures"): Route(Action.write_reference_figures, Scope.none, BodyLimit.reference_csv),
    ("GET", "/api/v1/benchmark"): Route(Action.read_reference_figures, Scope.none),
    ("GET", "/api/v1/tokens"): Route(Action.manage_tokens, Scope.none),
    ("POST", "/api/v1/tokens"): Route(Action.manage_tokens, Scope.none),
    ("DELETE", "/api/v1/tokens/{token_id}"): Route(Action.manage_tokens, Scope.none),
    ("GET", "/api/v1/audit"): Route(Action.read_audit, Scope.none),
    ("GET", "/api/v1/audit.csv"): Route(Action.read_audit, Scope.none),
    ("DELETE", "/api/v1/cases/{case_id}"): Route(Action.erase_case, Scope.none),
}

# Every dashboard callback, by the outputs Dash keys it under -> (action, scope). The pages
# call dashboard.scope.permit with the same action; tests/dashboard/test_access.py holds the
# app's callback map against this table.
CALLBACKS: dict[str, tuple[Action | None, Scope]] = {
    # page routing and live version: no data, the session check in dashboard/auth.py applies
    "..page.children...shell.className..": (PUBLIC, Scope.none),
    "live-version.data": (PUBLIC, Scope.none),
    "..caseload-summary.children...caseload-body.children...caseload-as-of.children..": (
        Action.view_caseload, Scope.scoped),
    "..team-body.children...team-as-of.children...team-drawn.data..": (Action.view_team_steering, Scope.scoped),
    "team-workers.children": (Action.view_team_steering, Scope.scoped),
    "..team-more.children...team-more-digest.data..": (Action.view_team_steering, Scope.scoped),
    "..team-charts.children...team-charts-digest.data..": (Action.view_team_steering, Scope.scoped),
    "team-pack.href": (Action.view_team_steering, Scope.scoped),
    "..team-action-log.children...team-action-text.value..": (Action.view_team_steering, Scope.scoped),
    "..drill-panel.hidden...drill-title.children...drill-body.children..": (
        Action.read_case_lists, Scope.scoped),
    "talk-body.children": (Action.hold_caseload_talk, Scope.scoped),
    "..talk-log.children...talk-text.value..": (Action.hold_caseload_talk, Scope.scoped),
    "talk-pdf.href": (Action.hold_caseload_talk, Scope.scoped),
    "..bench-body.children...bench-as-of.children..": (Action.view_benchmarking, Scope.none),
    "wall-body.children": (Action.view_wall_screen, Scope.scoped),
    "..users-table.children...user-message.children..": (Action.manage_users, Scope.none),
    # administration (dashboard/pages/admin/): the same actions as the API's write routes
    "..admin-teams.children...admin-team-message.children...admin-worker-team.options...admin-target-team.options"
    "...admin-goal-team.options...admin-token-team.options..": (Action.write_organisation, Scope.none),
    "..admin-team-id.value...admin-team-name.value...admin-team-unit.value..": (Action.write_organisation, Scope.none),
    "..admin-workers.children...admin-worker-message.children...admin-token-worker.options..": (
        Action.write_organisation, Scope.none),
    "..admin-worker-id.value...admin-worker-name.value...admin-worker-team.value...admin-worker-roles.value..": (
        Action.write_organisation, Scope.none),
    "..admin-targets.children...admin-target-message.children..": (Action.write_targets, Scope.none),
    "..admin-goals.children...admin-goal-message.children..": (Action.write_targets, Scope.none),
    "admin-norm-message.children": (Action.write_norms, Scope.none),
    "..admin-sources.children...admin-source-message.children..": (Action.write_sources, Scope.none),
    "..admin-quarantine.children...admin-quarantine-message.children..": (Action.resubmit_quarantine, Scope.none),
    # every administration list's search and page buttons (dashboard/pages/admin/forms.py)
    "admin-teams-page.children": (Action.write_organisation, Scope.none),
    "admin-workers-page.children": (Action.write_organisation, Scope.none),
    "admin-targets-page.children": (Action.write_targets, Scope.none),
    "admin-goals-page.children": (Action.write_targets, Scope.none),
    "admin-sources-page.children": (Action.write_sources, Scope.none),
    "admin-quarantine-page.children": (Action.read_quarantine, Scope.none),
    "admin-tokens-page.children": (Action.manage_tokens, Scope.none),
    "users-table-page.children": (Action.manage_users, Scope.none),
    "..admin-tokens.children...admin-token-message.children...admin-token-secret.children..": (
        Action.manage_tokens, Scope.none),
    "record-case.options": (Action.record_casework, Scope.scoped),
    "record-fields.children": (Action.record_casework, Scope.scoped),
    "..record-message.children...record-form-id.data...record-last.data...record-undo.disabled..": (
        Action.record_casework, Scope.scoped),
    "..sheet-preview.children...sheet-pending.data..": (Action.caseload_sheet, Scope.scoped),
    "..sheet-message.children...sheet-pending-clear.data..": (Action.caseload_sheet, Scope.scoped),
}


def allowed(role: str, action: Action) -> bool:
    return role in PERMISSIONS[action]


def route_action(method: str, path: str) -> Action | None:
    """The action a route needs; KeyError for a route missing from the matrix."""
    return ROUTES[(method.upper(), path)][0]
