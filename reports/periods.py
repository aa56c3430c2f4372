"""Reporting periods: months, quarters, years and custom ranges of days in a program's time zone.

Every report is read "for March 2026" or "for Q1 2026" as the program's staff live it, so a period
is a range of local calendar days; `start` and `end` turn it into the UTC instants [start, end) that
queries filter on (times are stored in UTC). `Period` itself is pure (no models, no settings).

The end of the module reads a period from a page's query string (?period=2026-03, ?start=&end=),
offers the picker's choices and says which period a page opens on: every report view parses its
period here and nowhere else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.utils import timezone

from deflection.program_time import local_midnight
from reports import metrics

if TYPE_CHECKING:
    from deflection.models import Program

# English month names, fixed rather than from the locale so labels read the same on every server.
MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

# A custom range longer than this is almost certainly a typo in a URL, and would make reports crawl.
LONGEST_CUSTOM_RANGE = timedelta(days=366 * 10)


class PeriodKind(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"
    CUSTOM = "custom"


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    """Local calendar days first_day..last_day (inclusive) in one time zone."""

    kind: PeriodKind
    first_day: date
    last_day: date
    time_zone: str

    def __post_init__(self):
        if self.last_day < self.first_day:
            raise ValueError("a period cannot end before it starts")
        ZoneInfo(self.time_zone)  # an unknown zone fails here, not at the first query

    # Constructors ---------------------------------------------------------------------------------

    @classmethod
    def month(cls, year: int, month: int, time_zone: str) -> Period:
        first = date(year, month, 1)
        return cls(PeriodKind.MONTH, first, _add_months(first, 1) - timedelta(days=1), str(time_zone))

    @classmethod
    def quarter(cls, year: int, quarter: int, time_zone: str) -> Period:
        if quarter not in (1, 2, 3, 4):
            raise ValueError("a quarter is 1, 2, 3 or 4")
        first = date(year, 3 * quarter - 2, 1)
        return cls(PeriodKind.QUARTER, first, _add_months(first, 3) - timedelta(days=1), str(time_zone))

    @classmethod
    def year(cls, year: int, time_zone: str) -> Period:
        return cls(PeriodKind.YEAR, date(year, 1, 1), date(year, 12, 31), str(time_zone))

    @classmethod
    def custom(cls, first_day: date, last_day: date, time_zone: str) -> Period:
        if last_day - first_day > LONGEST_CUSTOM_RANGE:
            raise ValueError("a custom period may be at most ten years long")
        return cls(PeriodKind.CUSTOM, first_day, last_day, str(time_zone))

    @classmethod
    def containing(cls, kind: PeriodKind | str, moment: datetime, time_zone: str) -> Period:
        """The month, quarter or year that holds `moment` (an aware datetime) in the time zone."""
        if moment.tzinfo is None:
            raise ValueError("pass an aware datetime (times are stored in UTC)")
        day = moment.astimezone(ZoneInfo(time_zone)).date()
        kind = PeriodKind(kind)
        if kind == PeriodKind.MONTH:
            return cls.month(day.year, day.month, time_zone)
        if kind == PeriodKind.QUARTER:
            return cls.quarter(day.year, (day.month - 1) // 3 + 1, time_zone)
        if kind == PeriodKind.YEAR:
            return cls.year(day.year, time_zone)
        raise ValueError("a custom period is given by its days, not by a moment")

    @classmethod
    def parse(cls, key: str, time_zone: str) -> Period:
        """The period named by `key` ("2026-03", "2026-Q1", "2026", "2026-03-01..2026-03-15").

        Raises ValueError for anything else, so a view can answer 400 to a bad query string.
        """
        key = key.strip()
        try:
            if match := re.fullmatch(r"(\d{4})-(\d{2})", key):
                return cls.month(int(match[1]), int(match[2]), time_zone)
            if match := re.fullmatch(r"(\d{4})-[Qq]([1-4])", key):
                return cls.quarter(int(match[1]), int(match[2]), time_zone)
            if re.fullmatch(r"\d{4}", key):
                return cls.year(int(key), time_zone)
            if match := re.fullmatch(r"(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})", key):
                return cls.custom(date.fromisoformat(match[1]), date.fromisoformat(match[2]), time_zone)
        except ValueError as error:
            raise ValueError(f"{key!r} is not a period: {error}") from None
        raise ValueError(f"{key!r} is not a period (try 2026-03, 2026-Q1, 2026 or 2026-03-01..2026-03-15)")

    # What reports use -----------------------------------------------------------------------------

    @property
    def start(self) -> datetime:
        """The first instant of the period, in UTC (inclusive)."""
        return local_midnight(self.first_day, self.time_zone)

    @property
    def end(self) -> datetime:
        """The first instant after the period, in UTC (exclusive)."""
        return local_midnight(self.last_day + timedelta(days=1), self.time_zone)

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment < self.end

    @property
    def key(self) -> str:
        """The inverse of `parse`, for URLs and file names."""
        if self.kind == PeriodKind.MONTH:
            return f"{self.first_day:%Y-%m}"
        if self.kind == PeriodKind.QUARTER:
            return f"{self.first_day.year}-Q{self.quarter_number}"
        if self.kind == PeriodKind.YEAR:
            return str(self.first_day.year)
        return f"{self.first_day.isoformat()}..{self.last_day.isoformat()}"

    @property
    def quarter_number(self) -> int:
        return (self.first_day.month - 1) // 3 + 1

    @property
    def label(self) -> str:
        """How people say it: "March 2026", "Q1 2026", "2026", "1–15 March 2026"."""
        first, last = self.first_day, self.last_day
        if self.kind == PeriodKind.MONTH:
            return f"{MONTH_NAMES[first.month - 1]} {first.year}"
        if self.kind == PeriodKind.QUARTER:
            return f"Q{self.quarter_number} {first.year}"
        if self.kind == PeriodKind.YEAR:
            return str(first.year)
        if first == last:
            return f"{first.day} {MONTH_NAMES[first.month - 1]} {first.year}"
        if (first.year, first.month) == (last.year, last.month):
            return f"{first.day}–{last.day} {MONTH_NAMES[first.month - 1]} {first.year}"
        if first.year == last.year:
            return f"{first.day} {MONTH_NAMES[first.month - 1]} – {last.day} {MONTH_NAMES[last.month - 1]} {last.year}"
        return f"{first.day} {MONTH_NAMES[first.month - 1]} {first.year} – {last.day} {MONTH_NAMES[last.month - 1]} {last.year}"

    @property
    def short_label(self) -> str:
        """For chart axes: "Mar 2026" for a month, otherwise the label."""
        if self.kind == PeriodKind.MONTH:
            return f"{MONTH_NAMES[self.first_day.month - 1][:3]} {self.first_day.year}"
        return self.label

    def __str__(self) -> str:
        return self.label

    def shifted(self, steps: int) -> Period:
        """The period `steps` lengths later (negative: earlier), of the same kind."""
        if self.kind == PeriodKind.MONTH:
            first = _add_months(self.first_day, steps)
            return Period.month(first.year, first.month, self.time_zone)
        if self.kind == PeriodKind.QUARTER:
            first = _add_months(self.first_day, 3 * steps)
            return Period.quarter(first.year, (first.month - 1) // 3 + 1, self.time_zone)
        if self.kind == PeriodKind.YEAR:
            return Period.year(self.first_day.year + steps, self.time_zone)
        offset = timedelta(days=self.days * steps)
        return Period.custom(self.first_day + offset, self.last_day + offset, self.time_zone)

    def previous(self) -> Period:
        """The period just before, of the same length: the previous month, quarter or year, or as
        many days immediately before a custom range (for "change since last period" and rank change)."""
        return self.shifted(-1)

    def next(self) -> Period:
        return self.shifted(1)

    def months(self) -> list[Period]:
        """The calendar months the period touches, in order (the x axis of a monthly trend)."""
        first = Period.month(self.first_day.year, self.first_day.month, self.time_zone)
        months = [first]
        while months[-1].last_day < self.last_day:
            months.append(months[-1].next())
        return months


def last_complete_month(now: datetime, time_zone: str) -> Period:
    """The month before the one holding `now`: what the newsletter on the 1st reports on."""
    return Period.containing(PeriodKind.MONTH, now, time_zone).previous()


def last_complete_quarter(now: datetime, time_zone: str) -> Period:
    return Period.containing(PeriodKind.QUARTER, now, time_zone).previous()


def trailing_months(last: Period, count: int) -> list[Period]:
    """`count` months ending with the month `last`, oldest first (e.g. an 18-month trend)."""
    if last.kind != PeriodKind.MONTH:
        raise ValueError("trailing months end with a month")
    if count < 1:
        raise ValueError("at least one month")
    return [last.shifted(-steps) for steps in range(count - 1, -1, -1)]


# Periods of a page: the query string, the picker, the period a page opens on ----------------------


class BadPeriod(ValueError):
    """The query string names no period; the view answers 400 with this message."""


def latest_final(period: Period, now: datetime) -> Period:
    """The latest period of the same kind, up to `period`, whose 30-day outcomes are final."""
    candidate = period
    while not metrics.is_final(metrics.QUALITY, candidate.end, now):
        candidate = candidate.previous()
    return candidate


def period_choices(program: Program, now: datetime | None = None, months: int = 18) -> list[tuple[str, str]]:
    """Recent months, quarters and years for the picker, newest first."""
    now = now or timezone.now()
    this_month = Period.containing(PeriodKind.MONTH, now, program.time_zone)
    this_quarter = Period.containing(PeriodKind.QUARTER, now, program.time_zone)
    this_year = Period.containing(PeriodKind.YEAR, now, program.time_zone)
    choices = [(this_month.shifted(-n).key, this_month.shifted(-n).label) for n in range(months)]
    choices += [(this_quarter.shifted(-n).key, this_quarter.shifted(-n).label) for n in range(6)]
    choices += [(this_year.shifted(-n).key, this_year.shifted(-n).label) for n in range(3)]
    return choices


def default_period(program: Program, now: datetime | None = None) -> Period:
    """The month a report page opens on: the latest one with published figures, i.e. the last complete month.

    Its outcomes may still be open; each such tile says so and why (reports.pages.explain). Opening on
    the latest month whose outcomes are final would show staff a month two months back.
    """
    now = now or timezone.now()
    return last_complete_month(now, program.time_zone)


def period_from_query(query, program: Program, default: Period | None = None) -> Period:
    """The period named by ?period=2026-03 (or ?start=...&end=... for a custom range).

    Raises BadPeriod with a message for the page, never anything else.
    """
    start, end = (query.get("start") or "").strip(), (query.get("end") or "").strip()
    key = (query.get("period") or "").strip()
    if start or end:
        if not (start and end):
            raise BadPeriod("A custom range needs both a first and a last day.")
        key = f"{start}..{end}"
    if not key:
        return default or default_period(program)
    if len(key) > 40:
        raise BadPeriod("That is not a period.")
    try:
        period = Period.parse(key, program.time_zone)
    except ValueError as error:
        raise BadPeriod(f"{error}.") from None
    if period.first_day.year < 2000 or period.last_day.year > 2100:
        raise BadPeriod("Periods run from the year 2000 to 2100.")
    if period.last_day - period.first_day > LONGEST_CUSTOM_RANGE:
        raise BadPeriod("A period may be at most ten years long.")
    return period
