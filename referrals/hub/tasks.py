"""HUB tasks: thin, idempotent wrappers that take ids and call services."""

from celery import shared_task

from deflection.mail import email_task
from referrals.hub import services
from referrals.hub.models import Situation


def _situation(situation_id: int) -> tuple[str, int | None]:
    situation = Situation.objects.select_related("table").get(pk=situation_id)
    return f"Situation {situation.reference}: no intervention after 48 hours", situation.table.program_id


@shared_task(soft_time_limit=120, time_limit=180)
def flag_overdue_interventions() -> int:
    """Beat: flag acute situations past the 48-hour clock (each once) and queue their emails."""
    return services.interventions_flag_overdue()


@email_task(label="Situation with no intervention after 48 hours", about=_situation)
def email_overdue_intervention(situation_id: int) -> bool:
    return services.overdue_intervention_email(situation_id=situation_id)
