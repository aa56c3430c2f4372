"""Program-wide periodic tasks: thin wrappers around services."""

from celery import shared_task
from django.utils import timezone

from deflection import accounts, audit_review, health, outbox
from deflection.mail import email_task


@shared_task(soft_time_limit=10, time_limit=20)
def heartbeat() -> None:
    health.record_heartbeat()


@shared_task(soft_time_limit=60, time_limit=90)
def relay_outbox() -> int:
    return outbox.relay_pending()


@shared_task(soft_time_limit=10, time_limit=20)
def ping(token: str) -> str:
    """Round-trip check used by the worker test and by operators: echoes its argument."""
    return token


@shared_task(soft_time_limit=300, time_limit=360)
def disable_unused_accounts() -> int:
    """Daily: disable accounts unused for 90 days (SECURITY.md 24). Safe to run twice."""
    return accounts.accounts_disable_unused()


@email_task(label="Audit-review digests", soft_time_limit=120, time_limit=150)
def send_audit_review_digests() -> int:
    """Hourly: each program's weekly audit-review email, once its Monday 07:00 has passed. Safe to run twice."""
    return sum(
        audit_review.audit_review_digest_send(program_id=program_id, week_start=week_start)
        for program_id, week_start in audit_review.audit_review_digests_due(timezone.now())
    )
