"""Report workflows: commendations, building newsletter editions, and emailing the quarterly edition.

Every step that Celery runs is safe to run twice: an edition is claimed with a conditional UPDATE
before it is built, and each email delivery is claimed the same way before it is sent.
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Max, Min, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from deflection.audit import AuditContext, audit_log
from deflection.errors import ServiceError
from deflection.models import Membership, Program, User
from deflection.outbox import enqueue
from deflection.pdf import render_pdf
from reports.models import (
    Commendation,
    Delivery,
    DeliveryStatus,
    Newsletter,
    NewsletterKind,
    NewsletterSend,
    NewsletterStatus,
    RecipientList,
)
from reports.newsletter import newsletter_content
from reports.outcomes import program_agency_ids
from reports.periods import Period, PeriodKind, last_complete_month, period_choices
from reports.publishing import count_and_publish, months_of

logger = logging.getLogger(__name__)

# A build or a delivery claimed longer ago than this was abandoned by a killed worker: claim it again.
BUILD_LEASE = timedelta(minutes=10)
DELIVERY_LEASE = timedelta(minutes=10)
# The monthly newsletter is built on the 1st, from 06:00 in the program's time zone.
MONTHLY_BUILD_HOUR = 6
# Deliveries one task sends before handing over to the next (so a soft time limit never cuts a run short).
DELIVERY_CHUNK = 250
# How many tasks send one edition side by side (one per worker process).
DELIVERY_PARALLEL = 2


def attachment_limit() -> int:
    """Editions larger than this go out as a link instead of an attachment."""
    return int(getattr(settings, "REPORTS_NEWSLETTER_ATTACHMENT_LIMIT", 2 * 1024 * 1024))


# Commendations ------------------------------------------------------------------------------------


def commendation_write(
    *, program: Program, officer: User, written_by: User, text: str, audit: AuditContext | None = None
) -> Commendation:
    commendation = Commendation.objects.create(program=program, officer=officer, written_by=written_by, text=text.strip())
    audit_log(action="commendation.create", context=audit, actor=written_by, obj=commendation)
    return commendation


def commendation_mark_for_newsletter(
    *, commendation: Commendation, by: User, include: bool, audit: AuditContext | None = None
) -> None:
    Commendation.objects.filter(pk=commendation.pk).update(
        include_in_newsletter=include, marked_by=by if include else None, marked_at=timezone.now() if include else None
    )
    audit_log(action="commendation.newsletter", context=audit, actor=by, obj=commendation, detail={"include": include})


# Building editions --------------------------------------------------------------------------------


def newsletter_request(
    *, program: Program, kind: str, period: Period, by: User | None, audit: AuditContext | None = None
) -> Newsletter:
    """Queue a new version of an edition; if one is already waiting or building, return that one.

    The build runs in Celery (reports.tasks.build_newsletter), published through the outbox so that
    it survives Redis being down at this moment.
    """
    expected = PeriodKind.MONTH if kind == NewsletterKind.MONTHLY else PeriodKind.QUARTER
    if period.kind != expected:
        raise ServiceError(f"A {kind} newsletter covers a {expected.value}.")
    waiting = Newsletter.objects.filter(
        program=program, kind=kind, period_start=period.first_day, status__in=NewsletterStatus.in_progress()
    ).first()
    if waiting is not None:
        return waiting
    try:
        with transaction.atomic():
            version = (
                Newsletter.objects.filter(program=program, kind=kind, period_start=period.first_day).aggregate(v=Max("version"))[
                    "v"
                ]
                or 0
            ) + 1
            newsletter = Newsletter.objects.create(
                program=program,
                kind=kind,
                period_start=period.first_day,
                period_end=period.last_day,
                version=version,
                created_by=by,
            )
            enqueue("reports.tasks.build_newsletter", newsletter_id=newsletter.pk)
            audit_log(action="newsletter.request", context=audit, actor=by, obj=newsletter)
    except IntegrityError:
        # Another click or beat run queued it between our check and our insert.
        return Newsletter.objects.get(
            program=program, kind=kind, period_start=period.first_day, status__in=NewsletterStatus.in_progress()
        )
    return newsletter


def _claim_build(newsletter_id: int, now: datetime) -> bool:
    return bool(
        Newsletter.objects.filter(pk=newsletter_id)
        .filter(Q(status=NewsletterStatus.PENDING) | Q(status=NewsletterStatus.BUILDING, started_at__lt=now - BUILD_LEASE))
        .update(status=NewsletterStatus.BUILDING, started_at=now)
    )


def newsletter_pdf(newsletter: Newsletter, now: datetime | None = None) -> bytes:
    content = newsletter_content(program=newsletter.program, period=newsletter.period, now=now)
    return render_pdf("reports/pdf/newsletter.html", {"content": content, "newsletter": newsletter})


def newsletter_build(*, newsletter_id: int, now: datetime | None = None) -> bool:
    """Build one edition's PDF and make it the current edition. False if another worker has it.

    Claimed with a conditional UPDATE first, so a task delivered twice builds once; a build left
    half-done by a killed worker is claimed again after BUILD_LEASE.
    """
    now = now or timezone.now()
    if not _claim_build(newsletter_id, now):
        return False
    newsletter = Newsletter.objects.select_related("program").get(pk=newsletter_id)
    try:
        pdf = newsletter_pdf(newsletter, now)
    except Exception as exc:
        Newsletter.objects.filter(pk=newsletter_id, status=NewsletterStatus.BUILDING).update(
            status=NewsletterStatus.FAILED, error=type(exc).__name__[:200]
        )
        logger.exception("newsletter %s failed to build", newsletter_id)
        raise
    newsletter.file.save(newsletter.download_name, ContentFile(pdf), save=False)
    with transaction.atomic():
        # Only the worker that still holds the claim publishes, and only one edition is ever current.
        locked = Newsletter.objects.select_for_update().filter(pk=newsletter_id, status=NewsletterStatus.BUILDING).first()
        if locked is None:
            newsletter.file.delete(save=False)
            return False
        Newsletter.objects.filter(
            program_id=newsletter.program_id, kind=newsletter.kind, period_start=newsletter.period_start, is_current=True
        ).update(is_current=False)
        Newsletter.objects.filter(pk=newsletter_id).update(
            status=NewsletterStatus.READY,
            is_current=True,
            file=newsletter.file.name,
            file_size=len(pdf),
            built_at=timezone.now(),
            error="",
        )
    return True


def monthly_due(program: Program, now: datetime) -> Period | None:
    """The month whose newsletter is due now: on the 1st from 06:00 local time (later hours of the 1st
    catch up when beat was down at 06:00)."""
    local = program.localtime(now)
    if local.day != 1 or local.hour < MONTHLY_BUILD_HOUR:
        return None
    return last_complete_month(now, program.time_zone)


def newsletters_dispatch_monthly(*, now: datetime | None = None) -> int:
    """Hourly (CELERY_BEAT_SCHEDULE): queue the previous month's edition of each program that is due.

    Idempotent: a program that already has an edition (in any state) for that month is skipped, so
    the hourly runs of the rest of the 1st, and a retried task, queue nothing more.
    """
    now = now or timezone.now()
    queued = 0
    for program in Program.objects.order_by("pk"):
        period = monthly_due(program, now)
        if period is None:
            continue
        if Newsletter.objects.filter(program=program, kind=NewsletterKind.MONTHLY, period_start=period.first_day).exists():
            continue
        newsletter_request(program=program, kind=NewsletterKind.MONTHLY, period=period, by=None)
        queued += 1
    return queued


# Keeping the report pages fast ----------------------------------------------------------------------


# Periods before the program's first referral have nothing to publish; older history than this is
# published on its first view instead.
WARM_YEARS = 10


def warm_periods(program: Program, now: datetime) -> list[Period]:
    """What the warming task publishes: the pickers' periods first (the ones most pages show), then every
    other month, quarter and year back to the program's first referral, newest first."""
    periods = {key: Period.parse(key, program.time_zone) for key, _label in period_choices(program, now)}
    first = program.referrals.aggregate(first=Min("created_at"))["first"]
    if first is not None:
        oldest = max(first, now - timedelta(days=365 * WARM_YEARS))
        for kind in (PeriodKind.YEAR, PeriodKind.QUARTER, PeriodKind.MONTH):
            period = Period.containing(kind, now, program.time_zone)
            while period.end > oldest:
                periods.setdefault(period.key, period)
                period = period.previous()
    return list(periods.values())


