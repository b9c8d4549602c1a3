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

# team steering
TEAM_SELECT = "team-select"
MONTH_SELECT = "month-select"
TEAM_BODY = "team-body"
TEAM_AS_OF = "team-as-of"
TEAM_CHART_METRIC = "team-chart-metric"
TEAM_CHARTS = "team-charts"
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
