"""HUB / situation tables: member agencies meet, situations are presented de-identified first.

The "four filter" process (DOMAIN.md, "Program types as workflows"): an agency presents a situation
as risk factors, an age group and a lead agency only; the table decides whether the risk is acute and
elevated; only then may the presenting agency share who the person is, and only the lead and
assisting agencies see it. A situation below the threshold never holds an identity
(`SituationIdentity` can only be created by `services.identity_share`, which refuses it).
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone

from deflection.crypto import EncryptedDateField, EncryptedTextField
from deflection.models import Agency, Program

# The table agrees an intervention within 24-48 hours of its decision (the HUB model's promise).
INTERVENTION_WINDOW = timedelta(hours=48)


class RiskFactor(models.TextChoices):
    """A fixed list, after the categories of Ontario's Risk-driven Tracking Database (the table's own figures)."""

    SUBSTANCE_USE = "substance_use", "Drug or substance use"
    ALCOHOL = "alcohol", "Alcohol use"
    OVERDOSE = "overdose", "Recent overdose"
    MENTAL_HEALTH = "mental_health", "Mental health"
    SUICIDE_RISK = "suicide_risk", "Suicide or self-harm"
    HOUSING = "housing", "Housing / homelessness"
    BASIC_NEEDS = "basic_needs", "Basic needs (food, income)"
    PHYSICAL_HEALTH = "physical_health", "Physical health"
    VICTIMIZATION = "victimization", "Victimization"
    CRIMINAL_INVOLVEMENT = "criminal_involvement", "Criminal involvement"
    ANTISOCIAL_BEHAVIOUR = "antisocial_behaviour", "Antisocial or threatening behaviour"
    MISSING = "missing", "Missing / runaway"
    PARENTING = "parenting", "Parenting or supervision"
    SOCIAL_ENVIRONMENT = "social_environment", "Negative peers / social environment"
    COGNITIVE = "cognitive", "Cognitive functioning"


class AgeGroup(models.TextChoices):
    UNDER_12 = "0_11", "Under 12"
    YOUTH = "12_17", "12–17"
    YOUNG_ADULT = "18_24", "18–24"
    ADULT_25 = "25_39", "25–39"
    ADULT_40 = "40_59", "40–59"
    OLDER = "60_plus", "60 and over"


class SituationStatus(models.TextChoices):
    PRESENTED = "presented", "Presented, awaiting the table's decision"
    BELOW_THRESHOLD = "below_threshold", "Below the threshold (de-identified only)"
    ACUTE = "acute", "Acute elevated risk: intervention being agreed"
    INTERVENTION = "intervention", "Intervention agreed"
    CLOSED = "closed", "Closed"


class CloseReason(models.TextChoices):
    RISK_REDUCED = "risk_reduced", "Risk reduced"
    CONNECTED = "connected", "Connected to services"
    REFUSED = "refused", "Refused"
    OTHER = "other", "Other"


class AssignmentRole(models.TextChoices):
    LEAD = "lead", "Lead agency"
    ASSISTING = "assisting", "Assisting agency"


class HubTable(models.Model):
    """One situation table of a program, with its member agencies (who may present and sit at it)."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="hub_tables")
    name = models.CharField(max_length=200)
    member_agencies = models.ManyToManyField(Agency, related_name="hub_tables")
    meets = models.CharField(max_length=200, blank=True, help_text="For example: Tuesdays 10:00, City Hall room 2.")
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["program", "name"], name="hub_table_unique_name_per_program")]

    def __str__(self) -> str:
        return self.name


