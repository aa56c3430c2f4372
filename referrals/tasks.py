"""Referral tasks: thin wrappers that take ids and call services."""

from celery import shared_task

from deflection.mail import email_task
from deflection.models import Program
from referrals import breakglass, retention, services
from referrals.clocks import engine
from referrals.clocks.models import EscalationNotice
from referrals.clocks.registry import CLOCKS
from referrals.models import BreakGlassGrant, OfficerNotice


def _notice(notice_id: int) -> tuple[str, int | None]:
    notice = OfficerNotice.objects.select_related("referral", "officer").get(pk=notice_id)
    officer = notice.officer.get_full_name() or notice.officer
    return f"Notice to {officer} about {notice.referral.reference}", notice.referral.program_id


@email_task(label="Notice to a referring officer", about=_notice)
def email_officer_notice(notice_id: int) -> bool:
    return services.officer_notice_email(notice_id=notice_id)


def _grant(grant_id: int) -> tuple[str, int | None]:
    return "Break-glass access to review", BreakGlassGrant.objects.values_list("program_id", flat=True).get(pk=grant_id)


@email_task(label="Break-glass access to review", about=_grant)
def email_break_glass_notice(grant_id: int) -> bool:
    return breakglass.break_glass_notice_email(grant_id=grant_id)


@shared_task(soft_time_limit=600, time_limit=900)
def apply_retention() -> int:
    """Nightly: de-identify every program's records past its retention period (idempotent)."""
    return sum(retention.retention_apply(program=program) for program in Program.objects.order_by("pk"))


@shared_task(soft_time_limit=240, time_limit=300)
def escalate_overdue() -> int:
    """Every few minutes: escalate what ran out on every clock of every program (idempotent per item and level)."""
    return sum(
        engine.escalations_run(clock=clock, program=program) for program in Program.objects.order_by("pk") for clock in CLOCKS
    )


def _escalation_notice(notice_id: int) -> tuple[str, int | None]:
    return "Overdue work escalated", EscalationNotice.objects.values_list("escalation__program_id", flat=True).get(pk=notice_id)


@email_task(label="Overdue work escalated", about=_escalation_notice)
def email_escalation_notice(notice_id: int) -> bool:
    return engine.escalation_notice_email(notice_id=notice_id)
