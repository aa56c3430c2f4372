"""Who is on call at a provider, and the escalations that the clocks raised.

Kept apart from referrals/models.py: these rows are not about one referral. An escalation names its
item by (clock, subject_id), so any clock can use it (the referral clocks, the overdose outreach clock).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from deflection.models import Agency, Program


class OnCallShift(models.Model):
    """A case manager on call for a provider from `starts_at` until `ends_at` (the provider's rota)."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="on_call_shifts")
    case_manager = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="on_call_shifts")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="on_call_shift_ends_after_start"),
        ]
        indexes = [
            # assignment at submit and escalation: who is on call at this provider now
            models.Index(fields=["agency", "ends_at"], name="on_call_agency_ends_idx"),
        ]


class EscalationLevel(models.IntegerChoices):
    ON_CALL = 1, "On-call case manager"
    COORDINATOR = 2, "Program coordinator"


class Escalation(models.Model):
    """One clock ran out on one item and was escalated to one level: made once (the unique constraint)."""

    clock = models.CharField(max_length=40)
    subject_id = models.BigIntegerField()
    level = models.PositiveSmallIntegerField(choices=EscalationLevel.choices)
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="+")
    provider = models.ForeignKey(Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    due_at = models.DateTimeField(help_text="When the clock ran out.")
    created_at = models.DateTimeField(default=timezone.now)
    # Set by the next run that finds the item no longer overdue (the clock was met after all).
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # Two beats, a redelivered task or a run twice still escalate an item once per level.
            models.UniqueConstraint(fields=["clock", "subject_id", "level"], name="escalation_once_per_level"),
        ]
        indexes = [
            # each run: a program's unresolved escalations of one clock, to resolve those met since
            models.Index(fields=["program", "clock"], condition=Q(resolved_at__isnull=True), name="escalation_open_idx"),
        ]


class EscalationNotice(models.Model):
    """An escalation as one person receives it: in the app, and once by a link-only email."""

    escalation = models.ForeignKey(Escalation, on_delete=models.CASCADE, related_name="notices")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="escalation_notices")
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["escalation", "recipient"], name="escalation_notice_once_per_recipient"),
        ]
        indexes = [
            # the escalations page and the worklist's count: a person's notices, newest first
            models.Index(fields=["recipient", "-escalation"], name="escalation_recipient_idx"),
        ]
