"""HUB tasks: thin, idempotent wrappers that take ids and call services."""

from celery import shared_task

from referrals.hub import services


@shared_task(soft_time_limit=120, time_limit=180)
def flag_overdue_interventions() -> int:
    """Beat: flag acute situations past the 48-hour clock (each once) and queue their emails."""
    return services.interventions_flag_overdue()


@shared_task(soft_time_limit=30, time_limit=60, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def email_overdue_intervention(situation_id: int) -> bool:
    return services.overdue_intervention_email(situation_id=situation_id)
