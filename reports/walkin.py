"""Walk-in (Angel) intake tiles for the dashboard and the newsletter (figures from referrals.walkin.figures)."""

from __future__ import annotations

from deflection.models import Program, ProgramType
from referrals.walkin.figures import walkin_figures
from reports.pages import Tile
from reports.periods import Period, PeriodKind


def walkin_tiles(*, program: Program, period: Period) -> list[Tile]:
    """The walk-in figures of a whole period, for a program that runs walk-in intake; none for a custom range."""
    if not program.runs(ProgramType.WALK_IN) or period.kind == PeriodKind.CUSTOM:
        return []
    figures = walkin_figures(program=program, start=period.start, end=period.end)
    return [
        Tile(label="Walk-ins asking for help", value=figures.walkins.display, detail=f"{figures.placed.display} placed."),
        Tile(label="Median time from walk-in to placement", value=figures.median, detail="From arrival at the station."),
    ]