def reports_warm(*, program_id: int, now: datetime | None = None) -> int:
    """Count ended months into the rollups and publish every period of the program's history (and the
    period before each, for rank changes), so that no page view pays for it.

    Hourly from beat, one task per program. Publications are cached by their inputs, so a run with
    nothing new reads the cache and publishes nothing; running it twice is harmless. Returns how many
    periods were checked.
    """
    program = Program.objects.filter(pk=program_id).first()
    if program is None:
        return 0
    now = now or timezone.now()
    periods = warm_periods(program, now)
    for period in periods:
        pair = [period, period.previous()]
        count_and_publish(program=program, periods=pair, months=months_of(*pair), now=now, officers=True)
    return len(periods)


def reports_warm_dispatch() -> int:
    """Queue one warming task per program (beat, hourly)."""
    ids = list(Program.objects.order_by("pk").values_list("pk", flat=True))
    for program_id in ids:
        enqueue("reports.tasks.warm_reports", program_id=program_id)
    return len(ids)


# Sending the quarterly edition --------------------------------------------------------------------


def recipients_for(*, program: Program, agencies, recipient_list: RecipientList | None) -> list[int]:
    """User ids: every active member (officers and staff) of the chosen agencies, and the saved list."""
    agency_ids = [a.pk for a in agencies if a.pk in program_agency_ids(program)]
    ids = set(
        Membership.objects.filter(agency_id__in=agency_ids, is_active=True, user__is_active=True).values_list(
            "user_id", flat=True
        )
    )
    if recipient_list is not None:
        ids |= set(recipient_list.members.filter(is_active=True).values_list("id", flat=True))
    return sorted(ids)


