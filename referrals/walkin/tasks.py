"""Walk-in tasks: thin, idempotent wrappers that take ids and call services.

The email goes through deflection.mail's email_task, like every email the app sends: SMTP trouble is
retried with backoff and recorded, and a final failure is shown to the coordinator with "send again".
"""

from deflection.mail import email_task
from referrals.walkin import services
from referrals.walkin.models import WalkInNotice


def _notice(notice_id: int) -> tuple[str, int | None]:
    return "A walk-in needs a volunteer", WalkInNotice.objects.values_list("walkin__program_id", flat=True).get(pk=notice_id)


@email_task(label="A walk-in needs a volunteer", about=_notice)
def email_walkin_notice(notice_id: int) -> bool:
    return services.walkin_notice_email(notice_id=notice_id)
