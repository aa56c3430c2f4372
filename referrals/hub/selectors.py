"""Reads for the HUB pages: de-identified lists, the 48-hour clock, and the table's own figures.

Nothing here touches SituationIdentity except `identity_for`, which answers None to anyone the table
did not assign (access.may_see_identity); pages and tests read identity through it alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, QuerySet
from django.db.models.functions import ExtractYear
from django.utils import timezone

from deflection.models import User
from deflection.suppression import Rate, SuppressedSeries, SuppressedTable, rate, suppress_series, suppress_table
from referrals.hub import access
from referrals.hub.models import (
    INTERVENTION_WINDOW,
    AgeGroup,
    CloseReason,
    HubMeeting,
    HubTable,
    RiskFactor,
    Situation,
    SituationIdentity,
    SituationStatus,
)

OPEN_STATUSES = (SituationStatus.PRESENTED, SituationStatus.ACUTE, SituationStatus.INTERVENTION)


def open_situations(table: HubTable) -> QuerySet[Situation]:
    """The table page's list: de-identified, overdue interventions first, then oldest first."""
    return (
        Situation.objects.filter(table=table, status__in=OPEN_STATUSES)
        .select_related("presenting_agency", "lead_agency", "meeting")
        .order_by("intervention_due_at", "presented_at")
    )


def overdue_interventions(table: HubTable, now=None) -> QuerySet[Situation]:
    """The 48-hour clock: acute situations past their due time with no intervention agreed."""
    return Situation.objects.filter(
        table=table, status=SituationStatus.ACUTE, intervention_due_at__lt=now or timezone.now()
    ).order_by("intervention_due_at")


def recent_meetings(table: HubTable, limit: int = 12) -> list[HubMeeting]:
    return list(
        HubMeeting.objects.filter(table=table).annotate(situation_count=Count("situations")).order_by("-starts_at")[:limit]
    )


def meeting_situations(meeting: HubMeeting) -> QuerySet[Situation]:
    return meeting.situations.select_related("presenting_agency", "lead_agency").order_by("presented_at")


def identity_shared(situation: Situation) -> bool:
    """Whether the presenting agency has shared who it is (the fact only, for every table member)."""
    return situation.met_threshold and SituationIdentity.objects.filter(situation=situation).exists()


def identity_for(user: User, situation: Situation) -> SituationIdentity | None:
    """Who the situation is about, for a representative of an assigned agency only; None for anyone else."""
    if not access.may_see_identity(user, situation):
        return None
    return SituationIdentity.objects.filter(situation=situation).first()


@dataclass(frozen=True)
class TableFigures:
    """The table's own de-identified statistics, each suppressed (deflection.suppression)."""

    decisions: SuppressedTable  # age group x decision (acute / below the threshold)
    outcomes: SuppressedTable  # closing year x reason
    risk_factors: SuppressedSeries  # situations citing each risk factor (no total: one situation cites several)
    within_48_hours: Rate  # interventions agreed within 48 hours of the decision, of those recorded
    threshold: int


ACUTE_LABEL = "Acute elevated risk"
BELOW_LABEL = "Below the threshold"


def table_figures(table: HubTable) -> TableFigures:
    threshold = table.program.suppression_threshold
    decided = Situation.objects.filter(table=table).exclude(status=SituationStatus.PRESENTED)
    decision_rows = {label: {ACUTE_LABEL: 0, BELOW_LABEL: 0} for label in AgeGroup.labels}
    for row in decided.values("age_group", "status").annotate(n=Count("pk")):
        column = BELOW_LABEL if row["status"] == SituationStatus.BELOW_THRESHOLD else ACUTE_LABEL
        decision_rows[AgeGroup(row["age_group"]).label][column] += row["n"]

    closed = decided.filter(status=SituationStatus.CLOSED)
    outcome_rows: dict[str, dict[str, int]] = {}
    # Years where the program is, so a situation closed on New Year's Eve counts in the program's year.
    for row in (
        closed.annotate(year=ExtractYear("closed_at", tzinfo=table.program.tz))
        .values("year", "close_reason")
        .annotate(n=Count("pk"))
    ):
        outcome_rows.setdefault(str(row["year"]), {})[CloseReason(row["close_reason"]).label] = row["n"]
    outcome_rows = dict(sorted(outcome_rows.items()))

    risk_counts = dict.fromkeys(RiskFactor.values, 0)
    for factors in Situation.objects.filter(table=table).values_list("risk_factors", flat=True):
        for factor in factors:
            risk_counts[factor] = risk_counts.get(factor, 0) + 1

    timed = list(decided.filter(intervention_at__isnull=False).values_list("decided_at", "intervention_at"))
    in_window = sum(1 for decided_at, at in timed if at - decided_at <= INTERVENTION_WINDOW)
    return TableFigures(
        decisions=suppress_table(decision_rows, threshold, columns=[ACUTE_LABEL, BELOW_LABEL]),
        outcomes=suppress_table(outcome_rows, threshold, columns=CloseReason.labels),
        risk_factors=suppress_series({RiskFactor(k).label: v for k, v in risk_counts.items()}, threshold, with_total=False),
        within_48_hours=rate(in_window, len(timed), threshold),
        threshold=threshold,
    )