class HubMeeting(models.Model):
    """One meeting of a table: its agenda, which member agencies attended, and its minutes.

    The minutes are de-identified like the situations (the form says so) and still encrypted: free text
    is where a name slips in.
    """

    table = models.ForeignKey(HubTable, on_delete=models.CASCADE, related_name="meetings")
    starts_at = models.DateTimeField()
    agenda = EncryptedTextField(blank=True)
    minutes = EncryptedTextField(blank=True)
    attended_by = models.ManyToManyField(Agency, related_name="+", blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        indexes = [
            # the table page: its meetings, latest first
            models.Index(fields=["table", "starts_at"], name="hub_meeting_table_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.table} {self.starts_at:%Y-%m-%d}"


class Situation(models.Model):
    """A situation presented at a meeting: de-identified facts, the table's decision, and what followed."""

    table = models.ForeignKey(HubTable, on_delete=models.CASCADE, related_name="situations")
    meeting = models.ForeignKey(HubMeeting, on_delete=models.PROTECT, related_name="situations")
    presenting_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    presented_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    presented_at = models.DateTimeField(default=timezone.now)
    risk_factors = ArrayField(models.CharField(max_length=30, choices=RiskFactor.choices))
    age_group = models.CharField(max_length=10, choices=AgeGroup.choices)
    # The agency proposed to lead when presenting; the table confirms or changes it with its decision.
    lead_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=20, choices=SituationStatus.choices, default=SituationStatus.PRESENTED)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    intervention_due_at = models.DateTimeField(null=True, blank=True)
    intervention_at = models.DateTimeField(null=True, blank=True)
    intervention_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The 48-hour clock's alarm: claimed once by the beat job, then the lead agency's email is claimed once.
    overdue_flagged_at = models.DateTimeField(null=True, blank=True)
    overdue_emailed_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    close_reason = models.CharField(max_length=20, choices=CloseReason.choices, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=~Q(risk_factors=[]), name="hub_situation_has_risk_factors"),
            models.CheckConstraint(
                condition=~Q(status="closed") | Q(closed_at__isnull=False),
                name="hub_situation_closed_has_time",
            ),
            models.CheckConstraint(condition=~Q(status="closed") | ~Q(close_reason=""), name="hub_situation_closed_has_reason"),
        ]
        indexes = [
            # the table page: open situations, and the figures: every situation of a table
            models.Index(fields=["table", "status"], name="hub_situation_table_idx"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        return f"S-{self.pk:05d}"

    @property
    def met_threshold(self) -> bool:
        return self.status in {SituationStatus.ACUTE, SituationStatus.INTERVENTION, SituationStatus.CLOSED}

    def risk_factor_labels(self) -> list[str]:
        return [RiskFactor(r).label for r in self.risk_factors]

    def intervention_overdue(self, now=None) -> bool:
        """The 48-hour clock: past due and no intervention agreed yet."""
        return (
            self.status == SituationStatus.ACUTE
            and self.intervention_due_at is not None
            and (now or timezone.now()) > self.intervention_due_at
        )

    @property
    def intervention_in_window(self) -> bool | None:
        if self.intervention_at is None or self.decided_at is None:
            return None
        return self.intervention_at - self.decided_at <= INTERVENTION_WINDOW


class SituationAgency(models.Model):
    """An agency the table assigned to an acute situation: the lead, or one assisting. Only they see who it is."""

    situation = models.ForeignKey(Situation, on_delete=models.CASCADE, related_name="assignments")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=10, choices=AssignmentRole.choices)
    took_part = models.BooleanField(default=False, help_text="Took part in the agreed intervention.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["situation", "agency"], name="hub_assignment_one_per_agency"),
            models.UniqueConstraint(fields=["situation"], condition=Q(role="lead"), name="hub_assignment_one_lead"),
        ]


class SituationIdentity(models.Model):
    """Who the person is: shared after the threshold decision, encrypted, read only by assigned agencies."""

    situation = models.OneToOneField(Situation, on_delete=models.CASCADE, related_name="identity")
    first_name = EncryptedTextField()
    last_name = EncryptedTextField()
    date_of_birth = EncryptedDateField(null=True, blank=True)
    address = EncryptedTextField(blank=True)
    phone = EncryptedTextField(blank=True)
    shared_at = models.DateTimeField(default=timezone.now)
    shared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
