"""Event times: dates are local midnight, naive times local, DST gaps and overlaps by rule."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ingest.timeparse import TimeFormatError, parse_instant

CPH = ZoneInfo("Europe/Copenhagen")


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-01-05", utc(2026, 1, 4, 23)),  # winter: +01:00
        ("2026-07-01", utc(2026, 6, 30, 22)),  # summer: +02:00
        ("2026-01-05T00:00:00+01:00", utc(2026, 1, 4, 23)),
        ("2026-01-05T08:30:00", utc(2026, 1, 5, 7, 30)),
        ("2026-07-01T12:00:00Z", utc(2026, 7, 1, 12)),
        ("2026-07-01T12:00:00.250+00:00", utc(2026, 7, 1, 12, 0, 0, 250000)),
    ],
)
def test_dates_and_times_read_in_the_organisations_zone(text, expected):
    assert parse_instant(text, CPH) == expected


def test_a_time_skipped_by_the_spring_change_moves_forward_by_the_gap():
    # 29 March 2026: clocks go from 02:00 to 03:00. 02:30 does not exist; it is read as 03:30 CEST.
    assert parse_instant("2026-03-29T02:30:00", CPH) == utc(2026, 3, 29, 1, 30)
    assert parse_instant("2026-03-29T03:30:00", CPH) == utc(2026, 3, 29, 1, 30)


def test_a_time_repeated_by_the_autumn_change_is_its_first_occurrence():
    # 25 October 2026: 02:00–03:00 happens twice; 02:30 is read in summer time (+02:00).
    assert parse_instant("2026-10-25T02:30:00", CPH) == utc(2026, 10, 25, 0, 30)
    assert parse_instant("2026-10-25T02:30:00+01:00", CPH) == utc(2026, 10, 25, 1, 30)


@pytest.mark.parametrize("bad", ["", "yesterday", "2026-13-01", "2026-02-30", "05-01-2026", 20260105, None])
def test_what_is_not_a_time_is_refused(bad):
    with pytest.raises(TimeFormatError):
        parse_instant(bad, CPH)


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2040, 1, 1), timezones=st.just(UTC)))
def test_an_instant_with_offset_is_kept_exactly(instant):
    assert parse_instant(instant.isoformat(), CPH) == instant


@pytest.mark.parametrize("text", ["0001-01-01", "9999-12-31T23:59:59-05:00", "1899-12-31", "2200-01-01"])
def test_years_outside_casework_are_refused(text):
    with pytest.raises(TimeFormatError, match="year"):
        parse_instant(text, CPH)
