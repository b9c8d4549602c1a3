"""Quality indicators of a programme per team and worker, with standard and status
(docs/programmes.md, "Quality indicators")."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from core import messages
from core.messages import LANGUAGES
from core.programmes import ProcessModel
from metrics.calendar import DAY_US
from metrics.casestate import NEVER, CaseHistory
from metrics.month_status import status

# each indicator's label is indicator_<name> in the message catalogue (core/messages.py)
INDICATORS = (
    "mid_review_share",
    "final_review_share",
    "supervisions_per_worker_year",
    "three_party_per_placement_month",
)
YEAR_DAYS = 365.25
MONTH_DAYS = YEAR_DAYS / 12


class _Tally:
    __slots__ = ("numerator", "denominator")

    def __init__(self) -> None:
        self.numerator = 0.0
        self.denominator = 0.0


def _groups(case: CaseHistory, a: int) -> list[tuple[str | None, str | None]]:
    """The team row and each holder's worker row the case counts in, judged at a."""
    team, holders = case.membership(a)
    return [(team, None), *((None, w) for w in sorted(set(holders.values())))]


def quality_indicators(
    cases: Iterable[CaseHistory],
    model: ProcessModel,
    first: int,
    end: int,
    now: int,
    workers: dict[str, str | None],
) -> list[dict[str, Any]]:
    """Rows per team and per worker for the period [first, end), as known at now.
    `workers` is the organisation data: worker → team."""
    end = min(end, now)
    tallies: dict[tuple[str | None, str | None], dict[str, _Tally]] = {}

    def tally(key, name) -> _Tally:
        return tallies.setdefault(key, {n: _Tally() for n in INDICATORS})[name]

    half_course = int(model.course_days * DAY_US / 2)
    supervisions: dict[str, int] = {}
    for case in cases:
        for at, worker in case.supervisions:
            if first <= at < end:
                supervisions[worker] = supervisions.get(worker, 0) + 1
        if case.programme != model.programme or case.opened >= NEVER:
            continue
        # mid-term talk by the middle of the planned course, for cases that reach it in the period
        middle = case.opened + half_course
        if first <= middle < end and not case.closed < middle:
            held = any(kind == "mid" and at <= middle for at, kind in case.reviews)
            for key in _groups(case, middle):
                t = tally(key, "mid_review_share")
                t.denominator += 1
                t.numerator += held
        # closed in the period, with a final talk
        if first <= case.closed < end:
            held = any(kind == "final" for _at, kind in case.reviews)
            for key in _groups(case, case.closed):
                t = tally(key, "final_review_share")
                t.denominator += 1
                t.numerator += held
        # three-party follow-ups during placements, per placement-month in the period
        spans = []
        for placement in case.placements.values():
            if placement.started >= NEVER:
                continue
            low = max(placement.started, first, case.opened)
            high = min(placement.ended, end, case.closed)
            if low < high:
                spans.append((low, high))
        if spans:
            months = sum(h - low for low, h in spans) / DAY_US / MONTH_DAYS
            held = sum(
                1 for at, _seq, three in case.follow_ups
                if three and any(low <= at < h for low, h in spans)
            )
            a = min(end, case.closed)
            for key in _groups(case, a):
                t = tally(key, "three_party_per_placement_month")
                t.denominator += months
                t.numerator += held
    years = max(end - first, 0) / DAY_US / YEAR_DAYS
    teams: dict[str | None, list[str]] = {}
    for worker, team in workers.items():
        teams.setdefault(team, []).append(worker)
    for worker in set(workers) | set(supervisions):
        t = tally((None, worker), "supervisions_per_worker_year")
        t.denominator, t.numerator = years, supervisions.get(worker, 0)
    for team, members in teams.items():
        t = tally((team, None), "supervisions_per_worker_year")
        t.denominator = years * len(members)
        t.numerator = sum(supervisions.get(w, 0) for w in members)
    rows = []
    for (team, worker), named in sorted(tallies.items(), key=lambda kv: (kv[0][1] is not None, str(kv[0]))):
        row: dict[str, Any] = {
            "team_id": team if worker is None else workers.get(worker),
            "worker_id": worker,
            "indicators": {},
        }
        for name, t in named.items():
            value = t.numerator / t.denominator if t.denominator else None
            standard = model.standards[name]
            row["indicators"][name] = {
                "labels": {lang: messages.t(f"indicator_{name}", lang) for lang in LANGUAGES},
                "value": value,
                "numerator": t.numerator,
                "denominator": round(t.denominator, 4),
                "standard": standard,
                "status": status(value, standard),
            }
        rows.append(row)
    return rows
