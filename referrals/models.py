"""Referrals and what follows them: participants, providers and capacity, status, outcomes, consent.

Identity fields and free text are encrypted at rest (deflection.crypto); matching
uses keyed hashes in ParticipantMatchKey, never clear text.

Longer than 500 lines on purpose: Django keeps an app's models in one module, and these are one
aggregate (a referral, its participant, episode, consent and status history) whose rules refer to
each other; the workflows that are their own concern live in sub-packages (overdose/, coresponder/,
hub/, clocks/), each with its own models.
"""

from __future__ import annotations

import datetime
import uuid
from datetime import timedelta

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone

from deflection.crypto import EncryptedDateField, EncryptedTextField
from deflection.errors import ServiceError
from deflection.models import Agency, Pathway, Program

CAPACITY_STALE_AFTER = timedelta(hours=24)


class ServiceKind(models.TextChoices):
    DETOX = "detox", "Detox / withdrawal management"
    MOUD = "moud", "Medication for opioid use disorder (MOUD)"
    RESIDENTIAL = "residential", "Residential treatment"
    OUTPATIENT = "outpatient", "Outpatient treatment"
    RECOVERY_SUPPORT = "recovery_support", "Recovery support"
    MENTAL_HEALTH = "mental_health", "Mental health"
    HOUSING = "housing", "Housing"


class CapacityState(models.TextChoices):
    OPEN = "open", "Open slots"
    FULL = "full", "Full"
    CALL = "call", "Call to check"


class ProviderService(models.Model):
    """One service a treatment or community provider offers, with its current capacity."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="services")
    kind = models.CharField(max_length=20, choices=ServiceKind.choices)
    name = models.CharField(max_length=200)
    hours = models.CharField(max_length=200, help_text="For example: 24/7, or Mon–Fri 8am–6pm.")
    address = models.CharField(max_length=300)
    phone = models.CharField(max_length=40)
    serves = models.CharField(max_length=300, help_text="Who the service is for, e.g. adults 18+, women and children.")
    accepts_warm_handoffs = models.BooleanField(default=False)
    capacity_state = models.CharField(max_length=10, choices=CapacityState.choices, default=CapacityState.CALL)
    open_slots = models.PositiveIntegerField(null=True, blank=True)
    capacity_updated_at = models.DateTimeField(null=True, blank=True)
    capacity_updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agency", "name"], name="service_unique_name_per_agency"),
            models.CheckConstraint(
                condition=Q(capacity_state="open", open_slots__gt=0) | ~Q(capacity_state="open"),
                name="service_open_means_slots",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.agency.name})"

    def capacity_is_stale(self, now: datetime.datetime | None = None) -> bool:
        if self.capacity_updated_at is None:
            return True
        return (now or timezone.now()) - self.capacity_updated_at > CAPACITY_STALE_AFTER

    def warm_handoff_refusal(self) -> str:
        """Why a warm hand-off cannot go here ("" when it can): the one home of that rule (issue 12)."""
        if not self.accepts_warm_handoffs:
            return f"{self.name} does not take warm hand-offs."
        if not self.is_active:
            return f"{self.name} is no longer in the directory."
        if self.capacity_state == CapacityState.FULL:
            return f"{self.name} is full right now."
        return ""

    @property
    def capacity_label(self) -> str:
        if self.capacity_state == CapacityState.OPEN:
            return f"{self.open_slots} open"
        return self.get_capacity_state_display()


class CriterionKind(models.TextChoices):
    HARD = "hard", "Required: a referral cannot go ahead without it"
    INCLUSIVE = "inclusive", "Inclusive: does not block, routes to the justice partner"


class EligibilityCriterion(models.Model):
    """One yes/no item of a program's eligibility checklist, configured by the coordinator."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="criteria")
    question = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=CriterionKind.choices)
    # For a hard criterion: the answer the person must have ("yes" for "18 or older?").
    required_answer = models.BooleanField(default=True)
    failure_guidance = models.TextField(
        blank=True, help_text="Shown when a hard criterion fails: why, and what else the officer can do."
    )
    position = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["program", "question"], name="criterion_unique_question_per_program")]

    def __str__(self) -> str:
        return self.question

    @property
    def is_hard(self) -> bool:
        return self.kind == CriterionKind.HARD

    def answer_label(self, answer: bool) -> str:
        """The radio button's words: which answer means eligible, so "Yes" never means opposite things."""
        word = "Yes" if answer else "No"
        if self.is_hard:
            return f"{word} (eligible)" if answer is self.required_answer else f"{word} (not eligible)"
        return f"{word} (also goes to the justice partner)" if answer else word

    @property
    def answer_guide(self) -> str:
        """One line under the question saying what the answers mean."""
        if self.is_hard:
            eligible = "Yes" if self.required_answer else "No"
            return f"Required. The person is eligible only if the answer is {eligible}."
        return "Does not block the referral: either answer is eligible. Yes also sends it to the justice partner."


