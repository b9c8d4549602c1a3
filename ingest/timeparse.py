"""Reads event times as the contract says: dates are local midnight, naive times are local.

A naive local time that does not exist (the hour skipped when clocks go forward) is moved
forward by the length of the gap: 02:30 on the last Sunday of March in Copenhagen is read as
03:30 summer time. A naive time that occurs twice (the hour repeated when clocks go back) is
read as its first occurrence, in summer time. Both rules are what `zoneinfo` does with
`fold=0`, and what PostgreSQL does for the same input.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from core.errors import Invalid
from core.messages import N_

# Casework happens in this range; anything outside is a typing error (and years at the edges
# of what datetime holds overflow when moved to UTC).
FIRST_YEAR, LAST_YEAR = 1900, 2199


class TimeFormatError(Invalid):
    pass


def parse_instant(value: object, zone: ZoneInfo) -> datetime:
    """An ISO 8601 date or date-time (string, or a date/datetime object) as a UTC instant."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime.combine(value, time())
    elif isinstance(value, str):
        text = value.strip()
        if not text:
            raise TimeFormatError("empty time", key=N_("error_time_empty"))
        try:
            if len(text) == 10:
                parsed = datetime.combine(date.fromisoformat(text), time())
            else:
                parsed = datetime.fromisoformat(text)
        except ValueError:
            raise TimeFormatError("not an ISO 8601 date or date-time", key=N_("error_time_form")) from None
    else:
        raise TimeFormatError("a date or date-time string is required", key=N_("error_time_form"))
    if not FIRST_YEAR <= parsed.year <= LAST_YEAR:
        raise TimeFormatError(f"the year must be between {FIRST_YEAR} and {LAST_YEAR}", key=N_("error_year_range"),
                              first=FIRST_YEAR, last=LAST_YEAR)
    if parsed.tzinfo is None:
        parsed = local_to_utc(parsed, zone)
    return parsed.astimezone(UTC)


def local_to_utc(naive: datetime, zone: ZoneInfo) -> datetime:
    """A naive wall-clock time in `zone` as a UTC instant, with the DST rules of this module."""
    first = naive.replace(tzinfo=zone, fold=0)
    instant = first.astimezone(UTC)
    return instant


def format_instant(value: datetime) -> str:
    """The canonical text of an instant: UTC, microseconds, 'Z'."""
    return utc_text(value).replace(" ", "T") + "Z"


def utc_text(value: datetime) -> str:
    """An instant as the database's text form: UTC 'YYYY-MM-DD HH:MM:SS.ffffff' (sortable)."""
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.isoformat(sep=" ", timespec="microseconds")[:26]  # without "+00:00"
