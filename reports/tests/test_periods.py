"""Reporting periods: local calendar days turned into UTC [start, end), across month ends and DST."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deflection.program_time import local_midnight
from reports.periods import (
    Period,
    PeriodKind,
    last_complete_month,
    last_complete_quarter,
    trailing_months,
)

CHICAGO = "America/Chicago"


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def test_a_month_runs_from_local_midnight_to_local_midnight():
    january = Period.month(2026, 1, CHICAGO)
    assert (january.start, january.end) == (utc(2026, 1, 1, 6), utc(2026, 2, 1, 6))  # CST is UTC-6
    assert january.label == "January 2026"
    assert january.key == "2026-01"
    assert january.days == 31


def test_a_month_with_the_spring_change_is_an_hour_short():
    march = Period.month(2026, 3, CHICAGO)  # clocks go forward on 8 March 2026
    assert march.start == utc(2026, 3, 1, 6)
    assert march.end == utc(2026, 4, 1, 5)  # CDT is UTC-5
    assert march.end - march.start == timedelta(days=31, hours=-1)


def test_a_month_with_the_autumn_change_is_an_hour_long():
    november = Period.month(2026, 11, CHICAGO)  # clocks go back on 1 November 2026, at 02:00
    assert november.start == utc(2026, 11, 1, 5)
    assert november.end - november.start == timedelta(days=30, hours=1)


def test_the_day_of_a_change_has_23_or_25_hours():
    spring = Period.custom(date(2026, 3, 8), date(2026, 3, 8), CHICAGO)
    autumn = Period.custom(date(2026, 11, 1), date(2026, 11, 1), CHICAGO)
    assert spring.end - spring.start == timedelta(hours=23)
    assert autumn.end - autumn.start == timedelta(hours=25)


def test_a_day_whose_midnight_is_skipped_starts_when_the_clocks_jump():
    # Santiago moved its clocks from 24:00 on 5 September 2026 to 01:00 on the 6th.
    zone = "America/Santiago"
    start = local_midnight(date(2026, 9, 6), zone)
    assert start == utc(2026, 9, 6, 4)
    assert start.astimezone(ZoneInfo(zone)).hour == 1
    day_before = Period.custom(date(2026, 9, 5), date(2026, 9, 5), zone)
    assert day_before.end == start
    assert day_before.end - day_before.start == timedelta(hours=24)  # 00:00 (UTC-4) to the jump


def test_southern_and_eastern_time_zones():
    assert Period.month(2026, 4, "Australia/Sydney").start == utc(2026, 3, 31, 13)  # AEDT is UTC+11
    assert Period.month(2026, 4, "Australia/Sydney").end == utc(2026, 4, 30, 14)  # AEST is UTC+10
    assert Period.year(2026, "Asia/Kolkata").start == datetime(2025, 12, 31, 18, 30, tzinfo=UTC)


def test_quarters_and_years():
    q1 = Period.quarter(2026, 1, CHICAGO)
    assert (q1.first_day, q1.last_day, q1.label, q1.key) == (date(2026, 1, 1), date(2026, 3, 31), "Q1 2026", "2026-Q1")
    assert Period.quarter(2026, 4, CHICAGO).last_day == date(2026, 12, 31)
    year = Period.year(2026, CHICAGO)
    assert (year.label, year.key, year.days) == ("2026", "2026", 365)
    assert Period.year(2028, CHICAGO).days == 366
    with pytest.raises(ValueError):
        Period.quarter(2026, 5, CHICAGO)


def test_previous_period_of_the_same_kind_across_year_ends():
    assert Period.month(2026, 1, CHICAGO).previous() == Period.month(2025, 12, CHICAGO)
    assert Period.month(2026, 3, CHICAGO).previous().days == 28
    assert Period.quarter(2026, 1, CHICAGO).previous() == Period.quarter(2025, 4, CHICAGO)
    assert Period.year(2026, CHICAGO).previous() == Period.year(2025, CHICAGO)
    assert Period.month(2025, 12, CHICAGO).next() == Period.month(2026, 1, CHICAGO)


def test_previous_custom_range_has_as_many_days_immediately_before():
    custom = Period.custom(date(2026, 3, 1), date(2026, 3, 15), CHICAGO)
    previous = custom.previous()
    assert (previous.first_day, previous.last_day) == (date(2026, 2, 14), date(2026, 2, 28))
    assert previous.end == custom.start


def test_custom_labels():
    def label(first, last):
        return Period.custom(first, last, CHICAGO).label

    assert label(date(2026, 3, 1), date(2026, 3, 15)) == "1–15 March 2026"
    assert label(date(2026, 3, 3), date(2026, 4, 16)) == "3 March – 16 April 2026"
    assert label(date(2025, 12, 3), date(2026, 1, 16)) == "3 December 2025 – 16 January 2026"
    assert label(date(2026, 3, 3), date(2026, 3, 3)) == "3 March 2026"


def test_containing_uses_the_local_date():
    # 03:00 UTC on 1 April is still 31 March in Chicago.
    moment = utc(2026, 4, 1, 3)
    assert Period.containing("month", moment, CHICAGO) == Period.month(2026, 3, CHICAGO)
    assert Period.containing(PeriodKind.QUARTER, moment, CHICAGO) == Period.quarter(2026, 1, CHICAGO)
    assert Period.containing("month", moment, "Europe/London") == Period.month(2026, 4, "Europe/London")
    with pytest.raises(ValueError, match="aware"):
        Period.containing("month", datetime(2026, 4, 1), CHICAGO)


def test_the_newsletter_on_the_first_reports_on_the_month_before():
    run_at = datetime(2026, 1, 1, 6, tzinfo=ZoneInfo(CHICAGO))
    assert last_complete_month(run_at, CHICAGO) == Period.month(2025, 12, CHICAGO)
    assert last_complete_quarter(run_at, CHICAGO) == Period.quarter(2025, 4, CHICAGO)


def test_months_of_a_period_for_a_trend():
    quarter = Period.quarter(2026, 1, CHICAGO)
    assert [month.short_label for month in quarter.months()] == ["Jan 2026", "Feb 2026", "Mar 2026"]
    custom = Period.custom(date(2026, 1, 20), date(2026, 3, 2), CHICAGO)
    assert [month.key for month in custom.months()] == ["2026-01", "2026-02", "2026-03"]
    trend = trailing_months(Period.month(2026, 2, CHICAGO), 3)
    assert [month.key for month in trend] == ["2025-12", "2026-01", "2026-02"]


@pytest.mark.parametrize("key", ["2026-03", "2026-Q1", "2026", "2026-03-01..2026-03-15"])
def test_parse_is_the_inverse_of_key(key):
    assert Period.parse(key, CHICAGO).key == key


@pytest.mark.parametrize("bad", ["", "2026-13", "2026-Q5", "March", "2026-02-30..2026-03-01", "2026-03-15..2026-03-01"])
def test_parse_refuses_anything_else_with_a_value_error(bad):
    with pytest.raises(ValueError):
        Period.parse(bad, CHICAGO)


def test_an_unknown_time_zone_is_refused():
    with pytest.raises(Exception):  # noqa: B017  (ZoneInfoNotFoundError is a KeyError)
        Period.month(2026, 1, "Mars/Olympus_Mons")


zones = st.sampled_from(["America/Chicago", "America/New_York", "America/Santiago", "Europe/London", "Australia/Lord_Howe"])


@settings(max_examples=200, deadline=None)
@given(st.integers(1990, 2060), st.integers(1, 12), zones)
def test_consecutive_months_tile_time_without_gaps_or_overlaps(year, month, zone):
    period = Period.month(year, month, zone)
    assert period.previous().end == period.start
    assert period.end == period.next().start
    assert period.start < period.end
    assert period.contains(period.start) and not period.contains(period.end)
    assert period.start.astimezone(ZoneInfo(zone)).date() == period.first_day


@settings(max_examples=100, deadline=None)
@given(st.integers(1990, 2060), st.integers(1, 4), zones)
def test_a_quarter_is_its_three_months(year, quarter, zone):
    period = Period.quarter(year, quarter, zone)
    months = period.months()
    assert len(months) == 3
    assert (months[0].start, months[-1].end) == (period.start, period.end)
    assert period.previous().end == period.start
