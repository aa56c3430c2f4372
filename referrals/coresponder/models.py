"""A co-responder encounter: one call for service answered by an officer and a clinician together.

The encounter itself holds no identity: a person who is referred is recorded on the referral, through
the referral services (participant matching, encryption, consent), and the encounter links to it.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from deflection.models import Agency, Program, Unit
from referrals.models import Referral


class CallType(models.TextChoices):
    MENTAL_HEALTH = "mental_health", "Mental health crisis"
    SUBSTANCE_USE = "substance_use", "Substance use"
    OVERDOSE = "overdose", "Overdose"
    SUICIDE_RISK = "suicide_risk", "Suicide risk"
    WELFARE_CHECK = "welfare_check", "Welfare check"
    DISTURBANCE = "disturbance", "Disturbance"
    HOMELESSNESS = "homelessness", "Homelessness"
    OTHER = "other", "Other"


class Encounter(models.Model):
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="coresponder_encounters")
    logged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The officer's agency and unit when the call was answered (the figures group by unit).
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    clinician = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    call_type = models.CharField(max_length=20, choices=CallType.choices)
    occurred_at = models.DateTimeField()
    resolved_on_scene = models.BooleanField(default=False)
    transported = models.BooleanField(default=False)
    arrest_avoided = models.BooleanField(default=False)
    er_visit_avoided = models.BooleanField(default=False)
    referral = models.OneToOneField(
        Referral, on_delete=models.PROTECT, null=True, blank=True, related_name="coresponder_encounter"
    )
    idempotency_key = models.UUIDField(default=uuid.uuid4)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            # A double tap on a phone in the field records one encounter.
            models.UniqueConstraint(fields=["logged_by", "idempotency_key"], name="encounter_unique_idempotency_key"),
        ]
        indexes = [
            # the figures page: one program's encounters in one month
            models.Index(fields=["program", "occurred_at"], name="encounter_program_time_idx"),
            # the log page: the officer's latest encounters
            models.Index(fields=["logged_by", "-occurred_at"], name="encounter_logged_by_idx"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        return f"E-{self.pk:06d}" if self.pk else "E-new"

    def outcome_labels(self) -> list[str]:
        labels = [
            label
            for flag, label in (
                (self.resolved_on_scene, "Resolved on scene"),
                (self.transported, "Transported"),
                (self.arrest_avoided, "Arrest avoided"),
                (self.er_visit_avoided, "ER visit avoided"),
            )
            if flag
        ]
        if self.referral_id:
            labels.append("Referred")
        return labels
