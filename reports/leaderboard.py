"""The leaderboard: officers and units by referrals and quality referrals, ranked within a filter.

It shows published figures only. Why one is hidden is decided in reports/outcomes.py (its docstring
states the rules; it runs the linked engine of reports/publication.py), for the whole program before
any filter, so a filter never changes what is hidden. Pipeline: reports/README.md.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count
from django.utils import timezone

from deflection.models import Agency, Program, Unit
from deflection.suppression import Published, suppression_note
from reports import metrics
from reports.models import Commendation
from reports.outcomes import OFFICER, UNIT, PeriodOutcomes, program_agency_ids
from reports.pages import Officer, competition_ranks, program_officers
from reports.periods import Period, PeriodKind
from reports.publishing import count_and_publish, custom_counts, months_of


@dataclass(kw_only=True)
class Ranked:
    """One row of the leaderboard: an officer (or a unit) with their figures and ranks."""

    key: int
    name: str
    referrals: Published
    quality: Published
    rank: int | None = None
    previous_rank: int | None = None
    quality_rank: int | None = None
    agency_id: int | None = None
    unit_id: int | None = None
    commendations: int = 0
    memberships: list = field(default_factory=list)
    agency_name: str = ""

    @property
    def detail(self) -> str:
        """Rank, badge, agency and unit; worked out only for the rows a page shows."""
        if not self.memberships:
            return self.agency_name
        first = self.memberships[0]
        places = ", ".join(sorted({f"{m.agency}{': ' + m.unit if m.unit else ''}" for m in self.memberships}))
        return " · ".join(filter(None, [first.rank, f"#{first.badge}" if first.badge else "", places]))

    @property
    def change(self) -> str:
        if self.rank is None or self.previous_rank is None:
            return "new" if self.rank is not None else ""
        moved = self.previous_rank - self.rank
        return f"▲{moved}" if moved > 0 else (f"▼{-moved}" if moved < 0 else "=")

    @property
    def change_label(self) -> str:
        if self.rank is None or self.previous_rank is None:
            return "no rank last period" if self.rank is not None else ""
        moved = self.previous_rank - self.rank
        if moved == 0:
            return "same rank as last period"
        return f"{'up' if moved > 0 else 'down'} {abs(moved)} since last period"


@dataclass(kw_only=True)
class Leaderboard:
    program: Program
    period: Period
    previous: Period
    officers: list[Ranked]
    units: list[Ranked]
    agencies: list[Agency]
    units_choice: list[Unit]
    agency_id: int | None
    unit_id: int | None
    sort: str
    threshold: int
    # Officers' and units' quality referrals are published by quarter and year (a month's are too few).
    officer_outcomes: bool

    @property
    def quality_definition(self) -> str:
        return metrics.QUALITY.definition

    @property
    def suppression_note(self) -> str:
        return suppression_note(self.threshold)

    @property
    def quarter(self) -> Period:
        return Period.containing(PeriodKind.QUARTER, self.period.start, self.period.time_zone)


def leaderboard(
    *,
    program: Program,
    period: Period,
    visible_agency_ids: set[int],
    agency_id: int | None = None,
    unit_id: int | None = None,
    sort: str = "referrals",
    now: datetime | None = None,
) -> Leaderboard:
    """Officers and units by referrals and quality referrals; ranks within the filter, change since last period.

    Quality figures are always published program-wide (reports.outcomes) and only then filtered, so a
    filter never changes what is hidden. Officers ranked by quality are only those whose figure is
    shown: ordering hidden figures would narrow them down.
    """
    now = now or timezone.now()
    threshold = program.suppression_threshold
    previous = period.previous()
    if period.kind == PeriodKind.CUSTOM:
        customs = custom_counts(program=program, periods=[period, previous], now=now)
        current, before = customs[period.key][period], customs[previous.key][previous]
    else:
        counted = count_and_publish(
            program=program, periods=[period, previous], months=months_of(period, previous), now=now, officers=True
        )
        current, before = counted[period], counted[previous]

    if not current.officer_level:
        sort = "referrals"  # officers' quality referrals are published by quarter and year
    everyone = [o for o in program_officers(program) if o.agency_id in visible_agency_ids]
    shown = [o for o in everyone if (agency_id is None or o.agency_id == agency_id) and (unit_id is None or o.unit_id == unit_id)]
    by_user: dict[int, list[Officer]] = defaultdict(list)
    for officer in shown:
        by_user[officer.user_id].append(officer)
    # A period's commendations are few: count them all rather than pass every officer's id to the query.
    commended = dict(
        Commendation.objects.filter(program=program, created_at__gte=period.start, created_at__lt=period.end)
        .values("officer_id")
        .annotate(n=Count("id"))
        .values_list("officer_id", "n")
    )
    rows = []
    for user_id, memberships in by_user.items():
        first = memberships[0]
        rows.append(
            Ranked(
                key=user_id,
                name=first.name,
                memberships=memberships,
                referrals=current.get(metrics.REFERRALS, OFFICER, user_id),
                quality=current.get(metrics.QUALITY, OFFICER, user_id),
                agency_id=first.agency_id,
                unit_id=first.unit_id,
                commendations=commended.get(user_id, 0),
            )
        )
    _rank(rows, before, OFFICER)
    unit_rows = []
    unit_names = {(o.unit_id): (o.unit, o.agency) for o in shown if o.unit_id}
    for unit, (name, agency_name) in unit_names.items():
        unit_rows.append(
            Ranked(
                key=unit,
                name=name,
                agency_name=agency_name,
                referrals=current.get(metrics.REFERRALS, UNIT, unit),
                quality=current.get(metrics.QUALITY, UNIT, unit),
                unit_id=unit,
            )
        )
    _rank(unit_rows, before, UNIT)
    key = (
        (lambda r: (r.quality_rank is None, r.quality_rank or 0, r.name))
        if sort == "quality"
        else (lambda r: (r.rank is None, r.rank or 0, r.name))
    )
    rows.sort(key=key)
    unit_rows.sort(key=key)
    visible_agencies = list(Agency.objects.filter(id__in=visible_agency_ids & program_agency_ids(program)).order_by("name"))
    units_choice = list(
        Unit.objects.filter(agency_id__in=[a.pk for a in visible_agencies])
        .select_related("agency")
        .order_by("agency__name", "name")
    )
    return Leaderboard(
        program=program,
        period=period,
        previous=previous,
        officers=rows,
        units=unit_rows,
        agencies=visible_agencies,
        units_choice=units_choice,
        agency_id=agency_id,
        unit_id=unit_id,
        sort=sort,
        threshold=threshold,
        officer_outcomes=current.officer_level,
    )


def _rank(rows: list[Ranked], before: PeriodOutcomes, level: str) -> None:
    ranks = competition_ranks({r.key: r.referrals.value for r in rows})
    # Referral counts are shown as they are (PeriodOutcomes.get): last period's are read as plain numbers.
    previous = competition_ranks({r.key: before.referrals.get((level, r.key), 0) for r in rows})
    quality = competition_ranks({r.key: r.quality.value for r in rows if not r.quality.is_suppressed})
    for row in rows:
        row.rank, row.previous_rank, row.quality_rank = ranks.get(row.key), previous.get(row.key), quality.get(row.key)
