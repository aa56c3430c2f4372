"""Reads for the co-responder pages: the officer's latest encounters and the figures per unit and month."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from deflection.models import Program, Role, Unit, User
from deflection.suppression import Published, suppress_series, suppression_note
from referrals.coresponder.models import Encounter

# (key, column heading, aggregate): the figures the issue names, in the page's order.
MEASURES = [
    ("calls", "Calls", Count("id")),
    ("resolved", "Resolved on scene", Count("id", filter=Q(resolved_on_scene=True))),
    ("referrals", "Referrals", Count("referral")),
    ("arrests_avoided", "Arrests avoided", Count("id", filter=Q(arrest_avoided=True))),
    ("er_avoided", "ER visits avoided", Count("id", filter=Q(er_visit_avoided=True))),
]
NO_UNIT = "No unit"


def recent_encounters(officer: User, limit: int = 10) -> QuerySet[Encounter]:
    return Encounter.objects.filter(logged_by=officer).select_related("referral", "clinician").order_by("-occurred_at")[:limit]


def clinicians_for(program: Program) -> QuerySet[User]:
    """The clinicians an officer pairs with: case managers and peers of the program's agencies."""
    return (
        User.objects.filter(
            is_active=True,
            memberships__is_active=True,
            memberships__role=Role.CASE_MANAGER,
            memberships__agency_id__in=program.agency_ids(),
        )
        .distinct()
        .order_by("last_name", "first_name")
    )


def last_clinician(officer: User) -> int | None:
    """The officer's partner on their last call: a pair usually rides together a whole shift."""
    return Encounter.objects.filter(logged_by=officer).order_by("-occurred_at").values_list("clinician_id", flat=True).first()


def month_bounds(program: Program, month: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """The first and the next month's first instant of `month` (its first day) where the program is."""
    following = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return program.local_midnight(month), program.local_midnight(following)


@dataclass(frozen=True)
class FiguresRow:
    label: str
    figures: list[Published]


@dataclass(frozen=True)
class EncounterFigures:
    month: datetime.date
    headings: list[str]
    rows: list[FiguresRow]
    total: FiguresRow
    note: str

    @property
    def has_suppressed(self) -> bool:
        return any(f.is_suppressed for row in [*self.rows, self.total] for f in row.figures)


def encounter_figures(program: Program, month: datetime.date) -> EncounterFigures:
    """Each measure per unit for one calendar month, with the program's total, suppressed.

    Months never overlap, so no figure can be found by subtracting one period from another; each
    measure is one series with its total (deflection.suppression), so no hidden unit can be found
    by subtracting the shown units from the total.
    """
    start, end = month_bounds(program, month)
    counts = (
        Encounter.objects.filter(program=program, occurred_at__gte=start, occurred_at__lt=end)
        .values("unit_id")
        .annotate(**{key: aggregate for key, _heading, aggregate in MEASURES})
        .order_by()
    )
    by_unit = {row["unit_id"]: row for row in counts}
    units = {u.pk: u for u in Unit.objects.filter(pk__in=[k for k in by_unit if k]).select_related("agency")}
    labels = {unit_id: (f"{units[unit_id].agency.name}: {units[unit_id].name}" if unit_id else NO_UNIT) for unit_id in by_unit}
    order = sorted(by_unit, key=lambda unit_id: (unit_id is None, labels[unit_id]))
    threshold = program.suppression_threshold
    series = {key: suppress_series({labels[u]: by_unit[u][key] for u in order}, threshold) for key, _heading, _agg in MEASURES}
    rows = [FiguresRow(labels[u], [series[key].values[labels[u]] for key, _h, _a in MEASURES]) for u in order]
    total = FiguresRow("All units", [series[key].total for key, _h, _a in MEASURES])
    return EncounterFigures(month, [heading for _k, heading, _a in MEASURES], rows, total, suppression_note(threshold))


def encounter_counts(program: Program, start: datetime.datetime, end: datetime.datetime) -> list[tuple[str, int]]:
    """(heading, raw count) of each measure over the program's encounters in [start, end), all units together.

    Raw, for the report builders to suppress (reports/coresponder.py); one query.
    """
    counts = Encounter.objects.filter(program=program, occurred_at__gte=start, occurred_at__lt=end).aggregate(
        **{key: aggregate for key, _heading, aggregate in MEASURES}
    )
    return [(heading, counts[key]) for key, heading, _aggregate in MEASURES]
