"""The outreach clock (issue 13): a survivor's first outreach attempt within the program's 24-72 hours.

One Clock of referrals.clocks (registered in referrals/clocks/registry.py), so it escalates through the
same engine, models and beat task as the referral clocks: an open case with no attempt past its due
time escalates once per level, first to the on-call case manager of the program's case-management
provider (the QRT's own on-call case manager, OutreachSettings, when nobody is on call there; the
coordinators when neither), then SECOND_ESCALATION_AFTER later to the coordinators; in-app and by a
link-only email. An attempt made later resolves the escalation.
"""

from __future__ import annotations

import datetime

from django.db.models import F, QuerySet
from django.urls import reverse

from deflection.models import Program
from referrals.clocks.engine import Clock
from referrals.overdose.models import SECOND_ESCALATION_AFTER, CaseStatus, OutreachCase

# Stored on Escalation.clock: never renamed (it is part of the unique key).
OUTREACH_CLOCK = "outreach"


def outreach_overdue(program: Program, now: datetime.datetime) -> QuerySet[OutreachCase]:
    """The program's open cases past their clock with no attempt (due_at is the case's own field)."""
    return OutreachCase.objects.filter(
        program=program, status=CaseStatus.OPEN, first_attempt_at__isnull=True, due_at__lt=now
    ).annotate(
        provider_id=F("program__case_management_agency_id"),
        assignee_id=F("program__outreach_settings__on_call_case_manager_id"),
    )


def _reference(pk: int) -> str:
    return f"QRT-{pk}"


def _link(pk: int) -> str:
    return reverse("overdose:case", args=[pk])


OUTREACH = Clock(
    name=OUTREACH_CLOCK,
    label="First outreach attempt within the clock",
    overdue=outreach_overdue,
    coordinator_after=lambda program: SECOND_ESCALATION_AFTER,
    reference=_reference,
    link=_link,
)