class Participant(models.Model):
    """A person referred to the program, possibly many times (relapse is part of recovery)."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="participants")
    first_name = EncryptedTextField(blank=True)
    last_name = EncryptedTextField(blank=True)
    date_of_birth = EncryptedDateField(null=True, blank=True)
    phone = EncryptedTextField(blank=True)
    address = EncryptedTextField(blank=True)
    # For a person who did not give a name: what the officer saw, to recognise them again.
    description = EncryptedTextField(blank=True)
    is_pseudonymous = models.BooleanField(default=False)
    # Set when a case manager merged this record into another; its referrals moved there.
    merged_into = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # A coordinator's legal hold keeps the record past the program's retention period.
    legal_hold = models.BooleanField(default=False, db_default=False)  # db default: bench/scale.py inserts in SQL
    # Set when the retention job removed the identity and narrative (SECURITY.md 32).
    deidentified_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Participant P-{self.pk}"

    @property
    def initials(self) -> str:
        """ "J. D.": enough for the officer who met the person to tell referrals apart."""
        if self.is_pseudonymous:
            return f"P-{self.pk}"
        return " ".join(f"{part[:1].upper()}." for part in (self.first_name, self.last_name) if part)

    @property
    def display_name(self) -> str:
        if self.is_pseudonymous:
            return f"Unnamed person P-{self.pk}"
        return f"{self.first_name} {self.last_name}".strip()


DEFAULT_RETENTION_YEARS = 6


class RetentionPolicy(models.Model):
    """How long a program keeps participant data after the person's last activity (default 6 years)."""

    program = models.OneToOneField(Program, on_delete=models.CASCADE, primary_key=True, related_name="retention")
    years = models.PositiveSmallIntegerField(default=DEFAULT_RETENTION_YEARS)


class LegalHold(models.Model):
    """A coordinator's legal hold on a participant's record, with its reason, and its lifting (SECURITY.md 32).

    `Participant.legal_hold` is the flag the retention job reads; these rows say who set or lifted it,
    when and why. The reasons are free text and may name a case, so they are encrypted.
    """

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="legal_holds")
    reason = EncryptedTextField()
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField(default=timezone.now)
    lifted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    lifted_at = models.DateTimeField(null=True, blank=True)
    lift_reason = EncryptedTextField(blank=True)

    class Meta:
        constraints = [
            # One hold in force per record: a second "set" while one is in force is refused by the service.
            models.UniqueConstraint(fields=["participant"], condition=models.Q(lifted_at=None), name="legal_hold_one_in_force"),
        ]


class MatchKeyKind(models.TextChoices):
    EXACT = "exact", "Same normalized name and date of birth"
    NICKNAME = "nickname", "Name variant (nickname) and date of birth"
    PHONETIC = "phonetic", "Sound-alike last name, first initial and date of birth"
    SWAPPED = "swapped", "First and last name swapped, same date of birth"


