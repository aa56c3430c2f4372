"""Training's Celery tasks: thin wrappers that take ids and call training.services."""

from __future__ import annotations

from datetime import date

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from deflection.mail import email_task
from deflection.models import User
from training import services


def _reminder(user_id: int, week: str) -> tuple[str, int | None]:
    user = User.objects.get(pk=user_id)
    return f"Training reminder to {user.get_full_name() or user}, week of {week}", None


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


@email_task(label="Training reminder", about=_reminder)
def send_training_reminder(user_id: int, week: str) -> int:
    return services.reminder_send(user_id=user_id, week=date.fromisoformat(week))
