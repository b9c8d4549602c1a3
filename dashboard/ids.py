"""Every component id of the dashboard, in one place (callbacks and tests refer to these)."""

# the shell
URL = "url"
PAGE = "page"
SHELL = "shell"
LIVE_PUSH = "live-push"  # a hidden button assets/live.js clicks when the /live stream moves on
LIVE_VERSION = "live-version"

# my caseload
CASELOAD_WORKER = "caseload-worker"
CASELOAD_FILTERS = "caseload-filters"
CASELOAD_READINESS = "caseload-readiness"
CASELOAD_BODY = "caseload-body"
CASELOAD_SUMMARY = "caseload-summary"
CASELOAD_AS_OF = "caseload-as-of"

# recording from the board (dashboard/pages/caseload.py)
RECORD_CASE = "record-case"
RECORD_ACTION = "record-action"
RECORD_FIELDS = "record-fields"
RECORD_FIELD = "record-field"  # pattern-matching: {"type": RECORD_FIELD, "name": …}
RECORD_SUBMIT = "record-submit"
RECORD_UNDO = "record-undo"
RECORD_MESSAGE = "record-message"
RECORD_FORM_ID = "record-form-id"  # the form's one-time event_id
RECORD_LAST = "record-last"  # the last entry, for undo

# the XLSX round-trip (dashboard/pages/caseload.py, dashboard/sheet.py)
SHEET_DOWNLOAD = "sheet-download"
SHEET_UPLOAD = "sheet-upload"
SHEET_PREVIEW = "sheet-preview"
SHEET_PENDING = "sheet-pending"
SHEET_PENDING_CLEAR = "sheet-pending-clear"
SHEET_CONFIRM = "sheet-confirm"
SHEET_MESSAGE = "sheet-message"
SHEET_RESOLVE = "sheet-resolve"  # the conflicting rows to record from the sheet anyway

# team steering
TEAM_SELECT = "team-select"
MONTH_SELECT = "month-select"
TEAM_BODY = "team-body"
TEAM_AS_OF = "team-as-of"
TEAM_CHARTS = "team-charts"
TEAM_DRAWN = "team-drawn"  # the version the figures were drawn at; the slower sections follow it
TEAM_WORKERS = "team-workers"
TEAM_MORE = "team-more"  # quality, phases, overdue list, readiness, funnel
TEAM_MORE_DIGEST = "team-more-digest"  # what the section was drawn from, so a push redraws only on a change
TEAM_CHARTS_DIGEST = "team-charts-digest"
DRILL = "drill"  # pattern-matching: {"type": DRILL, "field": …, "worker": …}
DRILL_PANEL = "drill-panel"
DRILL_CLOSE = "drill-close"
DRILL_TITLE = "drill-title"
DRILL_BODY = "drill-body"
TEAM_PACK = "team-pack"  # the meeting pack's download link
TEAM_ACTION_TEXT = "team-action-text"
TEAM_ACTION_KIND = "team-action-kind"
TEAM_ACTION_ADD = "team-action-add"
TEAM_ACTION_LOG = "team-action-log"
TEAM_ACTION_DONE = "team-action-done"  # pattern-matching: {"type": TEAM_ACTION_DONE, "id": …}

# benchmarking
BENCH_FROM = "bench-from"
BENCH_TO = "bench-to"
BENCH_METRIC = "bench-metric"
BENCH_BODY = "bench-body"
BENCH_AS_OF = "bench-as-of"

# wall screen
WALL_TEAM = "wall-team"
WALL_BODY = "wall-body"
WALL_BACK = "wall-back"

# caseload talk
TALK_WORKER = "talk-worker"
TALK_BODY = "talk-body"
TALK_TEXT = "talk-text"
TALK_KIND = "talk-kind"
TALK_ADD = "talk-add"
TALK_LOG = "talk-log"
TALK_PDF = "talk-pdf"
TALK_DONE = "talk-done"  # pattern-matching: {"type": TALK_DONE, "id": …}

# users (admin)
USERS_TABLE = "users-table"
USER_NAME = "user-name"
USER_PASSWORD = "user-password"  # noqa: S105 (a component id, not a password)
USER_ROLE = "user-role"
USER_WORKER = "user-worker"
USER_TEAM = "user-team"
USER_CREATE = "user-create"
USER_MESSAGE = "user-message"
USER_TOGGLE = "user-toggle"  # pattern-matching: {"type": USER_TOGGLE, "id": …}

