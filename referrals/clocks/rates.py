"""How often each referral clock was met in a period: raw counts for the report builders to suppress.

A referral counts towards a clock once its deadline has passed or the clock was met (a clock still
running is neither met nor missed). One query per call whatever the period's size.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Count, F, Q

from deflection.models import Program
from referrals.clocks.referral_clocks import (
    ENGAGEMENT,
    FIRST_CONTACT,
    WARM_ACK,
    engagement_target,
    first_contact_target,
    warm_ack_target,
)
from referrals.models import Handoff, Referral


@dataclass(frozen=True)
class ClockCount:
    name: str
    label: str
    target: str  # "30 minutes", in words, for the tile
    met: int  # raw: the caller suppresses (deflection.suppression.rate)
    due: int


def _met_or_due(field: str, target: datetime.timedelta, now: datetime.datetime, extra: Q | None = None):
    extra = extra if extra is not None else Q()
    met = Q(**{f"{field}__isnull": False}) & Q(**{f"{field}__lte": F("created_at") + target}) & extra
    due = (met | Q(created_at__lte=now - target)) & extra
    return Count("pk", filter=met), Count("pk", filter=due)


# Report pages read the counts as of the last 5-minute mark, cached until the next: a dashboard costs no
# extra query on a reload, and a rate is at most 5 minutes behind (beat escalates on the same rhythm).
CACHE_SECONDS = 300


def clock_counts_cached(
    *, program: Program, start: datetime.datetime, end: datetime.datetime, now: datetime.datetime, agency_id: int | None = None
) -> list[ClockCount]:
    mark = now.replace(minute=now.minute - now.minute % 5, second=0, microsecond=0)
    end = min(end, mark)
    targets = (program.warm_handoff_ack_target_minutes, program.first_contact_target_hours, program.engagement_target_days)
    key = f"clock-counts:{program.pk}:{agency_id}:{start.isoformat()}:{end.isoformat()}:{mark.isoformat()}:{targets}"
    counts = cache.get(key)
    if counts is None:
        counts = clock_counts(program=program, start=start, end=end, now=mark, agency_id=agency_id)
        cache.set(key, counts, CACHE_SECONDS)
    return counts


def clock_counts(
    *, program: Program, start: datetime.datetime, end: datetime.datetime, now: datetime.datetime, agency_id: int | None = None
) -> list[ClockCount]:
    """Each clock's met and due counts over the referrals made in [start, end) (by one referring agency if given)."""
    referrals = Referral.objects.filter(program=program, created_at__gte=start, created_at__lt=end)
    if agency_id is not None:
        referrals = referrals.filter(agency_id=agency_id)
    warm, contact, engaged = warm_ack_target(program), first_contact_target(program), engagement_target(program)
    warm_met, warm_due = _met_or_due("acknowledged_at", warm, now, Q(handoff=Handoff.WARM))
    contact_met, contact_due = _met_or_due("first_contact_at", contact, now)
    engaged_met, engaged_due = _met_or_due("engaged_at", engaged, now)
    row = referrals.aggregate(
        warm_met=warm_met,
        warm_due=warm_due,
        contact_met=contact_met,
        contact_due=contact_due,
        engaged_met=engaged_met,
        engaged_due=engaged_due,
    )
    return [
        ClockCount(
            WARM_ACK.name,
            "Warm hand-offs acknowledged in time",
            f"{program.warm_handoff_ack_target_minutes} minutes",
            row["warm_met"],
            row["warm_due"],
        ),
        ClockCount(
            FIRST_CONTACT.name,
            "First contact in time",
            f"{program.first_contact_target_hours} hours",
            row["contact_met"],
            row["contact_due"],
        ),
        ClockCount(
            ENGAGEMENT.name,
            "Engaged in treatment in time",
            f"{program.engagement_target_days} days",
            row["engaged_met"],
            row["engaged_due"],
        ),
    ]
