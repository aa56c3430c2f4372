"""What the report pages share: tiles and the labels that explain them, a program's officers and
agencies, the training comparison, and the charts the dashboard and the newsletter both show.

Pages (reports.dashboard, .leaderboard, .evaluation, .newsletter) build on these; nothing here counts
or publishes (reports.publishing does), and nothing here names a participant.
"""

from __future__ import annotations

from dataclasses import dataclass

from deflection.models import Agency, Membership, Pathway, Program
from deflection.roles import REFERRING_ROLES
from deflection.suppression import FOLLOW_UP_OPEN, Published, Rate, Reason, _is_small, rate
from referrals.clocks.rates import clock_counts_cached
from reports import metrics
from reports.charts import Chart, bar_chart, funnel_chart, trend_chart
from reports.outcomes import PROGRAM, TRAINED, PeriodOutcomes, program_agency_ids
from reports.periods import Period, PeriodKind, trailing_months
from reports.publishing import Counted
from training.models import Course

TREND_MONTHS = 12
WHOLE_PERIODS_ONLY = "whole months, quarters and years only"
BY_QUARTER = "published by quarter"


# Tiles and their labels ---------------------------------------------------------------------------


@dataclass(kw_only=True)
class Tile:
    label: str
    value: str
    detail: str = ""  # under a hidden figure: why it is hidden (explain)
    change: str = ""
    previous: str = ""
    definition: str = ""  # what the figure counts, on the tile itself ("Quality referrals": engaged within 30 days)

    @property
    def is_number(self) -> bool:
        return any(character.isdigit() for character in self.value)


HIDDEN_BECAUSE = {
    Reason.SMALL_COUNT: "Fewer than the program's threshold: hidden to protect the people counted.",
    Reason.COMPLEMENTARY: "Hidden so that a small count elsewhere cannot be worked out by subtraction.",
    Reason.SMALL_DENOMINATOR: "Too few referrals for a share that protects the people counted.",
    Reason.HIDDEN_PART: "A count behind this share is hidden, so the share is too.",
    Reason.WITHHELD: "Published for whole months, quarters and years only, and only where no small count can be worked out.",
    Reason.FOLLOW_UP_OPEN: "Shown once every referral of the period has had its full follow-up window.",
}


def explain(figure: Published | Rate, detail: str = "") -> str:
    """What a tile says under a hidden figure, so that "not shown" explains itself."""
    if not figure.is_suppressed:
        return detail
    return HIDDEN_BECAUSE.get(figure.reason, detail)


def publish_part(part: int, whole: int, threshold: int) -> Published:
    """A count beside a shown whole (people referred beside referrals): hidden when it or the rest is small."""
    if _is_small(part, threshold) or _is_small(whole - part, threshold):
        return Published.hidden(Reason.SMALL_COUNT if part < threshold else Reason.COMPLEMENTARY, threshold)
    return Published(part, threshold)


def people_tile(*, period: Period, times: metrics.Timings, threshold: int, detail: str) -> Tile:
    """Different people referred: a quarter's figure only (README rule 4).

    People are not a sum over smaller periods, so a month's people beside its quarter's would tell
    how many were referred in two months of it: re-referrals, which are health information."""
    if period.kind != PeriodKind.QUARTER:
        return Tile(
            label="People referred",
            value=BY_QUARTER,
            detail="Different people are counted per quarter only, as the federal measures are.",
        )
    people = publish_part(times.participants, times.referrals, threshold)
    return Tile(label="People referred", value=people.display, detail=explain(people, detail))


def change_label(current: Published, previous: Published) -> str:
    """ "+12%" against the previous period, when both figures are shown and the previous is not zero."""
    if current.is_suppressed or previous.is_suppressed or not previous.value:
        return ""
    change = (current.value - previous.value) / previous.value * 100
    return f"{change:+.0f}%"


def median_tile(
    *, label: str, value: float | None, count: int, threshold: int, unit: str, final: bool, custom: bool, detail: str
) -> Tile:
    """A median tile that says on itself why it shows no number."""
    shown = median_label(value, count, threshold, unit, final, custom)
    if custom:
        why = (
            "Medians are published for whole months, quarters and years only, "
            "so that two overlapping ranges cannot tell one person's time."
        )
    elif not final:
        why = HIDDEN_BECAUSE[Reason.FOLLOW_UP_OPEN]
    elif value is None and count == 0:
        why = "No one referred in the period has reached this step yet."
    elif value is None or count < threshold:
        why = f"Over fewer than {threshold} people a median would describe individuals, so it is not shown."
    else:
        why = ""
    return Tile(label=label, value=shown, detail=f"{why} {detail}".strip() if why else detail)


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


def competition_ranks(values: dict[int, int]) -> dict[int, int]:
    """1, 2, 2, 4: equal figures share a rank. Zero is not ranked."""
    ranks = {}
    ordered = sorted(((v, k) for k, v in values.items() if v), key=lambda item: -item[0])
    for position, (value, key) in enumerate(ordered, start=1):
        previous = ordered[position - 2][0] if position > 1 else None
        ranks[key] = ranks[ordered[position - 2][1]] if value == previous else position
    return ranks