# administration (admin): forms, tables and the outcome of each change
ADMIN_TEAM_ID = "admin-team-id"
ADMIN_TEAM_NAME = "admin-team-name"
ADMIN_TEAM_UNIT = "admin-team-unit"
ADMIN_TEAM_SAVE = "admin-team-save"
ADMIN_TEAM_MESSAGE = "admin-team-message"
ADMIN_TEAMS = "admin-teams"
ADMIN_TEAM_EDIT = "admin-team-edit"  # pattern-matching: {"type": ADMIN_TEAM_EDIT, "id": …}
ADMIN_WORKER_ID = "admin-worker-id"
ADMIN_WORKER_NAME = "admin-worker-name"
ADMIN_WORKER_TEAM = "admin-worker-team"
ADMIN_WORKER_ROLES = "admin-worker-roles"
ADMIN_WORKER_SAVE = "admin-worker-save"
ADMIN_WORKER_MESSAGE = "admin-worker-message"
ADMIN_WORKERS = "admin-workers"
ADMIN_WORKER_EDIT = "admin-worker-edit"  # pattern-matching: {"type": ADMIN_WORKER_EDIT, "id": …}
ADMIN_TARGET_TEAM = "admin-target-team"
ADMIN_TARGET_METRIC = "admin-target-metric"
ADMIN_TARGET_MONTH = "admin-target-month"
ADMIN_TARGET_VALUE = "admin-target-value"
ADMIN_TARGET_SAVE = "admin-target-save"
ADMIN_TARGET_MESSAGE = "admin-target-message"
ADMIN_TARGETS = "admin-targets"
ADMIN_GOAL_TEAM = "admin-goal-team"
ADMIN_GOAL_METRIC = "admin-goal-metric"
ADMIN_GOAL_MONTH = "admin-goal-month"
ADMIN_GOAL_VALUE = "admin-goal-value"
ADMIN_GOAL_SAVE = "admin-goal-save"
ADMIN_GOAL_MESSAGE = "admin-goal-message"
ADMIN_GOALS = "admin-goals"
ADMIN_NORM_LOW = "admin-norm-low"  # pattern-matching: {"type": ADMIN_NORM_LOW, "role": …}
ADMIN_NORM_HIGH = "admin-norm-high"  # pattern-matching: {"type": ADMIN_NORM_HIGH, "role": …}
ADMIN_NORM_SAVE = "admin-norm-save"
ADMIN_NORM_MESSAGE = "admin-norm-message"
ADMIN_SOURCE_NAME = "admin-source-name"
ADMIN_SOURCE_KIND = "admin-source-kind"
ADMIN_SOURCE_LOCATION = "admin-source-location"
ADMIN_SOURCE_TOKEN = "admin-source-token"  # noqa: S105 (a component id, not a token)
ADMIN_SOURCE_INTERVAL = "admin-source-interval"
ADMIN_SOURCE_ADD = "admin-source-add"
ADMIN_SOURCE_MESSAGE = "admin-source-message"
ADMIN_SOURCES = "admin-sources"
ADMIN_SOURCE_RUN = "admin-source-run"  # pattern-matching: {"type": ADMIN_SOURCE_RUN, "name": …}
ADMIN_SOURCE_REMOVE = "admin-source-remove"  # pattern-matching: {"type": ADMIN_SOURCE_REMOVE, "name": …}
ADMIN_QUARANTINE = "admin-quarantine"
ADMIN_QUARANTINE_MESSAGE = "admin-quarantine-message"
ADMIN_RESUBMIT = "admin-resubmit"  # pattern-matching: {"type": ADMIN_RESUBMIT, "id": …}
ADMIN_TOKEN_NAME = "admin-token-name"  # noqa: S105
ADMIN_TOKEN_ROLE = "admin-token-role"  # noqa: S105
ADMIN_TOKEN_WORKER = "admin-token-worker"  # noqa: S105
ADMIN_TOKEN_TEAM = "admin-token-team"  # noqa: S105
ADMIN_TOKEN_DAYS = "admin-token-days"  # noqa: S105
ADMIN_TOKEN_CREATE = "admin-token-create"  # noqa: S105
ADMIN_TOKEN_MESSAGE = "admin-token-message"  # noqa: S105
ADMIN_TOKEN_SECRET = "admin-token-secret"  # noqa: S105 (where a new secret is shown once)
ADMIN_TOKENS = "admin-tokens"  # noqa: S105
ADMIN_TOKEN_REVOKE = "admin-token-revoke"  # noqa: S105 (pattern-matching: {"type": …, "id": …})

# Every administration list is searched and paged alike (dashboard/pages/admin/forms.py): its
# search box and its page are named after the list's table.
ADMIN_LISTS = (ADMIN_TEAMS, ADMIN_WORKERS, ADMIN_TARGETS, ADMIN_GOALS, ADMIN_SOURCES, ADMIN_QUARANTINE, ADMIN_TOKENS,
               USERS_TABLE)
LIST_PAGE = "list-page"  # pattern-matching: {"type": LIST_PAGE, "list": a table's id, "page": the page it turns to}
ADMIN_QUARANTINE_REASON = "admin-quarantine-reason"
ADMIN_DISMISS = "admin-dismiss"  # pattern-matching: {"type": ADMIN_DISMISS, "id": …}


def list_search(table: str) -> str:
    return f"{table}-search"


def list_page(table: str) -> str:
    return f"{table}-page"
