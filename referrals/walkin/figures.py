"""The walk-in figures: walk-ins, placed, and the median time from arrival to placement, suppressed.

Walk-ins and placed are a funnel (the placed are a subset), so each pair goes through
deflection.suppression.suppress_funnel: no shown pair gives away a small number who were not placed.
Months never overlap and carry no total, so no month can be found by subtraction. The median is shown
only over at least the threshold's placements. One query per page or tile, whatever the volume.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, F, Q
from django.db.models.functions import TruncMonth

from deflection.aggregates import EpochSeconds, Median
from deflection.models import Program
from deflection.suppression import NOT_SHOWN, Published, fewer_than, suppress_funnel, suppression_note
from referrals.walkin.models import WalkIn, WalkInStatus

_MEASURES = {
    "walkins": Count("pk"),
    "placed": Count("pk", filter=Q(status=WalkInStatus.PLACED)),
    "median_seconds": Median(EpochSeconds(F("placed_at") - F("arrived_at")), filter=Q(status=WalkInStatus.PLACED)),
}


def median_label(seconds: float | None, placed: int, threshold: int) -> str:
    if placed == 0 or seconds is None:
        return "none yet"
    if placed < threshold:
        return f"{NOT_SHOWN} ({fewer_than(threshold)} placed)"
    minutes = round(seconds / 60)
    return f"{minutes} min" if minutes < 120 else f"{minutes / 60:.1f} hours"


@dataclass(frozen=True)
class WalkInFigures:
    label: str
    walkins: Published
    placed: Published
    median: str


def _figures(label: str, row: dict, threshold: int) -> WalkInFigures:
    funnel = suppress_funnel({"walkins": row["walkins"], "placed": row["placed"]}, threshold)
    return WalkInFigures(
        label, funnel["walkins"], funnel["placed"], median_label(row["median_seconds"], row["placed"], threshold)
    )


def walkin_figures(*, program: Program, start: datetime.datetime, end: datetime.datetime, label: str = "") -> WalkInFigures:
    """The figures of walk-ins that arrived in [start, end)."""
    row = WalkIn.objects.filter(program=program, arrived_at__gte=start, arrived_at__lt=end).aggregate(**_MEASURES)
    return _figures(label, row, program.suppression_threshold)


@dataclass(frozen=True)
class YearFigures:
    year: int
    months: list[WalkInFigures]
    note: str

    @property
    def has_suppressed(self) -> bool:
        return any(m.walkins.is_suppressed or m.placed.is_suppressed for m in self.months)


def year_figures(program: Program, year: int) -> YearFigures:
    """Each month of the year (up to the current one) in the program's calendar, one query."""
    today = program.today()
    start = program.local_midnight(datetime.date(year, 1, 1))
    end = program.local_midnight(datetime.date(year + 1, 1, 1))
    rows = {
        row["month"].date() if isinstance(row["month"], datetime.datetime) else row["month"]: row
        for row in WalkIn.objects.filter(program=program, arrived_at__gte=start, arrived_at__lt=end)
        .annotate(month=TruncMonth("arrived_at", tzinfo=program.tz))
        .values("month")
        .annotate(**_MEASURES)
        .order_by()
    }
    empty = {"walkins": 0, "placed": 0, "median_seconds": None}
    last = 12 if year < today.year else (today.month if year == today.year else 0)
    threshold = program.suppression_threshold
    months = []
    for month in range(1, last + 1):
        first = datetime.date(year, month, 1)
        months.append(_figures(f"{first:%B %Y}", rows.get(first, empty), threshold))
    return YearFigures(year, months, suppression_note(threshold))