# A program's agencies and officers ----------------------------------------------------------------


def program_agencies(program: Program) -> list[Agency]:
    return list(Agency.objects.filter(id__in=program_agency_ids(program)).order_by("name"))


def referring_agencies(program: Program) -> list[Agency]:
    """The program's agencies whose members refer (officers, supervisors, command staff), in one query.

    Agency tables and pickers list these: a treatment provider or a community partner makes no referrals,
    and a row of zeros for it says nothing."""
    return list(
        Agency.objects.filter(
            id__in=program_agency_ids(program),
            memberships__role__in=REFERRING_ROLES,
            memberships__is_active=True,
        )
        .distinct()
        .order_by("name")
    )


@dataclass(frozen=True, kw_only=True)
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
        Officer(
            user_id=user_id,
            name=f"{first} {last}".strip() or username,
            badge=badge,
            rank=rank,
            agency_id=agency_id,
            agency=agency,
            unit_id=unit_id,
            unit=unit or "",
        )
        for user_id, first, last, username, badge, rank, agency_id, agency, unit_id, unit in memberships
    ]


# Trained and untrained officers (dashboard and newsletter) ----------------------------------------


@dataclass(kw_only=True)
class TrainingGroup:
    label: str
    officers: int
    referrals: Published
    referral_rate: str  # referrals per officer per month
    quality: Published
    quality_rate: Rate


@dataclass(kw_only=True)
class TrainingComparison:
    """Issue 5: referral and quality-referral rates of officers who completed the core curriculum, and the rest."""

    period: Period
    has_curriculum: bool
    groups: list[TrainingGroup]


def training_comparison(*, program: Program, period: Period, counted: Counted) -> TrainingComparison:
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
            groups.append(
                TrainingGroup(
                    label=f"{label}, {part.label}" if len(parts) > 1 else label,
                    officers=len(members),
                    referrals=referrals,
                    referral_rate=f"{referrals.value / len(members) / months:.2f}" if members else "–",
                    quality=quality,
                    quality_rate=rate(quality, referrals),
                )
            )
    return TrainingComparison(
        period=period,
        has_curriculum=bool(counted.counts.trained_on) or _has_core_courses(program),
        groups=groups,
    )


def _has_core_courses(program: Program) -> bool:
    return Course.objects.filter(program=program, is_core=True, is_active=True).exists()


# The charts the dashboard and the newsletter share ------------------------------------------------


@dataclass(kw_only=True)
class SharedCharts:
    trend: Chart
    funnel: Chart
    by_pathway: Chart


def shared_charts(
    *,
    id_prefix: str,
    months: list[Period],
    published: dict[str, PeriodOutcomes],
    scope: tuple[str, int | None] = (PROGRAM, None),
    funnel_of: Period,
    pathways_of: Period,
    pathways: dict[str, int],
    threshold: int,
) -> SharedCharts:
    """The referral trend over `months`, the funnel of the referrals of `funnel_of` and the referrals by
    pathway in `pathways_of`, for one scope (the program, or an agency), built the same way on the
    dashboard and in the newsletter (which shows the funnel of the latest period whose outcomes are final)."""
    trend = trend_chart(
        f"{id_prefix}trend",
        "Referrals and quality referrals per month",
        [month.short_label for month in months],
        {
            "Referrals": [published[m.key].get(metrics.REFERRALS, *scope) for m in months],
            "Quality referrals": [published[m.key].get(metrics.QUALITY, *scope) for m in months],
        },
    )
    outcome = published[funnel_of.key]
    funnel = funnel_chart(
        f"{id_prefix}funnel",
        f"From referral to treatment: referrals of {funnel_of.label}",
        {measure.label: outcome.get(measure, *scope) for measure in metrics.FUNNEL},
    )
    by_pathway = bar_chart(
        f"{id_prefix}pathways",
        f"Referrals by pathway, {pathways_of.label}",
        {choice.label: Published.shown(pathways.get(choice.value, 0), threshold) for choice in Pathway},
        label_header="Pathway",
        value_header="Referrals",
    )
    return SharedCharts(trend=trend, funnel=funnel, by_pathway=by_pathway)


def clock_tiles(*, program: Program, period: Period, now, threshold: int, agency_id: int | None = None) -> list[Tile]:
    """Each clock's rate (DOMAIN.md "Clocks that programs report") against the program's own target, suppressed
    as every rate is: hidden over fewer referrals than the threshold, or when the met or missed are few."""
    tiles = []
    for clock in clock_counts_cached(program=program, start=period.start, end=period.end, now=now, agency_id=agency_id):
        share = rate(clock.met, clock.due, threshold)
        tiles.append(
            Tile(
                label=clock.label,
                value=share.display,
                detail=explain(share, f"Target: {clock.target}. Of the period's referrals whose deadline has passed."),
            )
        )
    return tiles