class ParticipantMatchKey(models.Model):
    """Keyed hashes (blind indexes) of a participant's name and date of birth, for duplicate detection."""

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="match_keys")
    kind = models.CharField(max_length=10, choices=MatchKeyKind.choices)
    digest = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["participant", "kind", "digest"], name="match_key_unique"),
        ]
        indexes = [
            # duplicate detection at referral time and on the case manager's participant page
            models.Index(fields=["digest"], name="match_key_digest_idx"),
        ]


class Handoff(models.TextChoices):
    WARM = "warm_handoff", "Warm hand-off"
    TRANSPORT = "transport", "Transport to treatment"
    FOLLOW_UP = "case_manager_followup", "Case manager follow-up"
    INFO_ONLY = "information_only", "Information only"


# What happens next, shown to the officer in the form and on the confirmation.
HANDOFF_STEPS = {
    Handoff.WARM: [
        "Call the provider you choose (its number is beside it in the list) and introduce the person in person or by phone.",
        "Stay until the provider's staff or a case manager takes over.",
        "The case manager records first contact; you can go back on the road.",
    ],
    Handoff.TRANSPORT: [
        "Transport the person to the treatment center you chose.",
        "Hand over to the intake staff; no paperwork beyond this form.",
        "The case manager follows up within the program's first-contact target.",
    ],
    Handoff.FOLLOW_UP: [
        "Give the person the program card and tell them a case manager will call.",
        "A case manager contacts them within the program's first-contact target.",
        "You will see the outcome here as far as the person consents.",
    ],
    Handoff.INFO_ONLY: [
        "Give the person the program card with the phone number.",
        "The program records the contact; no follow-up unless the person calls.",
    ],
}


class Circumstance(models.TextChoices):
    OVERDOSE_REVERSAL = "overdose_reversal", "Overdose reversal"
    POSSESSION = "possession", "Possession"
    DISORDER = "disorder", "Disorder"
    WELFARE_CHECK = "welfare_check", "Welfare check"
    OTHER = "other", "Other"


class Status(models.TextChoices):
    RECEIVED = "received", "Received"
    CONTACT_ATTEMPTED = "contact_attempted", "Contact attempted"
    CONTACTED = "contacted", "Contacted"
    INTAKE_SCHEDULED = "intake_scheduled", "Intake scheduled"
    ENGAGED = "engaged", "Engaged in treatment"
    RETAINED_30 = "retained_30", "Retained at 30 days"
    RETAINED_90 = "retained_90", "Retained at 90 days"
    DECLINED = "declined", "Declined"
    UNABLE_TO_CONTACT = "unable_to_contact", "Unable to contact"
    NOT_ELIGIBLE = "not_eligible", "Not eligible"
    NO_CAPACITY = "no_capacity", "No capacity"
    REFERRED_ELSEWHERE = "referred_elsewhere", "Referred elsewhere"
    CLOSED = "closed", "Closed"

    @classmethod
    def open_statuses(cls) -> list[str]:
        """Statuses still in the case manager's active work."""
        return [cls.RECEIVED, cls.CONTACT_ATTEMPTED, cls.CONTACTED, cls.INTAKE_SCHEDULED]

    @classmethod
    def pipeline(cls) -> list[str]:
        return [
            cls.RECEIVED,
            cls.CONTACT_ATTEMPTED,
            cls.CONTACTED,
            cls.INTAKE_SCHEDULED,
            cls.ENGAGED,
            cls.RETAINED_30,
            cls.RETAINED_90,
        ]


