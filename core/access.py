"""Who may do what: the one role table the API routes and the dashboard callbacks consult."""

from __future__ import annotations

from enum import StrEnum


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

# Every API route (method, path as in the OpenAPI document) -> (action, scope). A route that is
# not listed here is refused (403) by api.security.require and fails tests/api/test_access.py.
ROUTES: dict[tuple[str, str], tuple[Action | None, Scope]] = {
    ("GET", "/api/v1/health"): (PUBLIC, Scope.none),
    ("GET", "/api/v1/ready"): (PUBLIC, Scope.none),
    ("GET", "/metrics"): (Action.read_service_metrics, Scope.none),
    ("POST", "/api/v1/events"): (Action.send_events, Scope.none),
    ("POST", "/api/v1/imports"): (Action.send_events, Scope.none),
    ("GET", "/api/v1/quarantine"): (Action.read_quarantine, Scope.none),
    ("POST", "/api/v1/quarantine/{entry_id}/resubmit"): (Action.resubmit_quarantine, Scope.none),
    ("GET", "/api/v1/teams"): (Action.read_organisation, Scope.none),
    ("PUT", "/api/v1/teams/{team_id}"): (Action.write_organisation, Scope.none),
    ("GET", "/api/v1/workers"): (Action.read_organisation, Scope.none),
    ("PUT", "/api/v1/workers/{worker_id}"): (Action.write_organisation, Scope.none),
    ("POST", "/api/v1/teams/import"): (Action.write_organisation, Scope.none),
    ("POST", "/api/v1/workers/import"): (Action.write_organisation, Scope.none),
    ("GET", "/api/v1/sources"): (Action.read_sources, Scope.none),
    ("POST", "/api/v1/sources"): (Action.write_sources, Scope.none),
    ("DELETE", "/api/v1/sources/{name}"): (Action.write_sources, Scope.none),
    ("POST", "/api/v1/sources/{name}/run"): (Action.write_sources, Scope.none),
    ("GET", "/api/v1/metrics/definitions"): (Action.read_figures, Scope.none),
    ("GET", "/api/v1/milestones"): (Action.read_figures, Scope.scoped),
    ("GET", "/api/v1/milestones/cases"): (Action.read_case_lists, Scope.scoped),
    ("GET", "/api/v1/trend"): (Action.read_figures, Scope.scoped),
    ("GET", "/api/v1/board"): (Action.read_board, Scope.scoped),
    ("GET", "/api/v1/funnel"): (Action.read_figures, Scope.scoped),
    ("GET", "/api/v1/targets"): (Action.read_targets, Scope.scoped),
    ("PUT", "/api/v1/targets"): (Action.write_targets, Scope.none),
    ("GET", "/api/v1/goals"): (Action.read_targets, Scope.scoped),
    ("PUT", "/api/v1/goals"): (Action.write_targets, Scope.none),
    ("GET", "/api/v1/norms"): (Action.read_norms, Scope.none),
    ("PUT", "/api/v1/norms"): (Action.write_norms, Scope.none),
    ("POST", "/api/v1/months/{month}/close"): (Action.close_month, Scope.scoped),
    ("GET", "/api/v1/months"): (Action.read_closed_months, Scope.scoped),
    ("GET", "/api/v1/months/{month}"): (Action.read_closed_months, Scope.scoped),
    ("GET", "/api/v1/programmes"): (Action.read_programmes, Scope.none),
    ("GET", "/api/v1/programmes/{programme}"): (Action.read_programmes, Scope.none),
    ("PUT", "/api/v1/programmes/{programme}"): (Action.write_programmes, Scope.none),
    ("GET", "/api/v1/programmes/{programme}/phases"): (Action.read_case_lists, Scope.scoped),
    ("GET", "/api/v1/programmes/{programme}/flow"): (Action.read_figures, Scope.scoped),
    ("GET", "/api/v1/programmes/{programme}/completion"): (Action.read_figures, Scope.scoped),
    ("GET", "/api/v1/jobcoach-load"): (Action.read_figures, Scope.scoped),
    ("GET", "/api/v1/programmes/{programme}/indicators"): (Action.read_quality, Scope.scoped),
    ("GET", "/api/v1/programmes/{programme}/channels"): (Action.export_reports, Scope.none),
    ("GET", "/api/v1/programmes/{programme}/reports/quarterly/{quarter}"): (Action.export_reports, Scope.none),
    ("POST", "/api/v1/reference-figures"): (Action.write_reference_figures, Scope.none),
    ("GET", "/api/v1/benchmark"): (Action.read_reference_figures, Scope.none),
    ("GET", "/api/v1/tokens"): (Action.manage_tokens, Scope.none),
    ("POST", "/api/v1/tokens"): (Action.manage_tokens, Scope.none),
    ("DELETE", "/api/v1/tokens/{token_id}"): (Action.manage_tokens, Scope.none),
    ("GET", "/api/v1/audit"): (Action.read_audit, Scope.none),
    ("GET", "/api/v1/audit.csv"): (Action.read_audit, Scope.none),
    ("DELETE", "/api/v1/cases/{case_id}"): (Action.erase_case, Scope.none),
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
