"""Post-overdose outreach tasks: thin, idempotent wrappers that take ids and call services."""

from celery import shared_task

from referrals.overdose import naloxone, services


@shared_task(soft_time_limit=120, time_limit=180)
def escalate_overdue_outreach() -> int:
    """Beat: escalate open cases past their clock with no attempt (each step claimed once per case)."""
    return services.outreach_escalate_overdue()


@shared_task(soft_time_limit=30, time_limit=60, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def email_outreach_escalation(escalation_id: int) -> bool:
    return services.outreach_escalation_email(escalation_id=escalation_id)


@shared_task(soft_time_limit=30, time_limit=60, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def email_low_stock(unit_id: int) -> bool:
    return naloxone.low_stock_email(unit_id=unit_id)
