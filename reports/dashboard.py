"""The command-staff dashboard: one period's tiles, charts, agency table and training comparison.

Built in a fixed number of queries whatever the size of the program: counts come from
reports.publishing (published through reports.outcomes), timings and breakdowns from reports.rollups.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone

from deflection.models import Agency, Program
from deflection.suppression import Published, Rate, Reason, rate, suppression_note
from referrals.models import Handoff
from reports import metrics, rollups
from reports.charts import Chart, bar_chart, trend_chart
from reports.coresponder import coresponder_tiles
from reports.outcomes import AGENCY, PROGRAM
from reports.outreach import outreach_tiles
from reports.pages import (
    Tile,
    TrainingComparison,
    change_label,
    clock_tiles,
    explain,
    hours_saved,
    median_tile,
    people_tile,
    program_agencies,
    referring_agencies,
    shared_charts,
    training_comparison,
    window_for,
)
from reports.periods import Period, PeriodKind
from reports.publishing import count_and_publish, custom_counts, months_of
from reports.walkin import walkin_tiles


@dataclass(kw_only=True)
class DashboardReport:
    program: Program
    period: Period
    agency: Agency | None
    agencies: list[Agency]
    tiles: list[Tile]
    trend: Chart
    funnel: Chart
    by_pathway: Chart
    by_handoff: Chart
    by_agency: Chart
    contact_time: Chart
    agency_rows: list[tuple[Agency, Published, Published, Rate]]
    training: TrainingComparison
    threshold: int
    notes: list[str] = field(default_factory=list)

    @property
    def suppression_note(self) -> str:
        return suppression_note(self.threshold)

    @property
    def definitions(self) -> list[tuple[str, str]]:
        return [(m.label, m.definition) for m in metrics.COUNTED]


def _scope(agency: Agency | None) -> tuple[str, int | None]:
    return (AGENCY, agency.pk) if agency is not None else (PROGRAM, None)


def dashboard_report(
    *, program: Program, period: Period, agency: Agency | None = None, now: datetime | None = None
) -> DashboardReport:
    """Everything the command-staff dashboard shows for one period, in a fixed number of queries."""
    now = now or timezone.now()
    threshold = program.suppression_threshold
    months = window_for(period)
    custom = period.kind == PeriodKind.CUSTOM
    previous = period.previous()
    wanted = [*months, *([] if custom else [period, previous])]
    counted = count_and_publish(program=program, periods=wanted, months=months_of(*wanted), now=now)
    published = dict(counted.published)
    period_counted = counted
    if custom:
        customs = custom_counts(program=program, periods=[period, previous], now=now)
        published.update({key: c.published[key] for key, c in customs.items()})
        period_counted = customs[period.key]
    current, before = published[period.key], published[previous.key]
    scope = _scope(agency)
    agency_id = agency.pk if agency is not None else None
    times, pathways, handoffs = rollups.period_summary(program, period, now, agency_id)
    monthly_times = rollups.monthly_timings(program, months, now, agency_id)
    agencies = referring_agencies(program)

    referrals = current.get(metrics.REFERRALS, *scope)
    tiles = [
        Tile(
            label="Referrals",
            value=referrals.display,
            change=change_label(referrals, before.get(metrics.REFERRALS, *scope)),
            previous=before.get(metrics.REFERRALS, *scope).display,
        )
    ]
    if times is not None:
        tiles.append(
            people_tile(period=period, times=times, threshold=threshold, detail="Different people among the period's referrals.")
        )
    for measure, of in (
        (metrics.CONTACTED, metrics.REFERRALS),
        (metrics.QUALITY, metrics.REFERRALS),
        (metrics.RETAINED_30, metrics.QUALITY),
        (metrics.RETAINED_90, metrics.RETAINED_30),
        (metrics.RE_REFERRALS, metrics.REFERRALS),
        (metrics.DECLINED, metrics.REFERRALS),
        (metrics.UNABLE_TO_CONTACT, metrics.REFERRALS),
    ):
        figure, whole = current.get(measure, *scope), current.get(of, *scope)
        share = rate(figure, whole, threshold)
        detail = explain(figure, f"{share.display} of {of.label.lower()}" if not share.is_suppressed else "")
        tiles.append(
            Tile(
                label=measure.label,
                value=figure.display,
                detail=detail,
                change=change_label(figure, before.get(measure, *scope)),
                definition=measure.definition if measure == metrics.QUALITY else "",
            )
        )
    final_contact = metrics.is_final(metrics.CONTACTED, period.end, now) and not custom
    if times is not None:
        acknowledged = rate(current.get(metrics.ACKNOWLEDGED, *scope), referrals, threshold)
        tiles += [
            Tile(
                label="Acknowledged within 30 minutes",
                value=acknowledged.display,
                detail=explain(acknowledged, "Of the period's referrals."),
            ),
            median_tile(
                label="Median time to first contact",
                value=times.median_contact_hours,
                count=times.contacted,
                threshold=threshold,
                unit="hours",
                final=final_contact,
                custom=custom,
                detail=f"Program target: {program.first_contact_target_hours} hours.",
            ),
            median_tile(
                label="Median time to treatment entry",
                value=times.median_treatment_days,
                count=times.engaged,
                threshold=threshold,
                unit="days",
                final=final_contact,
                custom=custom,
                detail="From the referral to engagement, over quality referrals.",
            ),
            Tile(
                label="Median referral time",
                value=f"{times.median_completion_minutes:.1f} min" if times.median_completion_minutes is not None else "–",
                detail=f"Against {program.booking_baseline_minutes} minutes for an arrest and booking.",
            ),
            Tile(
                label="Officer hours saved",
                value=f"{hours_saved(program, times):,.0f}",
                detail="Booking time minus referral time, over the period's referrals.",
            ),
        ]

    tiles += clock_tiles(program=program, period=period, now=now, threshold=threshold, agency_id=agency_id)

    # Charts: the trend, the funnel and by pathway (as in the newsletter), by hand-off and agency, time to contact.
    charts = shared_charts(
        id_prefix="",
        months=months,
        published=published,
        scope=scope,
        funnel_of=period,
        pathways_of=period,
        pathways=pathways,
        threshold=threshold,
    )
    by_handoff = bar_chart(
        "handoffs",
        f"Referrals by hand-off, {period.label}",
        {choice.label: Published.shown(handoffs.get(choice.value, 0), threshold) for choice in Handoff},
        label_header="Hand-off",
        value_header="Referrals",
    )
    # Referring agencies, and any other agency whose members referred in the period (a member since gone).
    referred = {ident for (level, ident), n in current.referrals.items() if level == AGENCY and n}
    listed = {each.pk for each in agencies}
    shown_agencies = list(agencies)
    if referred - listed:
        shown_agencies += [each for each in program_agencies(program) if each.pk in referred - listed]
    agency_rows = []
    for each in sorted(shown_agencies, key=lambda a: a.name):
        n = current.get(metrics.REFERRALS, AGENCY, each.pk)
        quality = current.get(metrics.QUALITY, AGENCY, each.pk)
        if n.value or agency is None:
            agency_rows.append((each, n, quality, rate(quality, n, threshold)))
    by_agency = bar_chart(
        "agencies",
        f"Referrals by agency, {period.label}",
        {each.name: n for each, n, _q, _r in agency_rows if n.value},
        label_header="Agency",
        value_header="Referrals",
    )
    contact_points = []
    for month in months:
        row = monthly_times.get(month.first_day)
        final = metrics.is_final(metrics.CONTACTED, month.end, now)
        if row is None or row.median_contact_hours is None:
            contact_points.append(Published.shown(0, threshold))
        elif not final:
            contact_points.append(Published.hidden(Reason.FOLLOW_UP_OPEN, threshold))
        elif row.contacted < threshold:
            contact_points.append(Published.hidden(Reason.SMALL_DENOMINATOR, threshold))
        else:
            contact_points.append(Published.shown(round(row.median_contact_hours), threshold))
    contact_time = trend_chart(
        "contact-time",
        "Median hours from referral to first contact",
        [month.short_label for month in months],
        {"Median hours": contact_points},
    )
    notes = []
    if custom:
        notes.append(
            "Outcome figures are published for whole months, quarters and years only, so that two "
            "overlapping date ranges cannot be subtracted from each other. Referral counts are shown for any range."
        )
    open_measures = [m.label.lower() for m in metrics.OUTCOMES if not metrics.is_final(m, period.end, now)]
    if open_measures and not custom:
        notes.append(
            f"Some outcomes of {period.label} are still open ({', '.join(open_measures)}): each is shown once every "
            "referral of the period has had its full follow-up window, so that figures never change after publication."
        )
    if agency is None:  # the program's own figures; a unit's kits and cases are not split by agency
        tiles += outreach_tiles(program=program, period=period)
        tiles += walkin_tiles(program=program, period=period)
        tiles += coresponder_tiles(program=program, period=period)
    return DashboardReport(
        program=program,
        period=period,
        agency=agency,
        agencies=agencies,
        tiles=tiles,
        trend=charts.trend,
        funnel=charts.funnel,
        by_pathway=charts.by_pathway,
        by_handoff=by_handoff,
        by_agency=by_agency,
        contact_time=contact_time,
        agency_rows=agency_rows,
        training=training_comparison(program=program, period=period, counted=period_counted if custom else counted),
        threshold=threshold,
        notes=notes,
    )
