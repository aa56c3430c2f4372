"""Read-only referral queries with real logic."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Aggregate, Count, FloatField
from django.utils import timezone

from deflection.models import Program
from referrals.models import Referral


class Median(Aggregate):
    """PostgreSQL's exact median, computed in the database."""

    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


@dataclass(frozen=True)
class CompletionTimes:
    referrals: int
    median_minutes: float | None
    baseline_minutes: int

    @property
    def minutes_saved_each(self) -> float | None:
        if self.median_minutes is None:
            return None
        return round(self.baseline_minutes - self.median_minutes, 1)


def completion_times(program: Program, days: int = 90, now: datetime.datetime | None = None) -> CompletionTimes:
    """How long officers' referral forms took (first open to acknowledged submit) against booking."""
    since = (now or timezone.now()) - datetime.timedelta(days=days)
    row = Referral.objects.filter(program=program, created_at__gte=since).aggregate(
        n=Count("id"), median=Median("completion_seconds")
    )
    median = round(row["median"] / 60, 1) if row["median"] is not None else None
    return CompletionTimes(row["n"], median, program.booking_baseline_minutes)
