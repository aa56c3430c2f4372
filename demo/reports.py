"""Demo activity for reports (called by `manage.py seed_demo`): commendations, a monthly newsletter for
every past month of the demo, and one quarterly edition already emailed.

Safe to run twice: nothing is added to a program that already has newsletters. Building 18 PDFs takes
about a minute, so only the two latest monthly editions and the quarterly one are built here; the
others are recorded as waiting and built by the Celery task the first time someone downloads them.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from deflection.models import Program, Role, User
from referrals.models import Referral
from reports import services
from reports.models import (
    Commendation,
    Delivery,
    DeliveryStatus,
    Newsletter,
    NewsletterKind,
    NewsletterSend,
    NewsletterStatus,
)
from reports.periods import Period, PeriodKind, last_complete_month, last_complete_quarter

BUILT_NOW = 2  # the latest monthly editions built during seeding; the rest are built on first download

COMMENDATIONS = [
    "Stayed with a man in crisis at the bus depot for forty minutes until the peer coach arrived. "
    "Calm, respectful and patient: exactly what deflection asks of us.",
    "Three naloxone-plus follow-ups this month, each with a warm hand-off. Thank you for going back.",
    "Walked a first-time caller through the self-referral process at the front desk and drove her to intake.",
    "Consistently chooses a referral over a citation when the eligibility checklist allows it.",
    "Trained two new officers on the referral form during a busy night shift.",
    "Took the time to explain the post-referral process to a worried family member.",
]


def seed(program: Program) -> str:
    if Newsletter.objects.filter(program=program).exists():
        return f"{Newsletter.objects.filter(program=program).count()} newsletters already present"
    now = timezone.now()
    commendations = _commendations(program, now)
    first = Referral.objects.filter(program=program).order_by("created_at").values_list("created_at", flat=True).first()
    if first is None:
        return f"{commendations} commendations (no referrals, so no newsletters)"
    last = last_complete_month(now, program.time_zone)
    month = Period.containing(PeriodKind.MONTH, first, program.time_zone)
    months = []
    while month.first_day <= last.first_day:
        months.append(month)
        month = month.next()
    coordinator = User.objects.filter(username="coordinator").first()
    with transaction.atomic():
        editions = Newsletter.objects.bulk_create(
            [
                Newsletter(
                    program=program,
                    kind=NewsletterKind.MONTHLY,
                    period_start=m.first_day,
                    period_end=m.last_day,
                    created_at=m.end + timedelta(hours=6),
                )
                for m in months
            ]
        )
    for edition in editions[-BUILT_NOW:]:
        services.newsletter_build(newsletter_id=edition.pk, now=now)
    sent = _quarterly(program, now, coordinator)
    return (
        f"{commendations} commendations, {len(editions)} monthly newsletters ({min(BUILT_NOW, len(editions))} built, "
        f"the rest built on first download), quarterly edition emailed to {sent} people"
    )


def _commendations(program: Program, now) -> int:
    command = User.objects.filter(username="command").first()
    coordinator = User.objects.filter(username="coordinator").first()
    if command is None:
        return 0
    agencies = [m.agency_id for m in command.memberships.filter(role=Role.COMMAND)]
    officers = list(
        User.objects.filter(memberships__agency_id__in=agencies, memberships__role=Role.OFFICER)
        .order_by("username")
        .distinct()[: len(COMMENDATIONS)]
    )
    officer = User.objects.filter(username="officer").first()
    if officer is not None and officer not in officers:
        officers = [officer, *officers[:-1]]
    rows = []
    for n, (person, text) in enumerate(zip(officers, COMMENDATIONS, strict=False)):
        created = now - timedelta(days=12 + 25 * n)
        chosen = n % 2 == 0 and coordinator is not None
        rows.append(
            Commendation(
                program=program,
                officer=person,
                written_by=command,
                text=text,
                created_at=created,
                include_in_newsletter=chosen,
                marked_by=coordinator if chosen else None,
                marked_at=created + timedelta(days=1) if chosen else None,
            )
        )
    Commendation.objects.bulk_create(rows)
    return len(rows)


def _quarterly(program: Program, now, coordinator: User | None) -> int:
    """The last complete quarter's edition, built and already emailed to every police agency's staff."""
    if coordinator is None:
        return 0
    quarter = last_complete_quarter(now, program.time_zone)
    edition = Newsletter.objects.create(
        program=program,
        kind=NewsletterKind.QUARTERLY,
        period_start=quarter.first_day,
        period_end=quarter.last_day,
        created_by=coordinator,
        created_at=quarter.end + timedelta(days=3),
    )
    services.newsletter_build(newsletter_id=edition.pk, now=now)
    edition.refresh_from_db()
    if edition.status != NewsletterStatus.READY:
        return 0
    police = [a for a in program.partners.all() if a.is_law_enforcement] + [program.lead_agency]
    sent_at = quarter.end + timedelta(days=4)
    with transaction.atomic():
        send = NewsletterSend.objects.create(
            newsletter=edition,
            message="Thank you for every referral this quarter. The figures inside are the program's, not any one person's.",
            idempotency_key=uuid.uuid4(),
            created_by=coordinator,
            created_at=sent_at,
        )
        send.agencies.set(police)
        recipients = services.recipients_for(program=program, agencies=police, recipient_list=None)
        Delivery.objects.bulk_create(
            [
                Delivery(
                    send=send,
                    newsletter=edition,
                    recipient_id=user_id,
                    status=DeliveryStatus.SENT,
                    attempts=1,
                    claimed_at=sent_at,
                    sent_at=sent_at,
                )
                for user_id in recipients
            ]
        )
    return len(recipients)
