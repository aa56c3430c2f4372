"""Post-overdose outreach tasks: thin, idempotent wrappers that take ids and call services.

The outreach clock has no task of its own: it is one of referrals.clocks' clocks, run by referrals.tasks.escalate_overdue.
"""


from deflection.mail import email_task
from referrals.overdose import naloxone
from referrals.overdose.models import NaloxoneStock


def _stock(unit_id: int) -> tuple[str, int | None]:
    stock = NaloxoneStock.objects.select_related("unit").get(pk=unit_id)
    return f"{stock.unit} low on naloxone kits", stock.program_id


@email_task(label="Low naloxone stock", about=_stock)
def email_low_stock(unit_id: int) -> bool:
    return naloxone.low_stock_email(unit_id=unit_id)
