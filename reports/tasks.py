"""Reports' Celery tasks: thin wrappers that take ids and call reports.services."""

from __future__ import annotations

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from deflection.mail import email_task
from deflection.outbox import enqueue
from reports import services
from reports.models import NewsletterSend


def _send(send_id: int) -> tuple[str, int | None]:
    send = NewsletterSend.objects.select_related("newsletter").get(pk=send_id)
    return f"Newsletter, {send.newsletter.period.label}", send.newsletter.program_id


@shared_task(soft_time_limit=60, time_limit=90, max_retries=3, default_retry_delay=300)
def dispatch_monthly_newsletters() -> int:
    """Hourly (CELERY_BEAT_SCHEDULE): queue each program's monthly edition on the 1st, 06:00 local time."""
    return services.newsletters_dispatch_monthly()


@shared_task(
    soft_time_limit=120,
    time_limit=180,
    # A build cut short by its soft limit stays BUILDING; its lease lets the retry claim it again.
    autoretry_for=(SoftTimeLimitExceeded,),
    max_retries=2,
    default_retry_delay=int(services.BUILD_LEASE.total_seconds()) + 30,
)
def build_newsletter(newsletter_id: int) -> bool:
    return services.newsletter_build(newsletter_id=newsletter_id)


# A refused address fails its row (the newsletter page retries those); other SMTP trouble stops the run
# with the row back in the queue, for the retry (deflection/mail.py).
@email_task(label="Newsletter", about=_send, soft_time_limit=240, time_limit=300)
def send_newsletter(send_id: int) -> dict:
    """Send one chunk of a quarterly edition's deliveries, then hand the rest to a fresh task."""
    result = services.deliveries_send(send_id=send_id)
    if result["sent"] + result["failed"] >= services.DELIVERY_CHUNK and result["remaining"]:
        enqueue("reports.tasks.send_newsletter", send_id=send_id)
    return result


@shared_task(soft_time_limit=60, time_limit=90)
def dispatch_report_warming() -> int:
    """Hourly (CELERY_BEAT_SCHEDULE): one warming task per program."""
    return services.reports_warm_dispatch()


@shared_task(soft_time_limit=20 * 60, time_limit=25 * 60)
def warm_reports(program_id: int) -> int:
    """Publish a program's report periods ahead of the page views (safe to run twice)."""
    return services.reports_warm(program_id=program_id)