# Which statuses may follow which (DOMAIN.md: the case manager's status pipeline). A move that is
# not listed here is a correction of a mistake: allowed only with a reason, and marked as such.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    Status.RECEIVED: (
        Status.CONTACT_ATTEMPTED,
        Status.CONTACTED,
        Status.UNABLE_TO_CONTACT,
        Status.NOT_ELIGIBLE,
        Status.NO_CAPACITY,
        Status.REFERRED_ELSEWHERE,
        Status.CLOSED,
    ),
    # Another attempt is a step of its own (each attempt has a date).
    Status.CONTACT_ATTEMPTED: (Status.CONTACT_ATTEMPTED, Status.CONTACTED, Status.UNABLE_TO_CONTACT, Status.CLOSED),
    Status.CONTACTED: (
        Status.INTAKE_SCHEDULED,
        Status.ENGAGED,
        Status.DECLINED,
        Status.NOT_ELIGIBLE,
        Status.NO_CAPACITY,
        Status.REFERRED_ELSEWHERE,
        Status.CLOSED,
    ),
    Status.INTAKE_SCHEDULED: (
        Status.ENGAGED,
        Status.DECLINED,
        Status.NO_CAPACITY,
        Status.REFERRED_ELSEWHERE,
        Status.UNABLE_TO_CONTACT,
        Status.CLOSED,
    ),
    Status.ENGAGED: (Status.RETAINED_30, Status.CLOSED),
    Status.RETAINED_30: (Status.RETAINED_90, Status.CLOSED),
    Status.RETAINED_90: (Status.CLOSED,),
    # A person who could not be reached may call back; a full provider may find a slot.
    Status.UNABLE_TO_CONTACT: (Status.CONTACTED, Status.CLOSED),
    Status.NO_CAPACITY: (Status.INTAKE_SCHEDULED, Status.REFERRED_ELSEWHERE, Status.CLOSED),
    Status.DECLINED: (Status.CLOSED,),
    Status.NOT_ELIGIBLE: (Status.REFERRED_ELSEWHERE, Status.CLOSED),
    Status.REFERRED_ELSEWHERE: (Status.CLOSED,),
    Status.CLOSED: (),
}

# Statuses that mean the program reached the person (the first of them is the first contact).
CONTACT_REACHED = frozenset(
    {
        Status.CONTACTED,
        Status.INTAKE_SCHEDULED,
        Status.ENGAGED,
        Status.RETAINED_30,
        Status.RETAINED_90,
        Status.DECLINED,
        Status.NOT_ELIGIBLE,
        Status.REFERRED_ELSEWHERE,
    }
)
# Statuses that mean the person engaged in treatment (the first of them is the engagement).
ENGAGED_STATUSES = frozenset({Status.ENGAGED, Status.RETAINED_30, Status.RETAINED_90})


class TransitionNotAllowed(ServiceError):
    """The status cannot follow the current one, or a correction came without a reason."""

    def __init__(self, message: str):
        super().__init__(message, status=409, code="status_transition")


