"""The referral's three clocks (issue 12), each against the program's own target.

- warm hand-off acknowledged: a warm hand-off nobody acknowledged within the program's minutes (30);
- first contact: an open referral with no first contact within the program's hours;
- engagement: a referral whose person has not engaged in treatment within the program's days (30),
  while the case is still being worked (an ended referral has nothing left to escalate).
"""

from __future__ import annotations

import datetime

from django.db.models import DateTimeField, ExpressionWrapper, F, QuerySet, Value
from django.urls import reverse

from deflection.models import Program
from referrals.clocks.engine import Clock
from referrals.models import Handoff, Referral, Status


def warm_ack_target(program: Program) -> datetime.timedelta:
    return datetime.timedelta(minutes=program.warm_handoff_ack_target_minutes)


def first_contact_target(program: Program) -> datetime.timedelta:
    return datetime.timedelta(hours=program.first_contact_target_hours)


def engagement_target(program: Program) -> datetime.timedelta:
    return datetime.timedelta(days=program.engagement_target_days)


def _due(target: datetime.timedelta):
    return ExpressionWrapper(F("created_at") + Value(target), output_field=DateTimeField())


def _referrals(program: Program, target: datetime.timedelta, now: datetime.datetime) -> QuerySet[Referral]:
    return (
        Referral.objects.filter(program=program, created_at__lt=now - target)
        .annotate(due_at=_due(target))
        .annotate(assignee_id=F("assigned_to_id"))
    )


def warm_ack_overdue(program: Program, now: datetime.datetime) -> QuerySet[Referral]:
    return _referrals(program, warm_ack_target(program), now).filter(
        handoff=Handoff.WARM, acknowledged_at__isnull=True, status=Status.RECEIVED
    )


def first_contact_overdue(program: Program, now: datetime.datetime) -> QuerySet[Referral]:
    return _referrals(program, first_contact_target(program), now).filter(
        first_contact_at__isnull=True, status__in=Status.open_statuses()
    )


def engagement_overdue(program: Program, now: datetime.datetime) -> QuerySet[Referral]:
    return _referrals(program, engagement_target(program), now).filter(engaged_at__isnull=True, status__in=Status.open_statuses())


def _reference(pk: int) -> str:
    return f"R-{pk:06d}"


def _link(pk: int) -> str:
    return reverse("referrals:detail", args=[pk])


WARM_ACK = Clock(
    name="warm_ack",
    label="Warm hand-off acknowledged in time",
    overdue=warm_ack_overdue,
    # someone is waiting with an officer: the coordinator hears after one more target period
    coordinator_after=warm_ack_target,
    reference=_reference,
    link=_link,
)
FIRST_CONTACT = Clock(
    name="first_contact",
    label="First contact in time",
    overdue=first_contact_overdue,
    coordinator_after=first_contact_target,
    reference=_reference,
    link=_link,
)
ENGAGEMENT = Clock(
    name="engagement",
    label="Engaged in treatment in time",
    overdue=engagement_overdue,
    coordinator_after=lambda program: datetime.timedelta(days=7),
    reference=_reference,
    link=_link,
)
