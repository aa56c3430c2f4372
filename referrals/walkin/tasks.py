"""Walk-in tasks: thin, idempotent wrappers that take ids and call services."""

import smtplib

from celery import shared_task

from referrals.walkin import services


@shared_task(soft_time_limit=30, time_limit=60, autoretry_for=(OSError, smtplib.SMTPException), retry_backoff=True, max_retries=5)
def email_walkin_notice(notice_id: int) -> bool:
    return services.walkin_notice_email(notice_id=notice_id)