class Referral(models.Model):
    """One deflection episode: an officer connected a person to the program on one occasion."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="referrals")
    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="referrals")
    # The record the referral was made on, kept when a merge moves it (null: never moved, the same as
    # `participant`). A consent covers only the records it was signed over, so a merge never widens it.
    origin_participant = models.ForeignKey(Participant, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    officer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="referrals_made")
    # The officer's agency when they referred (officers can move agencies later).
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="referrals_made")
    # Whose queue the referral is in: the destination provider, or the program's case-management agency.
    provider = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="referrals_received")
    service = models.ForeignKey(ProviderService, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    pathway = models.CharField(max_length=30, choices=Pathway.choices)
    handoff = models.CharField(max_length=30, choices=Handoff.choices)
    circumstances = ArrayField(models.CharField(max_length=30, choices=Circumstance.choices), default=list, blank=True)
    eligibility_answers = models.JSONField(default=dict, blank=True)
    needs_justice_coordination = models.BooleanField(default=False)
    justice_coordinated_at = models.DateTimeField(null=True, blank=True)
    location = EncryptedTextField(blank=True)
    note = EncryptedTextField(blank=True)
    idempotency_key = models.UUIDField(default=uuid.uuid4)
    form_opened_at = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)
    completion_seconds = models.PositiveIntegerField()
    # Current state, kept in step with the latest StatusChange by Referral.move_to (called by services).
    status = models.CharField(max_length=30, choices=Status.choices, default=Status.RECEIVED)
    status_changed_at = models.DateTimeField(default=timezone.now)
    next_step = EncryptedTextField(max_length=200, blank=True)
    next_step_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    next_step_due = models.DateTimeField(null=True, blank=True)
    # The case manager who owns the referral (referrals.assignment): set at submit, changed by reassigning.
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="referrals_assigned"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    first_contact_at = models.DateTimeField(null=True, blank=True)
    engaged_at = models.DateTimeField(null=True, blank=True)
    engaged_service_kind = models.CharField(max_length=20, choices=ServiceKind.choices, blank=True)

    class Meta:
        constraints = [
            # SECURITY.md 20: a double tap or a retried POST creates one referral.
            models.UniqueConstraint(fields=["officer", "idempotency_key"], name="referral_unique_idempotency_key"),
        ]
        indexes = [
            # case manager queue: open referrals of one provider, oldest first
            models.Index(
                fields=["provider", "created_at"],
                condition=Q(status__in=["received", "contact_attempted", "contacted", "intake_scheduled"]),
                name="referral_open_queue_idx",
            ),
            # officer's "my referrals", newest first
            models.Index(fields=["officer", "-created_at"], name="referral_officer_idx"),
            # coordinator's justice-partner queue
            models.Index(
                fields=["program", "created_at"],
                condition=Q(needs_justice_coordination=True, justice_coordinated_at__isnull=True),
                name="referral_justice_queue_idx",
            ),
            # worklist "assigned to me" and the assignee filter: a case manager's open referrals
            models.Index(
                fields=["assigned_to", "created_at"],
                condition=Q(status__in=["received", "contact_attempted", "contacted", "intake_scheduled"]),
                name="referral_assignee_open_idx",
            ),
            # reports: every figure filters a program over a period
            models.Index(fields=["program", "created_at"], name="referral_program_created_idx"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        return f"R-{self.pk:06d}" if self.pk else "R-new"

    @property
    def is_pre_arrest_diversion(self) -> bool:
        """Officer intervention is diversion in lieu of charges; every other pathway is deflection."""
        return self.pathway == Pathway.OFFICER_INTERVENTION

    @property
    def completion_label(self) -> str:
        """How long the form took, in words an officer reads at a glance ("45 seconds", "6 minutes")."""
        seconds = self.completion_seconds
        if seconds < 60:
            return f"{seconds} second{'s' if seconds != 1 else ''}"
        minutes = round(seconds / 60)
        return f"{minutes} minute{'s' if minutes != 1 else ''}"

    @property
    def record_id(self) -> int:
        """The participant record this episode was made on, whatever merges happened since."""
        return self.origin_participant_id or self.participant_id

    def age(self, now: datetime.datetime | None = None) -> timedelta:
        return (now or timezone.now()) - self.created_at

    def is_overdue_for_contact(self, now: datetime.datetime | None = None) -> bool:
        if self.first_contact_at is not None or self.status not in Status.open_statuses():
            return False
        return self.age(now) > timedelta(hours=self.program.first_contact_target_hours)

    def handoff_steps(self) -> list[str]:
        steps = list(HANDOFF_STEPS[Handoff(self.handoff)])
        if self.handoff == Handoff.WARM:
            # the confirmation names the number it asks the officer to call, or asks for no number at all
            steps[0] = (
                f"Call {self.service.name} at {self.service.phone} and introduce the person in person or by phone."
                if self.service is not None and self.service.phone
                else "Introduce the person to the program's case manager in person or by phone."
            )
        return steps

    # ---- status: the state machine (the only place that decides what may follow what) ----

    def allowed_next_statuses(self) -> tuple[str, ...]:
        return TRANSITIONS[Status(self.status)]

    def correction_targets(self) -> list[str]:
        """Statuses reachable only as 'correct a mistake': everything else but the current one."""
        allowed = set(self.allowed_next_statuses())
        return [s for s in Status.values if s != self.status and s not in allowed]

    def move_to(
        self,
        status: str,
        *,
        at: datetime.datetime,
        by,
        note: str = "",
        correction: bool = False,
        service_kind: str = "",
    ) -> tuple[StatusChange, list[str]]:
        """Apply one status step in memory: the new status and the timestamps derived from it.

        Returns the (unsaved) history row and the fields changed; the caller saves both, so that a
        service (one row, select_for_update) and the demo (bulk_create) share this rule.
        A forward move must be listed in TRANSITIONS. Any other move is a correction of a mistake,
        which needs `correction=True` and a reason in `note`; it undoes the timestamps the mistaken
        step derived (a correction back before contact clears first contact).
        """
        if status not in Status.values:
            raise TransitionNotAllowed(f"Unknown status {status!r}.")
        allowed = status in self.allowed_next_statuses()
        if correction:
            if allowed:
                raise TransitionNotAllowed("This is an ordinary next step, not a correction.")
            if status == self.status:
                raise TransitionNotAllowed("The referral already has this status.")
            if not note.strip():
                raise TransitionNotAllowed("Say why the status is being corrected.")
        elif not allowed:
            raise TransitionNotAllowed(
                f"“{Status(status).label}” cannot follow “{Status(self.status).label}”. "
                "To undo a mistake, use “Correct a mistake” with a reason."
            )
        if status == Status.ENGAGED and not service_kind:
            raise TransitionNotAllowed("Which treatment did the person engage in?")
        self.status = status
        self.status_changed_at = at
        fields = ["status", "status_changed_at"]
        if self.acknowledged_at is None:  # a status step is the program acting on the referral
            self.acknowledged_at = at
            fields.append("acknowledged_at")
        if status in CONTACT_REACHED and self.first_contact_at is None:
            self.first_contact_at = at
            fields.append("first_contact_at")
        if status in ENGAGED_STATUSES and self.engaged_at is None:
            self.engaged_at = at
            fields.append("engaged_at")
        if service_kind:
            self.engaged_service_kind = service_kind
            fields.append("engaged_service_kind")
        if correction:
            if status not in ENGAGED_STATUSES and self.engaged_at is not None:
                self.engaged_at, self.engaged_service_kind = None, ""
                fields += ["engaged_at", "engaged_service_kind"]
            if status in (Status.RECEIVED, Status.CONTACT_ATTEMPTED) and self.first_contact_at is not None:
                self.first_contact_at = None
                fields.append("first_contact_at")
        change = StatusChange(
            referral=self, status=status, at=at, by=by, note=note, service_kind=service_kind, is_correction=correction
        )
        return change, list(dict.fromkeys(fields))

    def set_next_step(self, next_step: str, owner, due: datetime.datetime | None) -> list[str]:
        """Record the next step; never touches the status (the R-000693 trap)."""
        self.next_step, self.next_step_owner, self.next_step_due = next_step, owner, due
        return ["next_step", "next_step_owner", "next_step_due"]

    def next_step_is_overdue(self, now: datetime.datetime | None = None) -> bool:
        return bool(self.next_step and self.next_step_due and self.next_step_due <= (now or timezone.now()))


class StatusChange(models.Model):
    """One step of a referral's history, with who, when, why and the next step."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="status_changes")
    status = models.CharField(max_length=30, choices=Status.choices)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = EncryptedTextField(blank=True)
    next_step = EncryptedTextField(max_length=200, blank=True)
    next_step_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    next_step_due = models.DateTimeField(null=True, blank=True)
    service_kind = models.CharField(max_length=20, choices=ServiceKind.choices, blank=True)
    # A step that undid a mistaken one ("correct a mistake"); its note holds the reason.
    is_correction = models.BooleanField(default=False, db_default=False)

    class Meta:
        indexes = [
            # referral detail page: history in order
            models.Index(fields=["referral", "at"], name="status_change_referral_idx"),
        ]


