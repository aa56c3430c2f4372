"""Reads for the report pages: the dashboard, the leaderboard, the evaluation sheet, the newsletter.

Each builder runs a fixed number of queries whatever the size of the program (reports.metrics does the
counting in PostgreSQL), publishes outcome figures through reports.outcomes, and returns plain data and
charts that pages and PDFs render alike. Nothing here names a participant.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.cache import cache
from django.db.models import Count
from django.utils import timezone

from deflection.models import Agency, Membership, Pathway, Program, Unit, User
from deflection.roles import REFERRING_ROLES
from deflection.suppression import FOLLOW_UP_OPEN, Published, Rate, Reason, _is_small, rate, suppression_note
from feedback import selectors as feedback
from referrals.models import HANDOFF_STEPS, Handoff
from reports import metrics, outcomes, rollups
from reports.charts import Chart, bar_chart, funnel_chart, trend_chart
from reports.models import Commendation, Newsletter, NewsletterStatus
from reports.outcomes import AGENCY, OFFICER, PROGRAM, TRAINED, UNIT, PeriodOutcomes, program_agency_ids
from reports.periods import Period, PeriodKind, trailing_months
from training.models import Attendance, Course

TREND_MONTHS = 12
WHOLE_PERIODS_ONLY = "whole months, quarters and years only"
BY_QUARTER = "published by quarter"


def explain(figure: Published | Rate, detail: str = "") -> str:
    """What a tile says under a hidden figure, so that "not shown" explains itself."""
    if not figure.is_suppressed:
        return detail
    return HIDDEN_BECAUSE.get(figure.reason, detail)


HIDDEN_BECAUSE = {
    Reason.SMALL_COUNT: "Fewer than the program's threshold: hidden to protect the people counted.",
    Reason.COMPLEMENTARY: "Hidden so that a small count elsewhere cannot be worked out by subtraction.",
    Reason.SMALL_DENOMINATOR: "Too few referrals for a share that protects the people counted.",
    Reason.HIDDEN_PART: "A count behind this share is hidden, so the share is too.",
    Reason.WITHHELD: "Published for whole months, quarters and years only, and only where no small count can be worked out.",
    Reason.FOLLOW_UP_OPEN: "Shown once every referral of the period has had its full follow-up window.",
}


def people_tile(period: Period, times: metrics.Timings, threshold: int, detail: str) -> Tile:
    """Different people referred: a quarter's figure only (README rule 4).

    People are not a sum over smaller periods, so a month's people beside its quarter's would tell
    how many were referred in two months of it: re-referrals, which are health information."""
    if period.kind != PeriodKind.QUARTER:
        return Tile("People referred", BY_QUARTER, "Different people are counted per quarter only, as the federal measures are.")
    people = publish_part(times.participants, times.referrals, threshold)
    return Tile("People referred", people.display, explain(people, detail))


# Small helpers ------------------------------------------------------------------------------------


def publish_part(part: int, whole: int, threshold: int) -> Published:
    """A count beside a shown whole (people referred beside referrals): hidden when it or the rest is small."""
    if _is_small(part, threshold) or _is_small(whole - part, threshold):
        return Published.hidden(Reason.SMALL_COUNT if part < threshold else Reason.COMPLEMENTARY, threshold)
    return Published(part, threshold)


def change_label(current: Published, previous: Published) -> str:
    """ "+12%" against the previous period, when both figures are shown and the previous is not zero."""
    if current.is_suppressed or previous.is_suppressed or not previous.value:
        return ""
    change = (current.value - previous.value) / previous.value * 100
    return f"{change:+.0f}%"


def median_label(value: float | None, count: int, threshold: int, unit: str, final: bool, custom: bool = False) -> str:
    """A median over `count` people: shown only over at least `threshold` of them, once final, and
    only for whole months, quarters and years (two overlapping ranges would tell one person's time)."""
    if custom:
        return WHOLE_PERIODS_ONLY
    if not final:
        return FOLLOW_UP_OPEN
    if value is None or count < threshold:
        return "not shown"
    return f"{value:,.1f} {unit}"


def hours_saved(program: Program, times: metrics.Timings | None) -> float:
    if times is None:
        return 0.0
    return metrics.officer_hours_saved(
        referrals=times.referrals,
        completion_seconds=times.completion_seconds,
        booking_baseline_minutes=program.booking_baseline_minutes,
    )


def window_for(period: Period, months: int = TREND_MONTHS) -> list[Period]:
    """The months a page needs: a trend of `months` ending with the period, and the previous period."""
    last = Period.month(period.last_day.year, period.last_day.month, period.time_zone)
    trend = trailing_months(last, months)
    if period.kind != PeriodKind.CUSTOM:
        previous = period.previous()
        first = Period.month(previous.first_day.year, previous.first_day.month, period.time_zone)
        if first.first_day < trend[0].first_day:
            trend = [first]
            while trend[-1].first_day < last.first_day:
                trend.append(trend[-1].next())
    return trend


@dataclass
class Counted:
    """Raw counts of a program and their publications for the periods a page shows."""

    program: Program
    counts: outcomes.ProgramCounts
    published: dict[str, PeriodOutcomes]
    now: datetime

    def __getitem__(self, period: Period) -> PeriodOutcomes:
        return self.published[period.key]


def count_and_publish(
    program: Program, periods: list[Period], months: list[Period], now: datetime, *, officers: bool = False
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
        return Counted(program, counts, published, now)
    counts = outcomes.load_counts(program, months, now, officers=officers, inputs=inputs)
    published = outcomes.publish_outcomes(counts, periods, now)
    if key:
        # Kept without the per-officer rows: pages need only the published figures and referral totals.
        light = dataclasses.replace(counts, cells=None, officers=False, live_cells={})
        cache.set(key, (light, published), outcomes.CACHE_SECONDS)
    return Counted(program, counts, published, now)


def custom_counts(program: Program, periods: list[Period], now: datetime) -> dict[str, Counted]:
    """Custom ranges: referral counts over exactly their days (outcomes are withheld for them)."""
    result = {}
    for period in periods:
        counts = outcomes.load_custom(program, period, now)
        result[period.key] = Counted(program, counts, outcomes.publish_outcomes(counts, [period], now), now)
    return result


def months_of(*periods: Period) -> list[Period]:
    """Every month the periods touch, oldest first."""
    return sorted({month for period in periods for month in period.months()}, key=lambda m: m.first_day)


# People and lists ---------------------------------------------------------------------------------


def program_agencies(program: Program) -> list[Agency]:
    return list(Agency.objects.filter(id__in=program_agency_ids(program)).order_by("name"))


def newsletter_editions(program: Program) -> list:
    """The current edition of each period, and the newest version of periods still being built."""
    return list(
        Newsletter.objects.filter(program=program)
        .exclude(is_current=False, status=NewsletterStatus.READY)
        .order_by("kind", "-period_start", "-version")[:120]
    )


@dataclass(frozen=True)
class Officer:
    user_id: int
    name: str
    badge: str
    rank: str
    agency_id: int
    agency: str
    unit_id: int | None
    unit: str


def program_officers(program: Program, agency_ids: set[int] | None = None) -> list[Officer]:
    """Everyone who refers in the program's agencies (one row per membership), in one query."""
    memberships = Membership.objects.filter(
        agency_id__in=program_agency_ids(program) if agency_ids is None else agency_ids,
        role__in=REFERRING_ROLES,
        is_active=True,
        user__is_active=True,
    ).values_list(
        "user_id",
        "user__first_name",
        "user__last_name",
        "user__username",
        "badge_number",
        "rank",
        "agency_id",
        "agency__name",
        "unit_id",
        "unit__name",
    )
    return [
        Officer(user_id, f"{first} {last}".strip() or username, badge, rank, agency_id, agency, unit_id, unit or "")
        for user_id, first, last, username, badge, rank, agency_id, agency, unit_id, unit in memberships
    ]


# Dashboard ----------------------------------------------------------------------------------------


@dataclass
class Tile:
    label: str
    value: str
    detail: str = ""
    change: str = ""
    previous: str = ""

    @property
    def is_number(self) -> bool:
        return any(character.isdigit() for character in self.value)


@dataclass
class TrainingGroup:
    label: str
    officers: int
    referrals: Published
    referral_rate: str  # referrals per officer per month
    quality: Published
    quality_rate: Rate


@dataclass
class TrainingComparison:
    """Issue 5: referral and quality-referral rates of officers who completed the core curriculum, and the rest."""

    period: Period
    has_curriculum: bool
    groups: list[TrainingGroup]


@dataclass
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


def training_comparison(program: Program, period: Period, counted: Counted) -> TrainingComparison:
    """Trained against untrained officers for the period, or for each of its quarters when it is a year
    (who is trained changes during a year, so a year has no single pair of groups)."""
    officers = {officer.user_id for officer in program_officers(program)}
    parts = (
        [Period.quarter(period.first_day.year, q, period.time_zone) for q in (1, 2, 3, 4)]
        if period.kind == PeriodKind.YEAR
        else [period]
    )
    groups = []
    for part in parts:
        published = counted.published.get(part.key)
        if published is None:
            continue
        if part.kind == PeriodKind.CUSTOM:
            months = max(1, round(part.days / 30.4))
        else:
            months = len(part.months())
        for flag, label in ((True, "Completed the core curriculum"), (False, "Not (yet) completed it")):
            members = [o for o in officers if counted.counts.trained(o, part.last_day) == flag]
            referrals = published.get(metrics.REFERRALS, TRAINED, flag)
            quality = published.get(metrics.QUALITY, TRAINED, flag)
            per_officer = f"{referrals.value / len(members) / months:.2f}" if members else "–"
            name = f"{label}, {part.label}" if len(parts) > 1 else label
            groups.append(TrainingGroup(name, len(members), referrals, per_officer, quality, rate(quality, referrals)))
    return TrainingComparison(period, bool(counted.counts.trained_on) or _has_core_courses(program), groups)


def _has_core_courses(program: Program) -> bool:
    return Course.objects.filter(program=program, is_core=True, is_active=True).exists()


def dashboard_report(*, program: Program, period: Period, agency: Agency | None = None, now: datetime | None = None):
    """Everything the command-staff dashboard shows for one period, in a fixed number of queries."""
    now = now or timezone.now()
    threshold = program.suppression_threshold
    months = window_for(period)
    custom = period.kind == PeriodKind.CUSTOM
    previous = period.previous()
    wanted = [*months, *([] if custom else [period, previous])]
    counted = count_and_publish(program, wanted, months_of(*wanted), now)
    published = dict(counted.published)
    period_counted = counted
    if custom:
        customs = custom_counts(program, [period, previous], now)
        published.update({key: c.published[key] for key, c in customs.items()})
        period_counted = customs[period.key]
    current, before = published[period.key], published[previous.key]
    scope = _scope(agency)
    agency_id = agency.pk if agency is not None else None
    times, pathways, handoffs = rollups.period_summary(program, period, now, agency_id)
    monthly_times = rollups.monthly_timings(program, months, now, agency_id)
    agencies = list(Agency.objects.filter(id__in=program_agency_ids(program)).order_by("name"))

    referrals = current.get(metrics.REFERRALS, *scope)
    tiles = [
        Tile(
            "Referrals",
            referrals.display,
            "",
            change_label(referrals, before.get(metrics.REFERRALS, *scope)),
            before.get(metrics.REFERRALS, *scope).display,
        )
    ]
    if times is not None:
        tiles.append(people_tile(period, times, threshold, "Different people among the period's referrals."))
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
        tiles.append(Tile(measure.label, figure.display, detail, change_label(figure, before.get(measure, *scope))))
    final_contact = metrics.is_final(metrics.CONTACTED, period.end, now) and not custom
    if times is not None:
        acknowledged = rate(current.get(metrics.ACKNOWLEDGED, *scope), referrals, threshold)
        tiles += [
            Tile("Acknowledged within 30 minutes", acknowledged.display, explain(acknowledged, "Of the period's referrals.")),
            Tile(
                "Median time to first contact",
                median_label(times.median_contact_hours, times.contacted, threshold, "hours", final_contact, custom),
                f"Program target: {program.first_contact_target_hours} hours.",
            ),
            Tile(
                "Median time to treatment entry",
                median_label(times.median_treatment_days, times.engaged, threshold, "days", final_contact, custom),
                "From the referral to engagement, over quality referrals.",
            ),
            Tile(
                "Median referral time",
                f"{times.median_completion_minutes:.1f} min" if times.median_completion_minutes is not None else "–",
                f"Against {program.booking_baseline_minutes} minutes for an arrest and booking.",
            ),
            Tile(
                "Officer hours saved",
                f"{hours_saved(program, times):,.0f}",
                "Booking time minus referral time, over the period's referrals.",
            ),
        ]

    # Charts: the trend, the funnel, by pathway, hand-off and agency, time to contact.
    labels = [month.short_label for month in months]
    trend = trend_chart(
        "trend",
        "Referrals and quality referrals per month",
        labels,
        {
            "Referrals": [published[m.key].get(metrics.REFERRALS, *scope) for m in months],
            "Quality referrals": [published[m.key].get(metrics.QUALITY, *scope) for m in months],
        },
    )
    funnel = funnel_chart(
        "funnel",
        f"From referral to treatment, {period.label}",
        {measure.label: current.get(measure, *scope) for measure in metrics.FUNNEL},
    )
    by_pathway = bar_chart(
        "pathways",
        f"Referrals by pathway, {period.label}",
        {choice.label: Published.shown(pathways.get(choice.value, 0), threshold) for choice in Pathway},
        label_header="Pathway",
        value_header="Referrals",
    )
    by_handoff = bar_chart(
        "handoffs",
        f"Referrals by hand-off, {period.label}",
        {choice.label: Published.shown(handoffs.get(choice.value, 0), threshold) for choice in Handoff},
        label_header="Hand-off",
        value_header="Referrals",
    )
    agency_rows = []
    for each in agencies:
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
        labels,
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
    return DashboardReport(
        program=program,
        period=period,
        agency=agency,
        agencies=agencies,
        tiles=tiles,
        trend=trend,
        funnel=funnel,
        by_pathway=by_pathway,
        by_handoff=by_handoff,
        by_agency=by_agency,
        contact_time=contact_time,
        agency_rows=agency_rows,
        training=training_comparison(program, period, period_counted if custom else counted),
        threshold=threshold,
        notes=notes,
    )


# Leaderboard --------------------------------------------------------------------------------------


@dataclass
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


def competition_ranks(values: dict[int, int]) -> dict[int, int]:
    """1, 2, 2, 4: equal figures share a rank. Zero is not ranked."""
    ranks = {}
    ordered = sorted(((v, k) for k, v in values.items() if v), key=lambda item: -item[0])
    for position, (value, key) in enumerate(ordered, start=1):
        previous = ordered[position - 2][0] if position > 1 else None
        ranks[key] = ranks[ordered[position - 2][1]] if value == previous else position
    return ranks


@dataclass
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
        customs = custom_counts(program, [period, previous], now)
        current, before = customs[period.key][period], customs[previous.key][previous]
    else:
        counted = count_and_publish(program, [period, previous], months_of(period, previous), now, officers=True)
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
        program,
        period,
        previous,
        rows,
        unit_rows,
        visible_agencies,
        units_choice,
        agency_id,
        unit_id,
        sort,
        threshold,
        current.officer_level,
    )


def _rank(rows: list[Ranked], before: PeriodOutcomes, level: str) -> None:
    ranks = competition_ranks({r.key: r.referrals.value for r in rows})
    previous = competition_ranks({r.key: before.get(metrics.REFERRALS, level, r.key).value for r in rows})
    quality = competition_ranks({r.key: r.quality.value for r in rows if not r.quality.is_suppressed})
    for row in rows:
        row.rank, row.previous_rank, row.quality_rank = ranks.get(row.key), previous.get(row.key), quality.get(row.key)


# Officer evaluation sheet -------------------------------------------------------------------------


@dataclass
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
        counted = custom_counts(program, [period], now)[period.key]
    else:
        counted = count_and_publish(program, [period], period.months(), now, officers=True)
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


# Commendations ------------------------------------------------------------------------------------


def commendations_for_officer(officer: User):
    return Commendation.objects.filter(officer=officer).select_related("program", "written_by").order_by("-created_at")


def commendations_for_program(program: Program):
    return (
        Commendation.objects.filter(program=program).select_related("officer", "written_by", "marked_by").order_by("-created_at")
    )


def newsletter_recognitions(program: Program, period: Period) -> list[Commendation]:
    return list(
        Commendation.objects.filter(
            program=program, include_in_newsletter=True, created_at__gte=period.start, created_at__lt=period.end
        )
        .select_related("officer")
        .order_by("created_at")
    )


# Newsletter content -------------------------------------------------------------------------------


def approved_participant_stories(program: Program, period: Period) -> list:
    """Approved participant stories and letters the coordinator chose for the newsletter.

    The feedback app owns the letters and hands out only their approved, anonymised text and month
    (feedback.selectors.approved_newsletter_letters).
    """
    return list(feedback.approved_newsletter_letters(program, period.start, period.end))


@dataclass
class NewsletterContent:
    program: Program
    period: Period
    outcome_period: Period
    tiles: list[Tile]
    trend: Chart
    funnel: Chart
    by_pathway: Chart
    training: TrainingComparison
    core_completed: int
    referring_officers: int
    recognitions: list[Commendation]
    stories: list
    highlights: list
    you_said_we_did: list
    after_referral: list[tuple[str, list[str]]]
    threshold: int
    generated_at: datetime

    @property
    def suppression_note(self) -> str:
        return suppression_note(self.threshold)

    @property
    def definitions(self) -> list[tuple[str, str]]:
        return [
            (m.label, m.definition)
            for m in (metrics.REFERRALS, metrics.CONTACTED, metrics.QUALITY, metrics.RETAINED_30, metrics.RETAINED_90)
        ]


def latest_final(period: Period, now: datetime) -> Period:
    """The latest period of the same kind, up to `period`, whose 30-day outcomes are final."""
    candidate = period
    while not metrics.is_final(metrics.QUALITY, candidate.end, now):
        candidate = candidate.previous()
    return candidate


def newsletter_content(*, program: Program, period: Period, now: datetime | None = None) -> NewsletterContent:
    """The monthly or quarterly newsletter: aggregates of the program, published as on every other page."""
    now = now or timezone.now()
    threshold = program.suppression_threshold
    outcome_period = latest_final(period, now)
    months = window_for(period)
    first = min(
        months[0],
        Period.month(outcome_period.first_day.year, outcome_period.first_day.month, program.time_zone),
        key=lambda p: p.first_day,
    )
    months = [first]
    while months[-1].first_day < period.months()[-1].first_day:
        months.append(months[-1].next())
    wanted = {p.key: p for p in [*months[-TREND_MONTHS:], period, period.previous(), outcome_period, outcome_period.previous()]}
    counted = count_and_publish(program, list(wanted.values()), months_of(*wanted.values()), now)
    current, before = counted[period], counted[period.previous()]
    outcome, outcome_before = counted[outcome_period], counted[outcome_period.previous()]
    scope = (PROGRAM, None)
    times, pathways, _handoffs = rollups.period_summary(program, period, now, None)
    referrals = current.get(metrics.REFERRALS, *scope)
    tiles = [
        Tile(
            "Referrals",
            referrals.display,
            period.label,
            change_label(referrals, before.get(metrics.REFERRALS, *scope)),
            before.get(metrics.REFERRALS, *scope).display,
        ),
    ]
    if times is not None and times.referrals:
        if period.kind == PeriodKind.QUARTER:
            tiles.append(people_tile(period, times, threshold, period.label))
        tiles.append(
            Tile(
                "Median referral time",
                f"{times.median_completion_minutes:.0f} min",
                f"against {program.booking_baseline_minutes} min for an arrest and booking",
            )
        )
        tiles.append(
            Tile(
                "Officer hours saved",
                f"{hours_saved(program, times):,.0f}",
                period.label,
            )
        )
    for measure, of in ((metrics.CONTACTED, metrics.REFERRALS), (metrics.QUALITY, metrics.REFERRALS)):
        figure = outcome.get(measure, *scope)
        share = rate(figure, outcome.get(of, *scope), threshold)
        tiles.append(
            Tile(
                measure.label,
                figure.display,
                f"referrals of {outcome_period.label}" + (f" ({share.display})" if not share.is_suppressed else ""),
                change_label(figure, outcome_before.get(measure, *scope)),
            )
        )
    month_list = months[-TREND_MONTHS:]
    trend = trend_chart(
        "newsletter-trend",
        "Referrals and quality referrals per month",
        [m.short_label for m in month_list],
        {
            "Referrals": [counted[m].get(metrics.REFERRALS, *scope) for m in month_list],
            "Quality referrals": [counted[m].get(metrics.QUALITY, *scope) for m in month_list],
        },
    )
    funnel = funnel_chart(
        "newsletter-funnel",
        f"From referral to treatment: referrals of {outcome_period.label}",
        {measure.label: outcome.get(measure, *scope) for measure in metrics.FUNNEL},
    )
    by_pathway = bar_chart(
        "newsletter-pathways",
        f"Referrals by pathway, {period.label}",
        {choice.label: Published.shown(pathways.get(choice.value, 0), threshold) for choice in Pathway},
        label_header="Pathway",
        value_header="Referrals",
    )
    officers = {o.user_id for o in program_officers(program)}
    completed = sum(1 for o in officers if counted.counts.trained(o, period.last_day))
    return NewsletterContent(
        program=program,
        period=period,
        outcome_period=outcome_period,
        tiles=tiles,
        trend=trend,
        funnel=funnel,
        by_pathway=by_pathway,
        training=training_comparison(program, outcome_period, counted),
        core_completed=completed,
        referring_officers=len(officers),
        recognitions=newsletter_recognitions(program, period),
        stories=approved_participant_stories(program, period),
        highlights=list(feedback.latest_highlights(program, 3)),
        you_said_we_did=list(feedback.you_said_we_did(program, period.start, period.end)[:5]),
        after_referral=[(Handoff(kind).label, steps) for kind, steps in HANDOFF_STEPS.items()],
        threshold=threshold,
        generated_at=now,
    )
