"""Post-overdose outreach tasks: thin, idempotent wrappers that take ids and call services.

The outreach clock has no task of its own: it is one of referrals.clocks' clocks, run by referrals.tasks.escalate_overdue.
"""

from celery import shared_task

from referrals.overdose import naloxone


@shared_task(soft_time_limit=30, time_limit=60, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def email_low_stock(unit_id: int) -> bool:
    return naloxone.low_stock_email(unit_id=unit_id)