class OutcomeKind(models.TextChoices):
    RE_ARREST = "re_arrest", "Re-arrest"
    NONFATAL_OVERDOSE = "nonfatal_overdose", "Non-fatal overdose"
    FATAL_OVERDOSE = "fatal_overdose", "Fatal overdose"


class Outcome(models.Model):
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="outcomes")
    # The provider whose staff recorded it: only that provider's staff see it (SECURITY.md 28).
    provider = models.ForeignKey(Agency, on_delete=models.PROTECT, null=True, related_name="+")
    kind = models.CharField(max_length=20, choices=OutcomeKind.choices)
    occurred_on = models.DateField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)


class FollowUpTask(models.Model):
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="tasks")
    title = EncryptedTextField(max_length=200)
    due_at = models.DateTimeField()
    assigned_to = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="followup_tasks")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # "my tasks": a case manager's open tasks by due date
            models.Index(fields=["assigned_to", "due_at"], condition=Q(done_at__isnull=True), name="task_open_idx"),
        ]


class DisclosureLevel(models.TextChoices):
    """How much a consent lets the recipient learn (least to most)."""

    ENGAGED_ONLY = "engaged_only", "Whether the person engaged in treatment (yes/no)"
    STATUS = "status", "Program status (contacted, in treatment, retained)"
    STATUS_AND_SERVICE = "status_and_service", "Program status and the kind of treatment"


