"""Counting and publishing the periods a page shows: the one entry point every page and export uses.

Beside reports.outcomes (which publishes one level) and reports.publication (the linked engine): a page
asks `count_and_publish` for its periods, which loads the counts of the months they touch and publishes
every period from them in one go, or reads the whole result back from the cache when nothing changed,
or, for final periods shown before, from PostgreSQL (reports.levels keeps them) when the cache is cold.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime

from django.core.cache import cache

from deflection.models import Program
from reports import outcomes
from reports.outcomes import PeriodOutcomes
from reports.periods import Period, PeriodKind


@dataclass(kw_only=True)
class Counted:
    """Raw counts of a program and their publications for the periods a page shows."""

    program: Program
    counts: outcomes.ProgramCounts
    published: dict[str, PeriodOutcomes]
    now: datetime

    def __getitem__(self, period: Period) -> PeriodOutcomes:
        return self.published[period.key]


def months_of(*periods: Period) -> list[Period]:
    """Every month the periods touch, oldest first."""
    return sorted({month for period in periods for month in period.months()}, key=lambda m: m.first_day)


def count_and_publish(
    *, program: Program, periods: list[Period], months: list[Period], now: datetime, officers: bool = False
) -> Counted:
    """Load counts over `months` and publish `periods` from them.

    Quarters and years are always published down to each officer, so that every page that shows a
    quarter shows it the same way; months only need the counts per agency unless a page names officers.
    """
    officers = officers or any(p.kind in (PeriodKind.QUARTER, PeriodKind.YEAR) for p in periods)
    months = sorted(months, key=lambda m: m.first_day)
    inputs = outcomes.prepare(program, months, now)
    key = inputs.fingerprint(program, months, periods, now, officers)
    found = cache.get(key) if key else None
    if found is not None:
        counts, published = found
        counts.program = program
        return Counted(program=program, counts=counts, published=published, now=now)
    # Past periods shown before: their stored rows answer without the rollups (a cold cache costs a read).
    stored = outcomes.stored_outcomes(program, months, periods, now, officers=officers, inputs=inputs) if key else None
    if stored is not None:
        counts, published = stored
    else:
        counts = outcomes.load_counts(program, months, now, officers=officers, inputs=inputs)
        published = outcomes.publish_outcomes(counts, periods, now, keep_referrals=key is not None)
    if key:
        # Kept without the per-officer rows: pages need only the published figures and referral totals.
        light = dataclasses.replace(counts, cells=None, officers=False, live_cells={})
        cache.set(key, (light, published), outcomes.CACHE_SECONDS)
    return Counted(program=program, counts=counts, published=published, now=now)


def custom_counts(*, program: Program, periods: list[Period], now: datetime) -> dict[str, Counted]:
    """Custom ranges: referral counts over exactly their days (outcomes are withheld for them)."""
    result = {}
    for period in periods:
        counts = outcomes.load_custom(program, period, now)
        result[period.key] = Counted(
            program=program, counts=counts, published=outcomes.publish_outcomes(counts, [period], now), now=now
        )
    return result
