"""Monthly rollups: each ended month of a program counted once per closing follow-up window.

Counting a million referrals on every page view is slow and, worse, lets a figure drift after it was
published. So once a month has ended it is counted (reports.metrics, by officer and agency) into
MonthRollup and MonthSummary; it is counted again each time one of its follow-up windows closes (30,
90, 180 days), and after the last one never again: a final figure is frozen. A status recorded late
with a date inside a closed window is therefore not counted; that is the price of figures that never
change after publication. The month in progress is always counted live.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.core.cache import cache
from django.db import connection, transaction

from deflection.models import Program
from reports import metrics
from reports.models import MonthRollup, MonthSummary, RollupBuild
from reports.periods import Period, PeriodKind

# The moments after a month's end when a figure of it becomes final.
CLOSING = sorted({m.window for m in metrics.COUNTED} | {metrics.CONTACT_WINDOW, metrics.QUALITY_WINDOW})
TIMINGS_CACHE_SECONDS = 6 * 3600
ROLLED_MEASURES = (
    metrics.REFERRALS,
    metrics.CONTACTED,
    metrics.QUALITY,
    metrics.RETAINED_30,
    metrics.RETAINED_90,
    metrics.DECLINED,
    metrics.UNABLE_TO_CONTACT,
    metrics.RE_REFERRALS,
    metrics.ACKNOWLEDGED,
)


def needs_counting(month: Period, built_at: datetime | None, now: datetime) -> bool:
    """An ended month that was never counted, or whose last count predates a window that has closed."""
    if month.end > now:
        return False
    if built_at is None:
        return True
    return any(month.end + window <= now and built_at < month.end + window for window in CLOSING)


def ensure_counted(program: Program, months: Iterable[Period], now: datetime, trained_on: dict) -> dict:
    """Count the months that need it (one query to find out; nothing more when all are up to date).

    Returns {month first day: when it was counted}, which identifies the counts a page reads.
    """
    months = [month for month in months if month.end <= now]
    if not months:
        return {}
    builds = RollupBuild.objects.filter(program=program, month__in=[m.first_day for m in months]).values_list("month", "built_at")
    built = dict(builds)
    counted = [month for month in months if needs_counting(month, built.get(month.first_day), now)]
    for month in counted:
        count_month(program, month, now, trained_on)
    if counted:
        # Read back as every later request reads them: the stamps name the counts in cache keys, which
        # must not differ between this request and the next (nor from a count another process made).
        built = dict(builds.all())
    return built


def count_month(program: Program, month: Period, now: datetime, trained_on: dict) -> None:
    """Count one ended month into the rollup tables, replacing its earlier count."""
    with transaction.atomic():
        # One counter per program month at a time: a second request waits here, then finds it done.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [program.pk % 2**31, month.first_day.toordinal()])
        built_at = RollupBuild.objects.filter(program=program, month=month.first_day).values_list("built_at", flat=True).first()
        if not needs_counting(month, built_at, now):
            return
        rows = metrics.counts(
            program=program, start=month.start, end=month.end, by=("officer_id", "agency_id"), measures=ROLLED_MEASURES
        )
        MonthRollup.objects.filter(program=program, month=month.first_day).delete()
        MonthRollup.objects.bulk_create(
            [
                MonthRollup(
                    program=program,
                    month=month.first_day,
                    officer_id=row["officer_id"],
                    agency_id=row["agency_id"],
                    trained=is_trained(trained_on, row["officer_id"], month.last_day),
                    completion_seconds=row["completion_seconds"],
                    **{measure.key: row[measure.key] for measure in ROLLED_MEASURES},
                )
                for row in rows
            ],
            batch_size=2000,
        )
        summaries = metrics.timings(program=program, start=month.start, end=month.end, by=("agency_id",))
        whole = metrics.timings(program=program, start=month.start, end=month.end).get(())
        if whole is not None:
            summaries[(None,)] = whole
        breakdown = breakdowns(program, month.start, month.end)
        MonthSummary.objects.filter(program=program, month=month.first_day).delete()
        MonthSummary.objects.bulk_create(
            [
                MonthSummary(
                    program=program,
                    month=month.first_day,
                    agency_id=agency_id,
                    referrals=value.referrals,
                    participants=value.participants,
                    contacted=value.contacted,
                    engaged=value.engaged,
                    median_contact_hours=value.median_contact_hours,
                    median_treatment_days=value.median_treatment_days,
                    median_completion_minutes=value.median_completion_minutes,
                    completion_seconds=value.completion_seconds,
                    pathways=breakdown[agency_id]["pathways"],
                    handoffs=breakdown[agency_id]["handoffs"],
                )
                for (agency_id,), value in summaries.items()
                if value.referrals
            ]
        )
        RollupBuild.objects.update_or_create(program=program, month=month.first_day, defaults={"built_at": now})


def breakdowns(program: Program, start: datetime, end: datetime, agency_ids=None) -> dict:
    """Referrals by pathway and by hand-off, per agency and (under None) for the whole selection."""
    result: dict = defaultdict(lambda: {"pathways": defaultdict(int), "handoffs": defaultdict(int)})
    rows = metrics.counts(
        program=program,
        start=start,
        end=end,
        by=("agency_id", "pathway", "handoff"),
        measures=(metrics.REFERRALS,),
        agency_ids=agency_ids,
    )
    for row in rows:
        for scope in (row["agency_id"], None):
            result[scope]["pathways"][row["pathway"]] += row["referrals"]
            result[scope]["handoffs"][row["handoff"]] += row["referrals"]
    return {scope: {name: dict(counts) for name, counts in value.items()} for scope, value in result.items()}


def is_trained(trained_on: dict, officer_id: int, as_of) -> bool:
    completed = trained_on.get(officer_id)
    return completed is not None and completed <= as_of


def live_rows(program: Program, month: Period, trained_on: dict) -> list[dict]:
    """The month in progress, counted now: only its referral figures are final, so only those are counted."""
    rows = metrics.counts(
        program=program,
        start=month.start,
        end=month.end,
        by=("officer_id", "agency_id"),
        measures=(metrics.REFERRALS, metrics.ACKNOWLEDGED),
    )
    for row in rows:
        row["month"] = month.first_day
        row["trained"] = is_trained(trained_on, row["officer_id"], month.last_day)
        for measure in ROLLED_MEASURES:
            row.setdefault(measure.key, 0)
    return rows


def _timings(summary: MonthSummary) -> metrics.Timings:
    return metrics.Timings(
        referrals=summary.referrals,
        participants=summary.participants,
        contacted=summary.contacted,
        engaged=summary.engaged,
        median_contact_hours=summary.median_contact_hours,
        median_treatment_days=summary.median_treatment_days,
        median_completion_minutes=summary.median_completion_minutes,
        completion_seconds=summary.completion_seconds,
    )


def period_summary(program: Program, period: Period, now: datetime, agency_id: int | None):
    """(Timings, referrals by pathway, by hand-off) of a period.

    An ended month comes from its summary. For a longer ended period the breakdowns add up from its
    months' summaries, but people and medians cannot be added up: they are counted once and cached
    (the period has ended, so they change only when a late status arrives, at most a few hours late).
    """
    if period.kind == PeriodKind.MONTH and period.end <= now:
        summary = MonthSummary.objects.filter(program=program, month=period.first_day, agency_id=agency_id).first()
        if summary is None:
            return None, {}, {}
        return _timings(summary), summary.pathways, summary.handoffs
    agency_ids = [agency_id] if agency_id is not None else None
    if period.kind in (PeriodKind.QUARTER, PeriodKind.YEAR) and period.end <= now:
        pathways, handoffs = defaultdict(int), defaultdict(int)
        months = [m.first_day for m in period.months()]
        for summary in MonthSummary.objects.filter(program=program, month__in=months, agency_id=agency_id).only(
            "pathways", "handoffs"
        ):
            for name, n in summary.pathways.items():
                pathways[name] += n
            for name, n in summary.handoffs.items():
                handoffs[name] += n
        cache_key = f"reports:timings:{program.pk}:{period.key}:{agency_id}:{stale_stamp(period, now)}"
        times = cache.get(cache_key)
        if times is None:
            times = metrics.timings(program=program, start=period.start, end=period.end, agency_ids=agency_ids).get(())
            cache.set(cache_key, times, TIMINGS_CACHE_SECONDS)
        return times, dict(pathways), dict(handoffs)
    times = metrics.timings(program=program, start=period.start, end=period.end, agency_ids=agency_ids).get(())
    found = breakdowns(program, period.start, period.end, agency_ids).get(None, {"pathways": {}, "handoffs": {}})
    return times, found["pathways"], found["handoffs"]


def stale_stamp(period: Period, now: datetime) -> int:
    """How many of the period's follow-up windows have closed: a cached figure is kept per stamp."""
    return sum(1 for window in CLOSING if period.end + window <= now)


def monthly_timings(program: Program, months: list[Period], now: datetime, agency_id: int | None) -> dict:
    """month first day -> Timings, for a trend: summaries of ended months, one live query for the rest."""
    ended = [m.first_day for m in months if m.end <= now]
    result = {}
    for summary in MonthSummary.objects.filter(program=program, month__in=ended, agency_id=agency_id):
        result[summary.month] = _timings(summary)
    open_months = [m for m in months if m.end > now]
    if open_months:
        agency_ids = [agency_id] if agency_id is not None else None
        live = metrics.timings(
            program=program, start=open_months[0].start, end=open_months[-1].end, monthly=True, agency_ids=agency_ids
        )
        result.update({month: value for (month,), value in live.items()})
    return result


def stale_after(month: Period) -> datetime:
    """When the month's figures are frozen for good."""
    return month.end + max(CLOSING, default=timedelta(0))
