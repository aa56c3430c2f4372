"""The officer evaluation sheet: one officer's deflection summary for a period (page, CSV and PDF).

Its quality figure is the leaderboard's, published through reports.publishing; the program's share
acknowledged within 30 minutes stands in for the officer's own (reports/README.md, rule 3).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from django.utils import timezone

from deflection.models import Pathway, Program, User
from deflection.suppression import Published, Rate, rate, suppression_note
from referrals.models import Handoff
from reports import metrics
from reports.models import Commendation
from reports.outcomes import OFFICER, PROGRAM
from reports.pages import Officer, competition_ranks, program_officers
from reports.periods import Period, PeriodKind
from reports.publishing import count_and_publish, custom_counts
from training.models import Attendance


@dataclass(kw_only=True)
class EvaluationSheet:
    program: Program
    officer: User
    memberships: list[Officer]
    period: Period
    referrals: Published
    quality: Published
    quality_rate: Rate
    rank: int | None
    ranked_officers: int
    by_pathway: list[tuple[str, int]]
    by_handoff: list[tuple[str, int]]
    median_minutes: float | None
    hours_saved: float
    acknowledged_share: str
    core_completed_on: date | None
    training_in_period: list[tuple[str, date]]
    commendations: list[Commendation]
    threshold: int
    officer_outcomes: bool = True  # quality referrals are published per officer by quarter and year

    @property
    def quality_definition(self) -> str:
        return metrics.QUALITY.definition

    @property
    def suppression_note(self) -> str:
        return suppression_note(self.threshold)

    @property
    def quality_display(self) -> str:
        return self.quality.display if self.officer_outcomes else "published by quarter"

    def csv_rows(self) -> list[list[str]]:
        """The sheet as (section, measure, value) rows: aggregates only, no participant identifiers."""
        rows = [
            ["Officer", "Name", self.officer.get_full_name() or self.officer.username],
            ["Officer", "Agency and unit", "; ".join(f"{m.agency}{' / ' + m.unit if m.unit else ''}" for m in self.memberships)],
            ["Officer", "Badge", "; ".join(m.badge for m in self.memberships if m.badge)],
            ["Period", "Period", self.period.label],
            ["Referrals", "Referrals made", self.referrals.display],
            ["Referrals", "Rank by referrals", f"{self.rank} of {self.ranked_officers}" if self.rank else "not ranked"],
            ["Outcomes", metrics.QUALITY.label, self.quality_display],
            ["Outcomes", "Quality referral rate", self.quality_rate.display if self.officer_outcomes else ""],
        ]
        rows += [["Referrals by pathway", label, str(n)] for label, n in self.by_pathway]
        rows += [["Referrals by hand-off", label, str(n)] for label, n in self.by_handoff]
        rows += [
            ["Time", "Median referral time (minutes)", f"{self.median_minutes:.1f}" if self.median_minutes is not None else ""],
            ["Time", "Booking baseline (minutes)", str(self.program.booking_baseline_minutes)],
            ["Time", "Officer hours saved", f"{self.hours_saved:.1f}"],
            ["Time", "Program-wide: acknowledged within 30 minutes", self.acknowledged_share],
            [
                "Training",
                "Core curriculum completed on",
                self.core_completed_on.isoformat() if self.core_completed_on else "not completed",
            ],
        ]
        rows += [["Training", title, day.isoformat()] for title, day in self.training_in_period]
        rows += [["Commendations", c.created_at.date().isoformat(), c.text] for c in self.commendations]
        return rows


def evaluation_sheet(*, program: Program, officer: User, period: Period, now: datetime | None = None) -> EvaluationSheet:
    """One officer's deflection summary for a period, with the quality figure exactly as the leaderboard shows it."""
    now = now or timezone.now()
    threshold = program.suppression_threshold
    if period.kind == PeriodKind.CUSTOM:
        counted = custom_counts(program=program, periods=[period], now=now)[period.key]
    else:
        counted = count_and_publish(program=program, periods=[period], months=period.months(), now=now, officers=True)
    current, counts = counted[period], counted.counts
    referrals = current.get(metrics.REFERRALS, OFFICER, officer.pk)
    # One officer's share over a few referrals (a one-day sheet: "0%" of one) says what the program did
    # with each: the sheet shows the program's published share instead (README rule 3).
    acknowledged_share = rate(current.get(metrics.ACKNOWLEDGED, PROGRAM), current.get(metrics.REFERRALS, PROGRAM), threshold)
    quality = current.get(metrics.QUALITY, OFFICER, officer.pk)
    totals = {ident: n for (level, ident), n in current.referrals.items() if level == OFFICER}
    ranks = competition_ranks(totals)
    breakdown = metrics.counts(
        program=program,
        start=period.start,
        end=period.end,
        by=("pathway", "handoff"),
        measures=(metrics.REFERRALS,),
        officer_ids=[officer.pk],
    )
    pathways: dict[str, int] = defaultdict(int)
    handoffs: dict[str, int] = defaultdict(int)
    for row in breakdown:
        pathways[row["pathway"]] += row["referrals"]
        handoffs[row["handoff"]] += row["referrals"]
    times = metrics.timings(program=program, start=period.start, end=period.end, officer_ids=[officer.pk]).get(())
    trained_on = counts.trained_on.get(officer.pk)
    attended = (
        Attendance.objects.filter(
            user=officer,
            session__course__program=program,
            session__starts_at__gte=period.start,
            session__starts_at__lt=period.end,
        )
        .select_related("session__course")
        .order_by("session__starts_at")
    )
    commendations = list(
        Commendation.objects.filter(program=program, officer=officer, created_at__gte=period.start, created_at__lt=period.end)
        .select_related("written_by")
        .order_by("-created_at")
    )
    return EvaluationSheet(
        program=program,
        officer=officer,
        memberships=[o for o in program_officers(program) if o.user_id == officer.pk],
        period=period,
        referrals=referrals,
        quality=quality,
        quality_rate=rate(quality, referrals, threshold),
        rank=ranks.get(officer.pk),
        ranked_officers=len(ranks),
        by_pathway=[(choice.label, pathways[choice.value]) for choice in Pathway if pathways.get(choice.value)],
        by_handoff=[(choice.label, handoffs[choice.value]) for choice in Handoff if handoffs.get(choice.value)],
        median_minutes=times.median_completion_minutes if times else None,
        hours_saved=metrics.officer_hours_saved(
            referrals=times.referrals if times else 0,
            completion_seconds=times.completion_seconds if times else 0,
            booking_baseline_minutes=program.booking_baseline_minutes,
        ),
        acknowledged_share=acknowledged_share.display,
        core_completed_on=trained_on,
        training_in_period=[(a.session.course.title, program.local_date(a.session.starts_at)) for a in attended],
        commendations=commendations,
        threshold=threshold,
        officer_outcomes=current.officer_level,
    )
