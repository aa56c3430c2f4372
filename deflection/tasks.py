"""Program-wide periodic tasks: thin wrappers around services."""

from celery import shared_task

from deflection import accounts, health, outbox


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
