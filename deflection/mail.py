"""Email tasks: the one way every email the app sends is retried, recorded and, in the end, shown (issue 15).

Each email task is declared with `@email_task(...)` instead of `@shared_task`. The function it wraps
keeps its own once-only claim (the claim and the send commit together, so a refused send or a killed
worker leaves the email unclaimed); this module adds what is the same for all of them:

- SMTP trouble (a timeout or other socket error, a 4xx or 5xx answer, a soft time limit hit mid-send)
  is retried after 1, 2, 4, 8, 16 backoff units (EMAIL_RETRY_BACKOFF_SECONDS, a minute by default);
- every failed attempt is counted on an OutboundMail row, keyed by the Celery task id (a retry keeps it),
  with the SMTP code and the error's type only, never an address;
- after the last retry the row is FAILED: the program's coordinators see it on "Undelivered emails"
  with a "send again", which queues the same task again (the wrapped function still sends only what
  is unsent, so a double tap or a late success sends nothing twice).

A run that sends at the first try writes no row.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable
from typing import Any

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from deflection.audit import AuditContext, audit_log
from deflection.models import MailStatus, OutboundMail, Program, User
from deflection.outbox import enqueue

logger = logging.getLogger(__name__)

EMAIL_RETRIES = 5
# The name of every task declared with @email_task: the fault suite has a scenario for each.
EMAIL_TASKS: set[str] = set()
SMTP_TROUBLE = (smtplib.SMTPException, OSError, SoftTimeLimitExceeded)

# What a failed row says it is, and whose program it belongs to, from the task's kwargs.
About = Callable[..., tuple[str, int | None]]


def smtp_error_summary(exc: BaseException) -> str:
    """What a coordinator may see of a failed send: the SMTP code and the error's type, never an address."""
    code = getattr(exc, "smtp_code", None)
    if code is None and isinstance(exc, smtplib.SMTPRecipientsRefused) and exc.recipients:
        code = next(iter(exc.recipients.values()))[0]
    return f"{code} {type(exc).__name__}".strip()[:120] if code else type(exc).__name__[:120]


def retry_countdown(retries: int) -> int:
    return settings.EMAIL_RETRY_BACKOFF_SECONDS * 2**retries


def email_task(*, label: str, about: About | None = None, soft_time_limit: int = 30, time_limit: int = 60, **options):
    """Declare a Celery task that sends email: `func(**kwargs)` sends what is unsent, once; this retries it."""

    def decorate(func: Callable[..., Any]):
        def run(self, **kwargs):
            try:
                result = func(**kwargs)
            except SMTP_TROUBLE as exc:
                final = self.request.retries >= self.max_retries
                mail_attempt_failed(
                    task_id=self.request.id, task_name=self.name, kwargs=kwargs, label=label, about=about, error=exc, final=final
                )
                if final:
                    logger.warning(
                        "email task %s failed after %s attempts: %s", self.name, self.request.retries + 1, smtp_error_summary(exc)
                    )
                    return None
                raise self.retry(exc=exc, countdown=retry_countdown(self.request.retries)) from exc
            if self.request.retries:
                mail_attempt_succeeded(task_id=self.request.id)
            return result

        run.__name__, run.__qualname__, run.__module__, run.__doc__ = (
            func.__name__,
            func.__qualname__,
            func.__module__,
            func.__doc__,
        )
        name = f"{func.__module__}.{func.__name__}"
        EMAIL_TASKS.add(name)
        return shared_task(
            bind=True,
            name=name,
            max_retries=EMAIL_RETRIES,
            soft_time_limit=soft_time_limit,
            time_limit=time_limit,
            **options,
        )(run)

    return decorate


def mail_attempt_failed(
    *, task_id: str, task_name: str, kwargs: dict, label: str, about: About | None, error: BaseException, final: bool
) -> None:
    """Count one failed attempt of an email task run (its own transaction: the send's was rolled back)."""
    now = timezone.now()
    summary = smtp_error_summary(error)
    status = MailStatus.FAILED if final else MailStatus.RETRYING
    with transaction.atomic():
        updated = OutboundMail.objects.filter(task_id=task_id).update(
            attempts=F("attempts") + 1, last_error=summary, status=status, updated_at=now, failed_at=now if final else None
        )
        if updated:
            return
        description, program_id = label, None
        if about is not None:
            try:
                description, program_id = about(**kwargs)
            except Exception:  # noqa: BLE001  (the row it describes may be gone; the label still says what it was)
                logger.warning("could not describe email task %s", task_name)
        OutboundMail.objects.create(
            task_id=task_id,
            task_name=task_name,
            kwargs=kwargs,
            label=description[:200],
            program_id=program_id,
            status=status,
            attempts=1,
            last_error=summary,
            created_at=now,
            updated_at=now,
            failed_at=now if final else None,
        )


def mail_attempt_succeeded(*, task_id: str) -> None:
    OutboundMail.objects.filter(task_id=task_id).update(
        status=MailStatus.SENT, attempts=F("attempts") + 1, updated_at=timezone.now(), failed_at=None
    )


def program_mail(programs: QuerySet[Program] | list[Program]) -> QuerySet[OutboundMail]:
    """The mail records of these programs and of the jobs for every program."""
    return OutboundMail.objects.filter(Q(program__in=programs) | Q(program__isnull=True))


def failed_mail(programs: QuerySet[Program] | list[Program]) -> QuerySet[OutboundMail]:
    """Emails that failed after every retry (the coordinators' "Undelivered emails" page)."""
    return program_mail(programs).filter(status=MailStatus.FAILED).order_by("failed_at", "pk")


def mail_resend(*, mail: OutboundMail, by: User, audit: AuditContext | None = None) -> bool:
    """The coordinator's "send again": queue the same task once more (a double tap queues nothing more)."""
    with transaction.atomic():
        if not OutboundMail.objects.filter(pk=mail.pk, status=MailStatus.FAILED).update(
            status=MailStatus.RESENT, resent_at=timezone.now(), resent_by=by, updated_at=timezone.now()
        ):
            return False
        audit_log(action="mail.resend", context=audit, actor=by, obj=mail, detail={"task": mail.task_name})
        enqueue(mail.task_name, **mail.kwargs)
    return True
