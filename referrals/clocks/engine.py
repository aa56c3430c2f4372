"""Escalating overdue items: the part every clock shares.

A Clock names its overdue items with a queryset (annotated `due_at`, and `provider_id` and
`assignee_id` available as values); `escalations_run` does the rest for one program:

- an item past its deadline escalates to level 1, the provider's on-call case manager (the item's
  assignee when nobody is on call, the coordinators when it has neither);
- still overdue `coordinator_after` later, to level 2, the program's coordinators;
- each (clock, item, level) is escalated once: the unique constraint decides, not a look-up, so two
  runs at the same moment (two beats, a redelivered task) make one escalation;
- each recipient gets an in-app notice and one link-only email (SECURITY.md 12: no participant data);
- an escalation whose item is no longer overdue (the clock was met late) is marked resolved.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from deflection.audit import audit_log
from deflection.models import Membership, Program, Role
from deflection.outbox import enqueue
from referrals.assignment import on_call_case_managers
from referrals.clocks.models import Escalation, EscalationLevel, EscalationNotice

# An item whose clock ran out longer ago than this is backlog, shown on the worklist, not escalated:
# otherwise the first run over years of data (or after a long outage) would page everyone at once.
# Beat runs every few minutes, so anything that runs out while the app is up escalates well inside it.
ESCALATION_LOOKBACK = datetime.timedelta(days=7)

EMAIL_TASK = "referrals.tasks.email_escalation_notice"


@dataclass(frozen=True)
class Clock:
    name: str  # stored on Escalation.clock; never renamed (it is part of the unique key)
    label: str  # what the clock promises, for people: "Warm hand-off acknowledged in time"
    overdue: Callable[[Program, datetime.datetime], QuerySet]  # see the module docstring
    coordinator_after: Callable[[Program], datetime.timedelta]  # from the deadline to level 2
    reference: Callable[[int], str]  # how the item is named in the app ("R-000123"), never in an email
    link: Callable[[int], str]  # the item's page in the app (path)


def program_coordinator_ids(program: Program) -> list[int]:
    return sorted(
        set(
            Membership.objects.filter(
                role=Role.COORDINATOR, is_active=True, user__is_active=True, agency_id__in=program.agency_ids()
            ).values_list("user_id", flat=True)
        )
    )


def _escalate(*, clock: Clock, program: Program, item: dict, level: int, recipients: list[int], now) -> bool:
    """Make one escalation with its notices; False if this (clock, item, level) was escalated before."""
    try:
        with transaction.atomic():
            escalation = Escalation.objects.create(
                clock=clock.name,
                subject_id=item["pk"],
                level=level,
                program=program,
                provider_id=item["provider_id"],
                due_at=item["due_at"],
                created_at=now,
            )
            notices = EscalationNotice.objects.bulk_create(
                EscalationNotice(escalation=escalation, recipient_id=user_id) for user_id in recipients
            )
            audit_log(
                action="escalation.create",
                obj=escalation,
                detail={"clock": clock.name, "subject": item["pk"], "level": level, "recipients": recipients},
            )
            for notice in notices:
                enqueue(EMAIL_TASK, notice_id=notice.pk)
    except IntegrityError:
        return False  # escalated already (this run raced another, or ran twice)
    return True


def escalations_run(*, clock: Clock, program: Program, now: datetime.datetime | None = None) -> int:
    """Escalate the program's items that ran out on this clock; resolve those met since. Returns how many were made."""
    now = now or timezone.now()
    overdue = clock.overdue(program, now)
    items = list(overdue.filter(due_at__gte=now - ESCALATION_LOOKBACK).values("pk", "provider_id", "assignee_id", "due_at"))
    on_call = on_call_case_managers({i["provider_id"] for i in items if i["provider_id"]}, now) if items else {}
    coordinators = program_coordinator_ids(program) if items else []
    to_coordinator_after = clock.coordinator_after(program)
    made = 0
    for item in items:
        first = on_call.get(item["provider_id"]) or item["assignee_id"]
        made += _escalate(
            clock=clock,
            program=program,
            item=item,
            level=EscalationLevel.ON_CALL,
            recipients=[first] if first else coordinators,
            now=now,
        )
        if now >= item["due_at"] + to_coordinator_after:
            made += _escalate(
                clock=clock, program=program, item=item, level=EscalationLevel.COORDINATOR, recipients=coordinators, now=now
            )
    open_ = Escalation.objects.filter(program=program, clock=clock.name, resolved_at__isnull=True)
    open_ids = set(open_.values_list("subject_id", flat=True))
    if open_ids:
        still = set(overdue.filter(pk__in=open_ids).values_list("pk", flat=True))
        if open_ids - still:
            open_.filter(subject_id__in=open_ids - still).update(resolved_at=now)
    return made


def escalation_notice_email(*, notice_id: int) -> bool:
    """Send one escalation email, once: the claim and the send commit together (as officer notices do)."""
    with transaction.atomic():
        claimed = EscalationNotice.objects.filter(pk=notice_id, emailed_at__isnull=True).update(emailed_at=timezone.now())
        if not claimed:
            return False
        email = EscalationNotice.objects.filter(pk=notice_id).values_list("recipient__email", flat=True).get()
        link = settings.SITE_URL + reverse("referrals:escalations")
        # SECURITY.md 12: a link, never a name, a reference or a status.
        send_mail(
            subject="Deflection: overdue work escalated to you",
            message=f"Something in the program is past its deadline and needs you.\n\nSign in to see it: {link}\n",
            from_email=None,
            recipient_list=[email],
        )
    return True


def escalation_notices_for(user) -> QuerySet[EscalationNotice]:
    """The user's escalations, newest first, with what the page shows."""
    return (
        EscalationNotice.objects.filter(recipient=user)
        .select_related("escalation", "escalation__program", "escalation__provider")
        .order_by("-escalation__created_at", "-pk")
    )


def escalation_notices_mark_read(*, user) -> int:
    return EscalationNotice.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())


def unread_count(user) -> int:
    return EscalationNotice.objects.filter(recipient=user, read_at__isnull=True).count()
