"""A month's figure against its target as metrics.md states it: pro-rated, not yet reported, forecast."""

from __future__ import annotations

import calendar
import statistics
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from metrics.calendar import add_months, parse_month
from metrics.definitions import BY_NAME

AT_RISK_FROM = 0.9  # 90 % of the target and up is at risk; below that, behind
DEFAULT_REPORTING_DAY = 10  # a late-reported figure of M is due by this day of M+1
# Figures reported after their month: the hours of M arrive in M+1.
REPORTED_AFTER_THE_MONTH = frozenset({"with_ordinary_hours", "ordinary_hours"})
PROFILE_MONTHS = 6  # the forecast's within-month profile is drawn from this many past months


def status(value: float | None, target: float | None) -> str | None:
    """on_track at or above the target, at_risk from 90 % of it, behind below (higher is better)."""
    if target is None or value is None:
        return None
    if value >= target:
        return "on_track"
    if value >= AT_RISK_FROM * target:
        return "at_risk"
    return "behind"


def working_days(month: str) -> list[date]:
    """Monday to Friday of the month (no public holidays)."""
    year, number = parse_month(month)
    return [
        date(year, number, day)
        for day in range(1, calendar.monthrange(year, number)[1] + 1)
        if date(year, number, day).weekday() < 5
    ]


def working_days_elapsed(month: str, today: date) -> int:
    """Working days of the month that are over before `today` (a day counts once it has ended,
    so on the month's first day none has, and nothing can be behind yet)."""
    return sum(1 for day in working_days(month) if day < today)


def reporting_deadline(month: str, reporting_day: int = DEFAULT_REPORTING_DAY) -> date:
    """The last day on which a late-reported figure of `month` may still arrive."""
    year, number = parse_month(add_months(month, 1))
    return date(year, number, min(reporting_day, calendar.monthrange(year, number)[1]))


def is_reported(metric: str, month: str, today: date, reporting_day: int = DEFAULT_REPORTING_DAY) -> bool:
    """False for a figure reported after its month while its deadline has not passed (it passes
    when the deadline day has ended)."""
    return metric not in REPORTED_AFTER_THE_MONTH or today > reporting_deadline(month, reporting_day)


@dataclass(frozen=True, slots=True)
class MonthClock:
    """Where a month stands on a day: running or closed, its working days, the hours' deadline."""

    month: str
    today: date
    running: bool
    reporting_day: int = DEFAULT_REPORTING_DAY

    @classmethod
    def of(cls, month: str, now: datetime, zone: ZoneInfo, reporting_day: int = DEFAULT_REPORTING_DAY) -> MonthClock:
        local = now.astimezone(zone)
        return cls(month, local.date(), f"{local.year:04d}-{local.month:02d}" == month, reporting_day)

    @property
    def working_days(self) -> int:
        return len(working_days(self.month))

    @property
    def working_days_elapsed(self) -> int:
        return working_days_elapsed(self.month, self.today) if self.running else self.working_days

    def reported(self, metric: str) -> bool:
        return is_reported(metric, self.month, self.today, self.reporting_day)

    def compared_with(self, metric: str, target: float | None) -> float | None:
        """The target a figure is held against today: a flow's pro-rated to the working days
        elapsed in the running month, else the full target; None while not reported yet."""
        if target is None or not self.reported(metric):
            return None
        if self.running and BY_NAME[metric].kind == "flow":
            total, elapsed = self.working_days, self.working_days_elapsed
            # all working days over: the full target itself, not a rounding of it
            return target * elapsed / total if elapsed < total else target
        return target

    def status(self, metric: str, value: float | None, target: float | None) -> str | None:
        return status(value, self.compared_with(metric, target))


def forecast(value: float | None, elapsed: int, total: int, past_shares: list[float]) -> dict[str, float] | None:
    """The month-end figure of a flow at this pace: `value` so far over the share of their month's
    flow that past months had reached by the same working day (`past_shares`, their spread gives
    the range); without a usable past, the straight pace value × total / elapsed."""
    if value is None or elapsed <= 0 or total <= 0:
        return None
    if elapsed >= total:
        return {"low": value, "expected": value, "high": value}
    shares = [s for s in past_shares if s > 0]
    if not shares:
        straight = value * total / elapsed
        return {"low": straight, "expected": straight, "high": straight}
    # never forecast less than what is already there
    return {
        "low": max(value, value / max(shares)),
        "expected": max(value, value / statistics.median(shares)),
        "high": max(value, value / min(shares)),
    }
