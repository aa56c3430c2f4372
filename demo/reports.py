"""Demo activity for reports (called by `manage.py seed_demo`): commendations, a monthly newsletter for
every past month of the demo, and one quarterly edition already emailed.

Safe to run twice: nothing is added to a program that already has newsletters. Every past edition is
built here (about a minute for 18 PDFs), so the demo's newsletter list opens on finished editions,
each with its month's commendations in its recognition section.
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
    first = Referral.objects.filter(program=program).order_by("created_at").values_list("created_at", flat=True).first()
    months = []
    if first is not None:
        last = last_complete_month(now, program.time_zone)
        month = Period.containing(PeriodKind.MONTH, first, program.time_zone)
        while month.first_day <= last.first_day:
            months.append(month)
            month = month.next()
    commendations = _commendations(program, now, months)
    if not months:
        return f"{commendations} commendations (no referrals, so no newsletters)"
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
    # Through the same service as the beat job (claimed once), with today's figures: every outcome of a past month is final.
    built = sum(services.newsletter_build(newsletter_id=edition.pk, now=now) for edition in editions)
    sent = _quarterly(program, now, coordinator)
    return (
        f"{commendations} commendations, {len(editions)} monthly newsletters ({built} built), "
        f"quarterly edition emailed to {sent} people"
    )


def _commendations(program: Program, now, months: list[Period]) -> int:
    """Commendations by command staff through the program's history: two in every past month (the
    coordinator chose the first of each for that month's newsletter) and a few in the current one."""
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
    if not officers:
        return 0
    # (when, chosen for the newsletter): the 9th and 21st of each past month, and two days ago.
    moments = [(month.start + timedelta(days=day, hours=15), day == 8) for month in months for day in (8, 20)]
    moments.append((now - timedelta(days=2), False))
    rows = []
    for n, (created, chosen) in enumerate(moments):
        chosen = chosen and coordinator is not None
        rows.append(
            Commendation(
                program=program,
                officer=officers[n % len(officers)],
                written_by=command,
                text=COMMENDATIONS[n % len(COMMENDATIONS)],
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
