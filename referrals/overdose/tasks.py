"""Post-overdose outreach tasks: thin, idempotent wrappers that take ids and call services."""

from celery import shared_task

from deflection.mail import email_task
from referrals.overdose import naloxone, services
from referrals.overdose.models import NaloxoneStock, OutreachEscalation


def _escalation(escalation_id: int) -> tuple[str, int | None]:
    escalation = OutreachEscalation.objects.select_related("case").get(pk=escalation_id)
    return f"Outreach case {escalation.case.reference} past its clock", escalation.case.program_id


def _stock(unit_id: int) -> tuple[str, int | None]:
    stock = NaloxoneStock.objects.select_related("unit").get(pk=unit_id)
    return f"{stock.unit} low on naloxone kits", stock.program_id


@shared_task(soft_time_limit=120, time_limit=180)
def escalate_overdue_outreach() -> int:
    """Beat: escalate open cases past their clock with no attempt (each step claimed once per case)."""
    return services.outreach_escalate_overdue()


@email_task(label="Outreach case past its clock", about=_escalation)
def email_outreach_escalation(escalation_id: int) -> bool:
    return services.outreach_escalation_email(escalation_id=escalation_id)


@email_task(label="Low naloxone stock", about=_stock)
def email_low_stock(unit_id: int) -> bool:
    return naloxone.low_stock_email(unit_id=unit_id)