class ExpiryEvent(models.TextChoices):
    """Events a consent may expire on (42 CFR 2.31(a)(6)); recording the event ends the consent."""

    FINAL_DISPOSITION = "final_disposition", "Final disposition of the criminal case (42 CFR 2.35)"
    TREATMENT_DISCHARGE = "treatment_discharge", "Discharge from treatment"
    PROGRAM_EXIT = "program_exit", "Leaving the deflection program"
    OTHER = "other", "Another event, described in the consent"


class Consent(models.Model):
    """A written consent to disclose SUD information, with every 42 CFR 2.31(a) element."""

    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="consents")
    # The participant records (ids) the consent was signed over: the record itself and those merged
    # into it before the signature. Empty means just `participant`. A later merge never adds to it.
    covered_records = ArrayField(models.IntegerField(), default=list, blank=True)
    # Who may disclose: the provider that holds the records (42 CFR 2.31(a)(2)). The consent
    # discloses that provider's episodes and messages and nothing of any other provider's.
    disclosing_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    # A specific description of the information.
    information_description = EncryptedTextField()
    level = models.CharField(max_length=20, choices=DisclosureLevel.choices)
    # To whom: the referring officer and/or their agency.
    recipient_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="consents_received"
    )
    recipient_agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="consents_received"
    )
    purpose = models.TextField()
    revocation_terms = models.TextField(help_text="The right to revoke, and how.")
    expires_on = models.DateField(null=True, blank=True)
    expiry_event_kind = models.CharField(max_length=30, choices=ExpiryEvent.choices, blank=True)
    expiry_event = EncryptedTextField(max_length=200, blank=True)  # the event in the participant's words
    # Set when the expiry event was recorded: the consent ended then.
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by_event_on = models.DateField(null=True, blank=True)
    # Signature: a typed name plus a drawn signature or a tick, witnessed by the case manager.
    signature_name = EncryptedTextField()
    signature_drawing = EncryptedTextField(blank=True)
    signature_ticked = models.BooleanField(default=False)
    signed_on = models.DateField()
    witnessed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # Set by the retention job when it removed the signature and the narrative (referrals/retention.py).
    deidentified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(recipient_officer__isnull=False) | Q(recipient_agency__isnull=False),
                name="consent_names_a_recipient",
            ),
            models.CheckConstraint(
                condition=Q(expires_on__isnull=False) | ~Q(expiry_event_kind=""), name="consent_has_expiry_date_or_event"
            ),
            # Signed (drawn or ticked); a consent de-identified under retention keeps no drawing.
            models.CheckConstraint(
                condition=Q(signature_ticked=True) | ~Q(signature_drawing="") | Q(deidentified_at__isnull=False),
                name="consent_is_signed",
            ),
        ]
        indexes = [
            # officer views: the active consents of the participants on one page
            models.Index(fields=["participant"], condition=Q(revoked_at__isnull=True), name="consent_active_idx"),
        ]

    def is_active(self, on: datetime.date | None = None) -> bool:
        on = on or timezone.localdate()
        if self.revoked_at is not None or self.ended_at is not None:
            return False
        return self.expires_on is None or on <= self.expires_on

    def covers(self, referral: Referral) -> bool:
        """True if the referral is an episode this consent may disclose: the disclosing provider's own,
        on a record the consent was signed over (a merge never widens a consent)."""
        records = self.covered_records or [self.participant_id]
        return referral.provider_id == self.disclosing_agency_id and referral.record_id in records

    def names(self, user, agency_id: int | None) -> bool:
        """True if this consent names the user, or the given agency (the user's agency on the referral)."""
        return (self.recipient_officer_id is not None and self.recipient_officer_id == user.pk) or (
            self.recipient_agency_id is not None and self.recipient_agency_id == agency_id
        )


