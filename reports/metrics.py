"""Every report figure, defined once and computed in PostgreSQL.

The dashboard, the leaderboard, the evaluation sheet, the newsletters and the federal export all read
their numbers from here, so the same figure is the same number everywhere. Each figure is an aggregate
(`COUNT(*) FILTER (WHERE ...)`, `percentile_cont`) over the referrals *made* in a period (a cohort),
grouped by whatever the page needs: agency, unit, officer, pathway, hand-off, month.

Outcomes are counted within a fixed follow-up window after each referral ("engaged in treatment within
30 days"), so a period's outcome figure stops changing once its window has closed (`is_final`). Reports
outside the treatment team publish an outcome figure only once it is final: a figure that still grows
would let a reader subtract this month's edition from last month's and learn a small count.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Exists, F, Max, OuterRef, Q, Sum
from django.db.models.functions import TruncMonth

from deflection.aggregates import EpochSeconds, Median
from deflection.models import Program
from referrals.disclosure import seen_by_their_officer
from referrals.models import Consent, Referral, ServiceKind, Status, StatusChange
from referrals.selectors import completion_median

# Follow-up windows, measured from the moment of the referral.
CONTACT_WINDOW = timedelta(days=30)
QUALITY_WINDOW = timedelta(days=30)  # DOMAIN.md: "people who engaged in treatment (within 30 days)"
RETAINED_30_WINDOW = timedelta(days=90)  # engaged within 30 days, then 30 days in treatment, with slack
RETAINED_90_WINDOW = timedelta(days=180)
CLOSING_WINDOW = timedelta(days=30)  # declined, unable to contact
ACKNOWLEDGE_TARGET = timedelta(minutes=30)  # DOMAIN.md: "acknowledged by the program within 30 minutes"

# Treatment, as opposed to recovery support, for the federal export's "referred to treatment".
TREATMENT_SERVICE_KINDS = (
    ServiceKind.DETOX,
    ServiceKind.MOUD,
    ServiceKind.RESIDENTIAL,
    ServiceKind.OUTPATIENT,
    ServiceKind.MENTAL_HEALTH,
)


@dataclass(frozen=True)
class Measure:
    """One count over referrals: its name, its definition in words, and whether it is health information."""

    key: str
    label: str
    definition: str
    window: timedelta
    # Outcome figures are health information about participants and are always suppressed outside
    # the treatment team; referral counts are not (the issue: "shown as they are").
    is_outcome: bool


REFERRALS = Measure("referrals", "Referrals", "Referrals made in the period (one per deflection episode).", timedelta(0), False)
CONTACTED = Measure(
    "contacted",
    "Contacted",
    "Referrals whose person was reached by the program within 30 days of the referral.",
    CONTACT_WINDOW,
    True,
)
QUALITY = Measure(
    "quality",
    "Quality referrals",
    "Referrals whose person engaged in treatment within 30 days of the referral.",
    QUALITY_WINDOW,
    True,
)
RETAINED_30 = Measure(
    "retained_30",
    "Retained at 30 days",
    "Quality referrals whose person was recorded as still in treatment at 30 days, within 90 days of the referral.",
    RETAINED_30_WINDOW,
    True,
)
RETAINED_90 = Measure(
    "retained_90",
    "Retained at 90 days",
    "Referrals retained at 30 days whose person was recorded as still in treatment at 90 days, within 180 days.",
    RETAINED_90_WINDOW,
    True,
)
DECLINED = Measure(
    "declined", "Declined", "Referrals whose person declined services within 30 days of the referral.", CLOSING_WINDOW, True
)
UNABLE_TO_CONTACT = Measure(
    "unable_to_contact",
    "Unable to contact",
    "Referrals the program recorded as unable to contact within 30 days of the referral.",
    CLOSING_WINDOW,
    True,
)
RE_REFERRALS = Measure(
    "re_referrals",
    "Re-referrals",
    "Referrals of a person the program had been referred before (relapse is part of recovery).",
    timedelta(0),
    True,
)
ACKNOWLEDGED = Measure(
    "acknowledged",
    "Acknowledged within 30 minutes",
    "Referrals the program acknowledged within 30 minutes of the officer's submit.",
    ACKNOWLEDGE_TARGET,
    False,
)

# The funnel, each stage a subset of the one before (referred -> contacted -> engaged -> retained).
FUNNEL = (REFERRALS, CONTACTED, QUALITY, RETAINED_30, RETAINED_90)
OUTCOMES = (CONTACTED, QUALITY, RETAINED_30, RETAINED_90, DECLINED, UNABLE_TO_CONTACT, RE_REFERRALS)
COUNTED = (REFERRALS, *OUTCOMES, ACKNOWLEDGED)
BY_KEY = {measure.key: measure for measure in COUNTED}


def _before(field: str, window: timedelta) -> Q:
    return Q(**{f"{field}__isnull": False, f"{field}__lt": F("created_at") + window})


def _recorded(statuses: Iterable[str], window: timedelta) -> Exists:
    """The referral's history holds one of `statuses` within `window` (a status step is never undone)."""
    return Exists(
        StatusChange.objects.filter(referral_id=OuterRef("pk"), status__in=list(statuses), at__lt=OuterRef("created_at") + window)
    )


