"""Calendar months in the organisation's time zone, and the instant `t` that closes each one."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from core.errors import Invalid
from core.messages import N_

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)
SECOND_US = 1_000_000
DAY_US = 86_400 * SECOND_US
MONTH_PATTERN = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


# The years events may carry (ingest refuses others); months outside have no figures.
FIRST_YEAR, LAST_YEAR = 1900, 2199


class MonthError(Invalid):
    """A month that cannot be answered: malformed, or in the future (the API says 422)."""


class FutureMonth(MonthError):
    pass


def to_us(instant: datetime) -> int:
    """An aware instant as integer microseconds since the Unix epoch (exact, cheap to compare)."""
    return (instant - EPOCH) // MICROSECOND


def from_us(value: int) -> datetime:
    return EPOCH + timedelta(microseconds=value)


def parse_month(text: str) -> tuple[int, int]:
    match = MONTH_PATTERN.match(text or "")
    if not match:
        raise MonthError(f"month must be YYYY-MM, got {text!r}", key=N_("error_month_form"), month=text)
    year = int(match.group(1))
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise MonthError(f"month must be between {FIRST_YEAR}-01 and {LAST_YEAR}-12", key=N_("error_month_range"),
                         first=FIRST_YEAR, last=LAST_YEAR)
    return year, int(match.group(2))


def format_month(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def next_month(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def previous_month(year: int, month: int) -> tuple[int, int]:
    return (year - 1, 12) if month == 1 else (year, month - 1)


def add_months(text: str, count: int) -> str:
    year, month = parse_month(text)
    index = year * 12 + (month - 1) + count
    return format_month(index // 12, index % 12 + 1)


def months_between(first: str, last: str) -> list[str]:
    """Every month from `first` to `last`, both included."""
    out = []
    month = first
    while month <= last:
        out.append(month)
        month = add_months(month, 1)
    return out


def month_start(text: str, zone: ZoneInfo) -> datetime:
    """Local midnight of the month's first day, as a UTC instant."""
    year, month = parse_month(text)
    return datetime(year, month, 1, tzinfo=zone).astimezone(UTC)


def month_of(instant: datetime, zone: ZoneInfo) -> str:
    local = instant.astimezone(zone)
    return format_month(local.year, local.month)


@dataclass(frozen=True, slots=True)
class MonthWindow:
    """Month M as instants: its start, its end, and `t` (the end if M is over, else now)."""

    month: str
    start: datetime
    end: datetime
    t: datetime
    current: bool
    start_us: int = 0  # the same instants as integer microseconds, for the per-case loops
    t_us: int = 0


def month_window(text: str, zone: ZoneInfo, now: datetime) -> MonthWindow:
    """The window of month `text` as seen at `now`; a month that has not begun is refused."""
    start = month_start(text, zone)
    end = month_start(add_months(text, 1), zone)
    if start > now:
        raise FutureMonth(f"{text} has not begun: no figures for a future month", key=N_("error_month_future"),
                          month=text)
    current = end > now
    t = now if current else end
    return MonthWindow(text, start, end, t, current, to_us(start), to_us(t))
