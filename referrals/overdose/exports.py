"""The ODMAP-compatible overdose export (issue 14): ODMAP's four facts for each overdose, and no identity.

ODMAP (the Overdose Detection Mapping Application) takes, for each overdose, when and where it happened,
whether it was fatal, and whether naloxone was given (and how many doses). Nothing about the person
leaves: no name, date of birth, phone or home address, and no participant or case id. Times are the
program's local time with their UTC offset, so a row typed at 23:30 in Chicago is not filed a day late.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import QuerySet

from deflection.models import Program
from referrals.overdose.models import Overdose

COLUMNS = [
    "incident_date",
    "incident_time",
    "utc_offset",
    "location",
    "fatal",
    "naloxone_administered",
    "naloxone_doses",
    "reporting_agency",
    "incident_number",
]


@dataclass(frozen=True)
class Range:
    """Whole local days from `first` to `last`, both included."""

    first: datetime.date
    last: datetime.date

    def bounds(self, program: Program) -> tuple[datetime.datetime, datetime.datetime]:
        return program.local_midnight(self.first), program.local_midnight(self.last + datetime.timedelta(days=1))


def default_range(program: Program) -> Range:
    """The last 30 days, today included."""
    today = program.today()
    return Range(today - datetime.timedelta(days=29), today)


def overdoses_in(program: Program, days: Range) -> QuerySet[Overdose]:
    start, end = days.bounds(program)
    return (
        Overdose.objects.filter(program=program, occurred_at__gte=start, occurred_at__lt=end)
        .select_related("agency")
        .order_by("occurred_at", "pk")
    )


def _offset(moment: datetime.datetime) -> str:
    minutes = int(moment.utcoffset().total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    # "UTC-06:00", not "-06:00": a cell that starts with "-" is a formula to a spreadsheet.
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def odmap_rows(program: Program, days: Range) -> Iterator[list[str]]:
    yield COLUMNS
    for overdose in overdoses_in(program, days).iterator(chunk_size=2000):
        local = program.localtime(overdose.occurred_at)
        yield [
            local.strftime("%Y-%m-%d"),
            local.strftime("%H:%M"),
            _offset(local),
            overdose.place,
            "Y" if overdose.fatal else "N",
            "Y" if overdose.naloxone_given else "N",
            str(overdose.naloxone_doses),
            overdose.agency.name if overdose.agency else "",
            overdose.external_ref,
        ]
