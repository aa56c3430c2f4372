"""Post-overdose outreach tiles for the dashboard and the newsletter (figures from referrals.overdose.figures)."""

from __future__ import annotations

from deflection.models import Program, ProgramType
from referrals.overdose.figures import outreach_figures
from reports.pages import Tile
from reports.periods import Period, PeriodKind


def outreach_tiles(*, program: Program, period: Period) -> list[Tile]:
    """The QRT figures of a whole period, for a program that runs a QRT; none for a custom range."""
    if not program.runs(ProgramType.QUICK_RESPONSE_TEAM) or period.kind == PeriodKind.CUSTOM:
        return []
    figures = outreach_figures(program=program, start=period.start, end=period.end)
    return [
        Tile(label="Overdose survivors reached", value=figures.reached.display, detail=figures.anchors),
        Tile(label="Median time to first outreach attempt", value=figures.median_first_attempt, detail="From the overdose."),
        Tile(
            label="Overdose survivors linked to treatment",
            value=figures.linked.display,
            detail=f"Of {figures.cases.display} outreach cases.",
        ),
        Tile(label="Naloxone kits left", value=figures.kits_left.display, detail="In every unit's stock today."),
    ]
