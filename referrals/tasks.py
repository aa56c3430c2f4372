"""Referral tasks: thin wrappers that take ids and call services."""

import smtplib

from celery import shared_task
from django.conf import settings

from deflection.models import Program
from referrals import breakglass, retention, services
from referrals.clocks import engine
from referrals.clocks.registry import CLOCKS

# SMTP trouble (a timeout, a 4xx or a 5xx answer): try again after 1, 2, 4, 8, 16 backoff units
# (EMAIL_RETRY_BACKOFF_SECONDS, a minute by default), then show the notice as failed to the coordinator,
# who can send it again.
NOTICE_RETRIES = 5


@shared_task(bind=True, soft_time_limit=30, time_limit=60, max_retries=NOTICE_RETRIES)
def email_officer_notice(self, notice_id: int) -> bool:
    try:
        return services.officer_notice_email(notice_id=notice_id)
    except (smtplib.SMTPException, OSError) as exc:
        final = self.request.retries >= self.max_retries
        services.officer_notice_email_failed(notice_id=notice_id, error=exc, final=final)
        if final:
            return False
        countdown = settings.EMAIL_RETRY_BACKOFF_SECONDS * 2**self.request.retries
        raise self.retry(exc=exc, countdown=countdown) from exc


@shared_task(soft_time_limit=30, time_limit=60, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def email_break_glass_notice(grant_id: int) -> bool:
    return breakglass.break_glass_notice_email(grant_id=grant_id)


@shared_task(soft_time_limit=600, time_limit=900)
def apply_retention() -> int:
    """Nightly: de-identify every program's records past its retention period (idempotent)."""
    return sum(retention.retention_apply(program=program) for program in Program.objects.order_by("pk"))


@shared_task(soft_time_limit=240, time_limit=300)
def escalate_overdue() -> int:
    """Every few minutes: escalate what ran out on every clock of every program (idempotent per item and level)."""
    return sum(
        engine.escalations_run(clock=clock, program=program) for program in Program.objects.order_by("pk") for clock in CLOCKS
    )


@shared_task(soft_time_limit=30, time_limit=60, autoretry_for=(OSError, smtplib.SMTPException), retry_backoff=True, max_retries=5)
def email_escalation_notice(notice_id: int) -> bool:
    return engine.escalation_notice_email(notice_id=notice_id)