def _conditions() -> dict[str, Q]:
    quality = _before("engaged_at", QUALITY_WINDOW)
    # Someone who engaged was contacted, even if a case manager skipped the "contacted" step.
    contacted = _before("first_contact_at", CONTACT_WINDOW) | quality
    retained_30 = quality & Q(_recorded([Status.RETAINED_30, Status.RETAINED_90], RETAINED_30_WINDOW))
    retained_90 = retained_30 & Q(_recorded([Status.RETAINED_90], RETAINED_90_WINDOW))
    earlier = Referral.objects.filter(participant_id=OuterRef("participant_id")).filter(
        Q(created_at__lt=OuterRef("created_at")) | Q(created_at=OuterRef("created_at"), pk__lt=OuterRef("pk"))
    )
    return {
        REFERRALS.key: Q(),
        CONTACTED.key: contacted,
        QUALITY.key: quality,
        RETAINED_30.key: retained_30,
        RETAINED_90.key: retained_90,
        DECLINED.key: Q(_recorded([Status.DECLINED], CLOSING_WINDOW)),
        UNABLE_TO_CONTACT.key: Q(_recorded([Status.UNABLE_TO_CONTACT], CLOSING_WINDOW)),
        RE_REFERRALS.key: Q(Exists(earlier)),
        ACKNOWLEDGED.key: Q(acknowledged_at__isnull=False, acknowledged_at__lte=F("created_at") + ACKNOWLEDGE_TARGET),
    }


def is_final(measure: Measure, period_end: datetime, now: datetime) -> bool:
    """Whether every referral of a period ending at `period_end` has had its full follow-up window."""
    return period_end + measure.window <= now


def final_until(measure: Measure, period_end: datetime) -> datetime:
    return period_end + measure.window


def _referrals(program: Program, start: datetime, end: datetime, *, agency_ids=None, officer_ids=None):
    # referral_program_created_idx (program, created_at) serves every figure.
    queryset = Referral.objects.filter(program=program, created_at__gte=start, created_at__lt=end)
    if agency_ids is not None:
        queryset = queryset.filter(agency_id__in=agency_ids)
    if officer_ids is not None:
        queryset = queryset.filter(officer_id__in=officer_ids)
    return queryset


def consent_stamp(program: Program) -> tuple[int, int | None]:
    """Names the state of the program's consents (they are only ever added): part of every cache key
    of figures that depend on what officers may have seen."""
    found = Consent.objects.filter(participant__program=program).aggregate(n=Count("id"), top=Max("id"))
    return found["n"], found["top"]


def counts(
    *,
    program: Program,
    start: datetime,
    end: datetime,
    by: Sequence[str] = (),
    monthly: bool = False,
    measures: Sequence[Measure] = COUNTED,
    agency_ids: Iterable[int] | None = None,
    officer_ids: Iterable[int] | None = None,
    seen_only: bool = False,
) -> list[dict]:
    """Raw counts of `measures` over referrals made in [start, end), one row per group, in one query.

    `by` names Referral fields to group on (e.g. ("officer_id", "agency_id"), ("pathway",)); with
    `monthly`, rows are also split by the program-local calendar month (key "month", a local date).
    Each row also has "completion_seconds" (the sum of form completion times). Never published as
    they are: outcome counts go through reports.publication first.
    """
    conditions = _conditions()
    queryset = _referrals(program, start, end, agency_ids=agency_ids, officer_ids=officer_ids)
    if seen_only:  # only referrals whose officer may have seen their outcome (seen_by_their_officer)
        queryset = queryset.filter(seen_by_their_officer())
    fields = list(by)
    if monthly:
        queryset = queryset.annotate(month=TruncMonth("created_at", tzinfo=program.tz))
        fields.append("month")
    annotations = {
        measure.key: Count("pk", filter=conditions[measure.key]) if measure is not REFERRALS else Count("pk")
        for measure in measures
    }
    annotations["completion_seconds"] = Sum("completion_seconds", default=0)
    if fields:
        rows = list(queryset.values(*fields).annotate(**annotations).order_by())
    else:  # .values() with no fields would group by the primary key
        rows = [queryset.aggregate(**annotations)]
    if monthly:
        for row in rows:
            row["month"] = row["month"].date().replace(day=1)
    return rows


