"""Every message key the product builds at run time from a vocabulary (event types, phases and
flow nodes, readiness levels, roles, reasons, metric names …) or looks up from a table, so that
`make messages` extracts them (babel.cfg) and the completeness test checks each of them."""

from __future__ import annotations

from collections.abc import Iterator

from core.access import Role
from core.contract import CLOSE_REASONS, EVENT_TYPES, OUTCOMES, PARTICIPANTS, PLACEMENT_KINDS, ROLES
from core.numbers import NumberError
from core.reasons import PATTERNS
from dashboard.i18n import READINESS_KEYS
from dashboard.sheet import COLUMNS
from ingest.sources import SOURCE_KINDS
from metrics.definitions import METRICS
from metrics.quality import INDICATORS
from metrics.stories import STORY_OUTCOMES
from services import recording

# keys the code names as plain strings in tables, templates and lists of problems rather than
# through t() (a form's problems, the sign-in page, the sheet's headers …)
LOOKED_UP = (
    "action_event_retracted", "as_of", "bad_request", "caseload_spread", "cases_behind", "closed_at",
    "closed_month", "col_cv", "col_days", "col_hours", "col_roles", "err_days", "err_exists", "err_ident",
    "err_interval", "err_low_high", "err_number", "err_required", "err_share", "err_source_name",
    "err_token_team", "err_token_worker", "err_unknown_team", "err_unknown_worker", "err_url", "err_whole",
    "filter_in_placement", "filter_no_cv", "filter_overdue", "filter_waiting", "goals",
    "invalid_action", "invalid_case", "invalid_citizen", "invalid_date", "invalid_employer",
    "invalid_future_date", "invalid_hours", "invalid_hours_per_week", "invalid_kind", "invalid_level",
    "invalid_month", "invalid_no_team", "invalid_outcome", "invalid_participants", "invalid_phase",
    "invalid_placement", "invalid_reason", "invalid_role", "invalid_worker", "live", "meeting_pack",
    "my_figures", "nav_users", "nav_wall", "no_team", "not_in_quarantine", "not_saved", "over_months",
    "password_common", "password_contains_product", "password_contains_username",
    "password_too_few_characters", "password_too_long", "password_too_short",
    "product", "record_cv_exists", "record_done", "record_on_case", "record_placement_now", "record_refused", "record_undone",
    "reference_title", "removed", "resubmit_accepted", "resubmit_duplicate", "resubmit_refused",
    "saved", "scoreboard", "sheet_bad_yes_no", "sheet_case_twice", "sheet_cell_too_long", "sheet_col_before", "sheet_col_case",
    "sheet_col_downloaded", "sheet_month_closed", "sheet_no_version", "sheet_other_team", "sheet_tampered",
    "sheet_col_change", "sheet_col_problem", "sheet_col_row", "sheet_col_value", "sheet_cv_cannot_be_removed",
    "sheet_more_changes", "sheet_no_header", "sheet_not_recorded", "sheet_not_xlsx", "sheet_recorded",
    "sheet_too_big", "sheet_unknown_case", "sign_in", "sign_in_failed", "sign_in_throttled", "since",
    "source_busy", "source_ran", "tagline", "talk_heading", "targets", "username_taken",
    "on_track", "at_risk", "behind", "trend_up", "trend_down", "trend_flat",
    # refusals whose raise names its key as a plain string (the API's figures, imports, programmes …)
    "error_team_or_worker", "error_outside_scope", "error_worker_required", "error_month_not_closed",
    "error_export_date_needs_mapping", "error_file_too_large", "error_csv_too_large",
    # … and the recording service's, and the imports service's
    "error_not_board_form", "error_case_not_own_caseload", "error_case_not_yours", "error_sheet_own_team",
    "error_case_outside_team", "error_not_sheet_event", "error_mapping_needed",
)


def vocabularies() -> dict[str, tuple[str, ...]]:
    """Each vocabulary by name, as the message keys of its members."""
    return {
        "event types": tuple(f"event_{e}" for e in EVENT_TYPES),
        "recorded actions": tuple(f"action_{a}" for a in recording.ACTIONS),
        "form fields": tuple(sorted({f"field_{f}" for fields in recording.FIELDS.values() for f in fields})),
        "readiness levels": tuple(READINESS_KEYS.values()),
        "event roles": ROLES,
        "user roles": tuple(f"role_{r.value}" for r in Role),
        "participants": tuple(f"participant_{p}" for p in PARTICIPANTS if p not in ROLES),
        "placement kinds": tuple(f"placement_kind_{k}" for k in PLACEMENT_KINDS),
        "closing reasons (and flow nodes closed:<reason>)": tuple(f"close_{r}" for r in CLOSE_REASONS),
        "outcomes": tuple(f"outcome_{o}" for o in OUTCOMES),
        "stories": (*(f"story_{o}" for o in STORY_OUTCOMES), "story_placement_started"),
        "metric names": tuple(f"metric_{m.name}" for m in METRICS),
        "metric explanations": tuple(f"metric_{m.name}_explained" for m in METRICS),
        "quality indicators": tuple(f"indicator_{i}" for i in INDICATORS),
        "quality bases": tuple(f"quality_basis_{i}" for i in INDICATORS),
        "number refusals": (*(f"number_{r}" for r in NumberError.MESSAGES),
                            *(f"number_reason_{r}" for r in NumberError.MESSAGES)),
        "server reasons": tuple(sorted({key for _, key in PATTERNS})),
        "source kinds": tuple(f"kind_{k}" for k in SOURCE_KINDS),
        "sheet columns": tuple(f"xlsx_{c}" for c in COLUMNS),
        "looked up from tables": LOOKED_UP,
    }


def keys() -> list[str]:
    """Every key of every vocabulary, once each."""
    return list(dict.fromkeys(k for members in vocabularies().values() for k in members))


def extract(fileobj, keywords, comment_tags, options) -> Iterator[tuple[int, None, str, list[str]]]:
    """Babel's extraction method for this module (babel.cfg): the vocabularies' keys."""
    for key in keys():
        yield 1, None, key, []
