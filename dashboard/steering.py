"""Which figures the team steering view, the caseload talk and their printed packs show, in one
order."""

from __future__ import annotations

from core.contract import READINESS_LEVELS
from metrics.calendar import add_months

OTHER_FIGURES = (
    "active_cases", "follow_up_overdue", "waiting_for_company_consultant", "follow_ups",
    "three_party_follow_ups", "median_days_to_company_consultant",
)
WORKER_COLUMNS = ("in_placement", "placement_starts", "cv_done", "with_ordinary_hours", "follow_up_overdue",
                  "waiting_for_company_consultant")
READINESS_SHOWN = (*READINESS_LEVELS, "unknown")  # the contract's levels, then a case never assessed
CHARTS = ("in_placement", "placement_starts", "cv_share", "with_ordinary_hours")
TALK_FIGURES = ("in_placement", "placement_starts", "cv_done", "with_ordinary_hours", "follow_up_overdue")
TALK_MONTHS = 6


def talk_caseload(metrics, worker_id: str, month: str) -> tuple[list[str], list[dict], list[str]]:
    """A caseload talk's months (oldest first, up to `month`), the worker's caseload in each, and
    the roles it held cases in."""
    months = [add_months(month, -i) for i in range(TALK_MONTHS - 1, -1, -1)]
    history = metrics.trend("caseload", months[0], months[-1], worker_id=worker_id)["points"]
    roles = sorted({role for p in history for role, n in (p["value"] or {}).items() if n})
    return months, history, roles