def totals(rows: Iterable[dict], keys: Iterable[str]) -> dict[str, int]:
    """Sum the counts of several rows (e.g. the months of a quarter)."""
    keys = list(keys)
    result = dict.fromkeys(keys, 0)
    for row in rows:
        for key in keys:
            result[key] += row.get(key, 0)
    return result


@dataclass(frozen=True)
class Timings:
    """Medians and people counts that cannot be summed from smaller groups."""

    referrals: int
    participants: int
    contacted: int
    engaged: int
    median_contact_hours: float | None
    median_treatment_days: float | None
    median_completion_minutes: float | None
    completion_seconds: int


def timings(
    *,
    program: Program,
    start: datetime,
    end: datetime,
    by: Sequence[str] = (),
    monthly: bool = False,
    agency_ids: Iterable[int] | None = None,
    officer_ids: Iterable[int] | None = None,
) -> dict[tuple, Timings]:
    """Unique people, median time to first contact and to treatment entry, median completion time.

    Keyed by the values of `by` (an empty tuple for the whole selection), then the local month's first
    day with `monthly`. Time to contact is over
    referrals contacted within the contact window, time to treatment over quality referrals.
    """
    conditions = _conditions()
    queryset = _referrals(program, start, end, agency_ids=agency_ids, officer_ids=officer_ids)
    by = list(by)
    if monthly:
        queryset = queryset.annotate(month=TruncMonth("created_at", tzinfo=program.tz))
        by.append("month")
    aggregates = dict(
        n=Count("pk"),
        people=Count("participant_id", distinct=True),
        n_contacted=Count("pk", filter=conditions[CONTACTED.key]),
        n_engaged=Count("pk", filter=conditions[QUALITY.key]),
        contact=Median(
            EpochSeconds(F("first_contact_at") - F("created_at")),
            filter=_before("first_contact_at", CONTACT_WINDOW),
        ),
        treatment=Median(EpochSeconds(F("engaged_at") - F("created_at")), filter=conditions[QUALITY.key]),
        completion=completion_median(),
        completion_total=Sum("completion_seconds", default=0),
    )
    # .values() with no fields would group by the primary key: the whole selection is one aggregate.
    rows = queryset.values(*by).annotate(**aggregates).order_by() if by else [queryset.aggregate(**aggregates)]
    result = {}
    for row in rows:
        if monthly:
            row["month"] = row["month"].date().replace(day=1)
        result[tuple(row[field] for field in by)] = Timings(
            referrals=row["n"],
            participants=row["people"],
            contacted=row["n_contacted"],
            engaged=row["n_engaged"],
            median_contact_hours=None if row["contact"] is None else row["contact"] / 3600,
            median_treatment_days=None if row["treatment"] is None else row["treatment"] / 86400,
            median_completion_minutes=None if row["completion"] is None else row["completion"] / 60,
            completion_seconds=row["completion_total"],
        )
    return result


def officer_hours_saved(*, referrals: int, completion_seconds: int, booking_baseline_minutes: int) -> float:
    """Officer time a referral saved against an arrest and booking, summed over the referrals, in hours.

    Net: a referral that took longer than a booking counts against the total.
    """
    return (referrals * booking_baseline_minutes * 60 - completion_seconds) / 3600


def unique_people_by_service(
    *, program: Program, start: datetime, end: datetime, service_kinds: Sequence[str], provider_kinds: Sequence[str]
) -> int:
    """People referred in the period to a service of one of `service_kinds`, or with no service chosen to a
    provider agency of one of `provider_kinds` (the federal export's "referred to treatment / recovery support")."""
    queryset = _referrals(program, start, end).filter(
        Q(service__kind__in=list(service_kinds)) | Q(service__isnull=True, provider__kind__in=list(provider_kinds))
    )
    return queryset.aggregate(n=Count("participant_id", distinct=True))["n"]
