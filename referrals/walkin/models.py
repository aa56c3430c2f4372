"""Walk-in (Angel) intake: a person walks into a station and asks for help; a volunteer takes them to placement.

The person is a referrals.Participant (encrypted identity, blind-index match keys), so the referral
made at placement is the same record's episode. The clock runs from arrival to placement.
"""

from __future__ import annotations

import datetime
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from deflection.crypto import EncryptedTextField
from deflection.models import Agency, Program, Unit
from referrals.models import Participant, ProviderService, Referral

DEFAULT_PROMISE = (
    "No one who walks in asking for help with substance use is arrested or charged for asking. "
    "A volunteer will sit with you and help you find a place in treatment today."
)


class WalkInSettings(models.Model):
    """A program's walk-in settings, set by its coordinator: the promise every intake screen shows."""

    program = models.OneToOneField(Program, on_delete=models.CASCADE, primary_key=True, related_name="walkin_settings")
    promise = models.TextField(
        default=DEFAULT_PROMISE,
        max_length=1000,
        help_text="The program's promise to a person who walks in, shown on the intake screen (e.g. no arrest for asking).",
    )

    @classmethod
    def for_program(cls, program: Program) -> WalkInSettings:
        """The saved settings, or the defaults (unsaved) for a program that never changed them."""
        try:
            return program.walkin_settings
        except cls.DoesNotExist:
            return cls(program=program)


class WalkInVolunteer(models.Model):
    """One person on the program's walk-in list ("angel" or peer); those on call are notified of each walk-in."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="walkin_volunteers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="walkin_volunteering")
    on_call = models.BooleanField(default=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["program", "user"], name="walkin_volunteer_once_per_program")]


class Need(models.TextChoices):
    """What the person asks for: a choice, never free text, so the list and the board hold no story."""

    SUBSTANCE_USE = "substance_use", "Help with substance use"
    DETOX = "detox", "Detox / withdrawal"
    MOUD = "moud", "Medication (MOUD)"
    MENTAL_HEALTH = "mental_health", "Mental health"
    HOUSING = "housing", "A place to stay"
    OTHER = "other", "Something else"


class WalkInStatus(models.TextChoices):
    WAITING = "waiting", "Waiting for a volunteer"
    ACCEPTED = "accepted", "With a volunteer"
    PLACED = "placed", "Placed"
    CLOSED = "closed", "Closed without placement"

    @classmethod
    def open_statuses(cls) -> list[str]:
        return [cls.WAITING, cls.ACCEPTED]


class CloseReason(models.TextChoices):
    LEFT = "left", "Left before placement"
    DECLINED = "declined", "Changed their mind"
    NO_PLACE = "no_place", "No placement found today"
    OTHER = "other", "Other"


class WalkIn(models.Model):
    """One person who walked in and asked for help, from arrival to placement (or closing)."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="walkins")
    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="walkins")
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The station: the starter's agency, and the unit (district, front desk) where the person walked in.
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    arrived_at = models.DateTimeField()
    need = models.CharField(max_length=20, choices=Need.choices)
    note = EncryptedTextField(blank=True)
    status = models.CharField(max_length=10, choices=WalkInStatus.choices, default=WalkInStatus.WAITING)
    volunteer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    accepted_at = models.DateTimeField(null=True, blank=True)
    placed_at = models.DateTimeField(null=True, blank=True)
    placed_service = models.ForeignKey(ProviderService, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    referral = models.OneToOneField(Referral, on_delete=models.PROTECT, null=True, blank=True, related_name="walkin")
    closed_at = models.DateTimeField(null=True, blank=True)
    close_reason = models.CharField(max_length=10, choices=CloseReason.choices, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    idempotency_key = models.UUIDField(default=uuid.uuid4)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            # A double tap at the front desk records one walk-in.
            models.UniqueConstraint(fields=["started_by", "idempotency_key"], name="walkin_unique_idempotency_key"),
            models.CheckConstraint(
                condition=~Q(status="placed") | Q(placed_at__isnull=False, referral__isnull=False),
                name="walkin_placed_has_time_and_referral",
            ),
            models.CheckConstraint(
                condition=~Q(status="closed") | (Q(closed_at__isnull=False) & ~Q(close_reason="")),
                name="walkin_closed_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(placed_at__isnull=True) | Q(placed_at__gte=models.F("arrived_at")),
                name="walkin_placed_after_arrival",
            ),
        ]
        indexes = [
            # the figures: a program's walk-ins in a period
            models.Index(fields=["program", "arrived_at"], name="walkin_program_arrived_idx"),
            # the volunteers' board: a program's open walk-ins, oldest first
            models.Index(
                fields=["program", "arrived_at"], condition=Q(status__in=["waiting", "accepted"]), name="walkin_open_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        return f"W-{self.pk:06d}" if self.pk else "W-new"

    @property
    def is_open(self) -> bool:
        return self.status in WalkInStatus.open_statuses()

    def elapsed(self, now: datetime.datetime | None = None) -> datetime.timedelta:
        """The clock: arrival to placement (or to closing, or to now while open)."""
        end = self.placed_at or self.closed_at or (now or timezone.now())
        return max(datetime.timedelta(0), end - self.arrived_at)

    @property
    def minutes_to_placement(self) -> int | None:
        if self.placed_at is None:
            return None
        return round((self.placed_at - self.arrived_at).total_seconds() / 60)

    def elapsed_label(self, now: datetime.datetime | None = None) -> str:
        minutes = int(self.elapsed(now).total_seconds() // 60)
        if minutes < 60:
            return f"{minutes} min"
        return f"{minutes // 60} h {minutes % 60:02d} min"


class WalkInNotice(models.Model):
    """A walk-in as one volunteer receives it: in the app, and once by a link-only email."""

    walkin = models.ForeignKey(WalkIn, on_delete=models.CASCADE, related_name="notices")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="walkin_notices")
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["walkin", "recipient"], name="walkin_notice_once_per_recipient")]
        indexes = [
            # the board: a volunteer's unread notices
            models.Index(fields=["recipient", "created_at"], condition=Q(read_at__isnull=True), name="walkin_notice_unread_idx"),
        ]
