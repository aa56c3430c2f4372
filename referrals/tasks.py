"""Referral tasks: thin wrappers that take ids and call services."""

from celery import shared_task

from deflection.models import Program
from referrals import breakglass, retention, services


@shared_task(soft_time_limit=30, time_limit=60, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def email_officer_notice(notice_id: int) -> bool:
    return services.officer_notice_email(notice_id=notice_id)


@shared_task(soft_time_limit=30, time_limit=60, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def email_break_glass_notice(grant_id: int) -> bool:
    return breakglass.break_glass_notice_email(grant_id=grant_id)
@shared_task(soft_time_limit=600, time_limit=900)
def apply_retention() -> int:
    """Nightly: de-identify every program's records past its retention period (idempotent)."""
    return sum(retention.retention_apply(program=program) for program in Program.objects.order_by("pk"))