def newsletter_send_create(
    *,
    newsletter: Newsletter,
    by: User,
    message: str,
    agencies,
    recipient_list: RecipientList | None,
    idempotency_key,
    audit: AuditContext | None = None,
) -> NewsletterSend:
    """Record a send with one delivery row per recipient, then queue the sending tasks.

    A double-tapped Send (same idempotency key) returns the first send; a recipient who already has
    this edition (from an earlier send) gets no second row: the unique (edition, recipient) pair.
    """
    if newsletter.kind != NewsletterKind.QUARTERLY or newsletter.status != NewsletterStatus.READY:
        raise ServiceError("Only a built quarterly edition can be sent.")
    existing = NewsletterSend.objects.filter(created_by=by, idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing
    recipients = recipients_for(program=newsletter.program, agencies=agencies, recipient_list=recipient_list)
    try:
        with transaction.atomic():
            send = NewsletterSend.objects.create(
                newsletter=newsletter,
                message=message.strip(),
                recipient_list=recipient_list,
                idempotency_key=idempotency_key,
                created_by=by,
            )
            send.agencies.set(list(agencies))
            Delivery.objects.bulk_create(
                [Delivery(send=send, newsletter=newsletter, recipient_id=user_id) for user_id in recipients],
                batch_size=2000,
                ignore_conflicts=True,
            )
            for _ in range(DELIVERY_PARALLEL):
                enqueue("reports.tasks.send_newsletter", send_id=send.pk)
            audit_log(
                action="newsletter.send",
                context=audit,
                actor=by,
                obj=send,
                detail={"newsletter": newsletter.pk, "recipients": len(recipients)},
            )
    except IntegrityError:
        return NewsletterSend.objects.get(created_by=by, idempotency_key=idempotency_key)
    return send


def _claim_next_delivery(send_id: int, now: datetime) -> tuple[int, str, int] | None:
    """Lock the next queued row of a send (or one an older worker left SENDING past the lease) and mark it SENT.

    Called inside the transaction that sends its message: the mark commits only once the mail server
    accepted it. SKIP LOCKED lets two workers send one edition side by side without taking the same row; a
    worker killed mid-send drops its connection, PostgreSQL rolls the mark back and unlocks the row, and the
    redelivered task sends it (issue 15). Returns (id, address, attempts so far).
    """
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT d.id, COALESCE(u.email, ''), d.attempts FROM {Delivery._meta.db_table} d
            LEFT JOIN {User._meta.db_table} u ON u.id = d.recipient_id
            WHERE d.send_id = %s AND (d.status = %s OR (d.status = %s AND d.claimed_at < %s))
            ORDER BY d.id LIMIT 1 FOR UPDATE OF d SKIP LOCKED
            """,  # noqa: S608  (the table names are ours; every value is a parameter)
            [send_id, DeliveryStatus.QUEUED, DeliveryStatus.SENDING, now - DELIVERY_LEASE],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    Delivery.objects.filter(pk=row[0]).update(
        status=DeliveryStatus.SENT, claimed_at=now, sent_at=now, attempts=F("attempts") + 1, reason=""
    )
    return row


@dataclass
class Email:
    subject: str
    body: str
    attachment: bytes | None
    link: str


def newsletter_email(send: NewsletterSend) -> Email:
    """The one message every recipient gets: no names, a link or the PDF attached."""
    newsletter = send.newsletter
    link = settings.SITE_URL + reverse("reports:newsletter_download", args=[newsletter.pk])
    attachment = None
    if newsletter.file_size and newsletter.file_size <= attachment_limit():
        with newsletter.file.open("rb") as handle:
            attachment = handle.read()
    body = render_to_string(
        "reports/email/newsletter.txt",
        {"send": send, "newsletter": newsletter, "link": link, "attached": attachment is not None},
    )
    subject = f"{newsletter.program.name}: newsletter, {newsletter.period.label}"
    return Email(subject, body, attachment, link)


def deliveries_send(*, send_id: int, budget: int = DELIVERY_CHUNK, now: datetime | None = None) -> dict[str, int]:
    """Send up to `budget` deliveries of one send; returns what happened and whether rows remain.

    Each row is marked SENT in the transaction that sends its message (`_claim_next_delivery`). A refused
    address fails its row with the reason (the newsletter page sends those again). Other SMTP trouble (a
    timeout, a 4xx or 5xx answer) puts the row back in the queue with the attempt counted and is raised, so
    the task retries the rest with backoff (deflection/mail.py).
    """
    send = NewsletterSend.objects.select_related("newsletter__program").get(pk=send_id)
    email = newsletter_email(send)
    sent = failed = 0
    smtp = get_connection()
    smtp.open()
    try:
        while sent + failed < budget:
            outcome = _deliver_next(smtp, email, send_id, now or timezone.now())
            if outcome is None:
                break
            sent += outcome == DeliveryStatus.SENT
            failed += outcome == DeliveryStatus.FAILED
    finally:
        smtp.close()
    remaining = Delivery.objects.filter(send_id=send_id, status__in=[DeliveryStatus.QUEUED, DeliveryStatus.SENDING]).count()
    return {"sent": sent, "failed": failed, "remaining": remaining}


def _deliver_next(smtp, email: Email, send_id: int, now: datetime) -> str | None:
    trouble = None
    with transaction.atomic():
        claimed = _claim_next_delivery(send_id, now)
        if claimed is None:
            return None
        delivery_id, address, _attempts = claimed
        if not address:
            Delivery.objects.filter(pk=delivery_id).update(status=DeliveryStatus.FAILED, sent_at=None, reason="no email address")
            return DeliveryStatus.FAILED
        message = EmailMessage(
            subject=email.subject,
            body=email.body,
            to=[address],
            connection=smtp,
            # One Message-ID per recipient and edition: should a copy ever go out twice, mail clients fold it.
            headers={"Message-ID": f"<newsletter-delivery-{delivery_id}@{settings.SITE_URL.split('//')[-1].split('/')[0]}>"},
        )
        if email.attachment is not None:
            message.attach("newsletter.pdf", email.attachment, "application/pdf")
        try:
            message.send()
        except smtplib.SMTPRecipientsRefused as exc:
            codes = ",".join(str(code) for code, _text in exc.recipients.values())
            refused = f"refused {codes}"[:120]
            Delivery.objects.filter(pk=delivery_id).update(status=DeliveryStatus.FAILED, sent_at=None, reason=refused)
            return DeliveryStatus.FAILED
        except (smtplib.SMTPException, OSError) as exc:
            reason = f"{type(exc).__name__} {getattr(exc, 'smtp_code', '')}".strip()
            Delivery.objects.filter(pk=delivery_id).update(status=DeliveryStatus.QUEUED, sent_at=None, reason=reason[:120])
            trouble = exc
        else:
            return DeliveryStatus.SENT
    # Back in the queue with the attempt counted: the task's retry carries on after its backoff, and after the
    # last one the coordinator's "send again" (deflection/mail.py) does.
    raise trouble


def deliveries_retry_failed(*, send: NewsletterSend, by: User, audit: AuditContext | None = None) -> int:
    """Put a send's failed rows back in the queue and start sending again."""
    with transaction.atomic():
        count = Delivery.objects.filter(send=send, status=DeliveryStatus.FAILED).update(
            status=DeliveryStatus.QUEUED, attempts=0, reason=""
        )
        for _ in range(DELIVERY_PARALLEL):
            enqueue("reports.tasks.send_newsletter", send_id=send.pk)
        audit_log(action="newsletter.send.retry", context=audit, actor=by, obj=send, detail={"rows": count})
    return count


def send_progress(send: NewsletterSend) -> dict[str, int]:
    counts = dict(Delivery.objects.filter(send=send).values_list("status").annotate(n=Count("id")).order_by())
    total = sum(counts.values())
    sent = counts.get(DeliveryStatus.SENT, 0)
    failed = counts.get(DeliveryStatus.FAILED, 0)
    return {"total": total, "sent": sent, "failed": failed, "remaining": total - sent - failed}


def recipient_list_create(
    *, program: Program, name: str, user_ids: list[int], by: User, audit: AuditContext | None = None
) -> RecipientList:
    with transaction.atomic():
        recipient_list = RecipientList.objects.create(program=program, name=name, created_by=by)
        recipient_list.members.set(user_ids)
        audit_log(action="recipient_list.create", context=audit, actor=by, obj=recipient_list, detail={"people": len(user_ids)})
    return recipient_list
