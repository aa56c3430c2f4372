"""Co-responder tiles for the dashboard and the newsletter (counts from referrals.coresponder.selectors).

Calls, resolved on scene, referrals, arrests avoided and ER visits avoided over a whole period, beside
the outreach tiles and in the same way: only for a program that runs co-responders, never for a custom
range (two ranges a day apart would tell one call's outcome). Calls are published on their own; each
other figure is a part of the calls, hidden when it or the rest of the calls is small (publish_part).
Per unit and per month: the co-responder figures page (coresponder:figures).
"""

from __future__ import annotations

from deflection.models import Program, ProgramType
from deflection.suppression import publish_count
from referrals.coresponder.selectors import encounter_counts
from reports.pages import Tile, explain, publish_part
from reports.periods import Period, PeriodKind

DETAIL = "Calls answered by an officer and clinician pair."


def coresponder_tiles(*, program: Program, period: Period) -> list[Tile]:
    if not program.runs(ProgramType.CO_RESPONDER) or period.kind == PeriodKind.CUSTOM:
        return []
    threshold = program.suppression_threshold
    (_calls_heading, calls), *parts = encounter_counts(program, period.start, period.end)
    shown = publish_count(calls, threshold)
    tiles = [Tile(label="Co-responder calls", value=shown.display, detail=explain(shown, DETAIL))]
    for heading, count in parts:
        figure = publish_part(count, calls, threshold)
        tiles.append(
            Tile(label=f"Co-responders: {heading}", value=figure.display, detail=explain(figure, f"Of {shown.display} calls."))
        )
    return tiles
