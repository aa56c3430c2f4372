"""Training's Celery tasks: thin wrappers that take ids and call training.services."""

from __future__ import annotations

import smtplib
from datetime import date

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from training import services


@shared_task(
    soft_time_limit=120,
    time_limit=180,
    # Planning is idempotent per (person, course, week): a retry picks up where a slow run stopped.
    autoretry_for=(SoftTimeLimitExceeded,),
    max_retries=3,
    default_retry_delay=60,
)
def send_training_reminders() -> int:
    """Weekly (CELERY_BEAT_SCHEDULE): plan this week's reminders and queue one email per person."""
    return services.reminders_queue_weekly()


@shared_task(
    soft_time_limit=30,
    time_limit=60,
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=60,
    retry_backoff_max=3600,
    max_retries=5,
)
def send_training_reminder(user_id: int, week: str) -> int:
    return services.reminder_send(user_id=user_id, week=date.fromisoformat(week))
