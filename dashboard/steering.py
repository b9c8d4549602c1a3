"""Which figures the team steering view and its printed meeting pack show, in one order."""

OTHER_FIGURES = (
    "active_cases", "follow_up_overdue", "waiting_for_company_consultant", "follow_ups",
    "three_party_follow_ups", "median_days_to_company_consultant",
)
WORKER_COLUMNS = ("in_placement", "placement_starts", "cv_done", "with_ordinary_hours", "follow_up_overdue",
                  "waiting_for_company_consultant")
CHARTS = ("in_placement", "placement_starts", "cv_share", "with_ordinary_hours")