class OfficerNotice(models.Model):
    """An in-app notice to a referring officer that a consented status changed; emailed once, as a link."""

    officer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notices")
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="notices")
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    # Delivery trouble is kept where every email task keeps it: deflection.models.OutboundMail.
    emailed_at = models.DateTimeField(null=True, blank=True)
    # The consent no longer covered the update when the email was due (revoked, expired, ended): never sent.
    email_withheld_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # officer home: unread notices
            models.Index(fields=["officer", "created_at"], condition=Q(read_at__isnull=True), name="notice_unread_idx"),
        ]


class BreakGlassGrant(models.Model):
    """Time-limited access to one participant outside the user's scope, for a stated reason (SECURITY.md 25).

    Created only by `referrals.breakglass.break_glass_open`; every use is audited as break-glass and
    the program's coordinators are told by a link-only email.
    """

    DURATION = timedelta(hours=1)

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="+")
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="+")
    # Free text may name people: encrypted like every other narrative field.
    reason = EncryptedTextField()
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # the participant access helper: this user's live grant for this participant
            models.Index(fields=["user", "participant", "expires_at"], name="breakglass_user_part_idx"),
            # the coordinators' review list: a program's grants, newest first
            models.Index(fields=["program", "created_at"], name="breakglass_program_idx"),
        ]

    def is_active(self, now=None) -> bool:
        return (now or timezone.now()) < self.expires_at


class ProposalDecision(models.TextChoices):
    PENDING = "pending", "Waiting for the case manager"
    ACCEPTED = "accepted", "Accepted"
    DISCARDED = "discarded", "Discarded"


class ParticipantUpdateProposal(models.Model):
    """Contact details an officer gave on a re-referral, waiting for the case manager.

    A re-referral never overwrites what the case manager relies on: the new details
    wait here until a case manager of the referral's provider accepts or discards them.
    """

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="update_proposals")
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="+")
    phone = EncryptedTextField(blank=True)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    decision = models.CharField(max_length=10, choices=ProposalDecision.choices, default=ProposalDecision.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # participant page: pending proposals of one person
            models.Index(fields=["participant"], condition=Q(decision="pending"), name="proposal_pending_idx"),
        ]


# Rows that are not about one referral live in their own module; imported here so Django registers them.
from referrals.clocks.models import Escalation, EscalationNotice, OnCallShift  # noqa: E402, F401
