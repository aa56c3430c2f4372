"""Post-overdose outreach (QRT): overdoses, outreach cases with their clock, attempts, family follow-ups, naloxone.

Identity lives on referrals.Participant (encrypted, with its blind-index match keys); an overdose
links to one when the person is known. The place of an overdose is encrypted like a referral's location.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from deflection.crypto import EncryptedTextField
from deflection.models import Agency, Program, Unit
from referrals.models import Participant, Referral

# The PRONTO field guidance: reach the survivor within 24 to 72 hours; the program picks its promise.
CLOCK_MIN_HOURS, CLOCK_MAX_HOURS = 24, 72
# After the on-call case manager was told, the coordinators are told this much later if nobody has tried
# (the outreach clock, clock.py, escalated by referrals.clocks like every clock).
SECOND_ESCALATION_AFTER = datetime.timedelta(hours=12)
# Grief support for the family after a fatal overdose: offered 4 to 6 weeks later.
FAMILY_FOLLOW_UP_FROM = datetime.timedelta(weeks=4)
FAMILY_FOLLOW_UP_UNTIL = datetime.timedelta(weeks=6)


class OutreachSettings(models.Model):
    """A program's QRT settings, set by its coordinator."""

    program = models.OneToOneField(Program, on_delete=models.CASCADE, primary_key=True, related_name="outreach_settings")
    clock_hours = models.PositiveSmallIntegerField(
        default=48,
        validators=[MinValueValidator(CLOCK_MIN_HOURS), MaxValueValidator(CLOCK_MAX_HOURS)],
        help_text="First outreach attempt within this many hours of the overdose (24 to 72).",
    )
    max_attempts = models.PositiveSmallIntegerField(
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text="A case is closed as not reached after this many attempts that reached nobody.",
    )
    on_call_case_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Told first when a case's clock runs out and nobody is on call at the case-management provider.",
    )
    low_stock_threshold = models.PositiveSmallIntegerField(
        default=5, help_text="A unit holding fewer naloxone kits than this is shown as low on stock."
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(clock_hours__gte=CLOCK_MIN_HOURS, clock_hours__lte=CLOCK_MAX_HOURS),
                name="outreach_clock_24_to_72_hours",
            ),
            models.CheckConstraint(condition=Q(max_attempts__gte=1), name="outreach_max_attempts_positive"),
        ]

    @classmethod
    def for_program(cls, program: Program) -> OutreachSettings:
        """The saved settings, or the defaults (unsaved) for a program that never changed them."""
        try:
            return program.outreach_settings
        except cls.DoesNotExist:
            return cls(program=program)


class OverdoseSource(models.TextChoices):
    FIELD = "field", "Entered in the field"
    IMPORT = "import", "EMS / dispatch import"


class Overdose(models.Model):
    """One overdose, with the four facts ODMAP asks for, and the person if known."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="overdoses")
    occurred_at = models.DateTimeField()
    place = EncryptedTextField()
    fatal = models.BooleanField()
    naloxone_given = models.BooleanField()
    naloxone_doses = models.PositiveSmallIntegerField(default=0)
    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, null=True, blank=True, related_name="overdoses")
    source = models.CharField(max_length=10, choices=OverdoseSource.choices, default=OverdoseSource.FIELD)
    # The EMS or dispatch incident number of an imported row: importing the same file twice adds nothing.
    external_ref = models.CharField(max_length=60, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    # How long the form took from opening to saving ("in seconds", measured): null for imports.
    completion_seconds = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(naloxone_given=True, naloxone_doses__gte=1) | Q(naloxone_given=False, naloxone_doses=0),
                name="overdose_doses_match_naloxone_given",
            ),
            models.UniqueConstraint(
                fields=["program", "external_ref"], condition=~Q(external_ref=""), name="overdose_unique_external_ref"
            ),
        ]
        indexes = [
            # the figures: overdoses of a program in a period
            models.Index(fields=["program", "occurred_at"], name="overdose_program_time_idx"),
        ]

    def __str__(self) -> str:
        return f"Overdose OD-{self.pk}"

    @property
    def reference(self) -> str:
        return f"OD-{self.pk}"


class CaseStatus(models.TextChoices):
    OPEN = "open", "Open"
    ENGAGED = "engaged", "Engaged: referred to treatment"
    DECLINED = "declined", "Declined"
    NOT_REACHED = "not_reached", "Not reached"

    @classmethod
    def closed(cls) -> list[str]:
        return [cls.ENGAGED, cls.DECLINED, cls.NOT_REACHED]


class OutreachCase(models.Model):
    """Outreach to the survivor of a non-fatal overdose, on the program's 24–72-hour clock."""

    overdose = models.OneToOneField(Overdose, on_delete=models.PROTECT, related_name="outreach_case")
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="outreach_cases")
    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="outreach_cases")
    status = models.CharField(max_length=12, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    opened_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField(help_text="The first attempt is due by then (the program's clock).")
    first_attempt_at = models.DateTimeField(null=True, blank=True)
    reached_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    referral = models.OneToOneField(Referral, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open", closed_at__isnull=True) | (~Q(status="open") & Q(closed_at__isnull=False)),
                name="outreach_case_closed_at_iff_closed",
            ),
            models.CheckConstraint(
                condition=~Q(status="engaged") | Q(referral__isnull=False), name="outreach_case_engaged_has_referral"
            ),
        ]
        indexes = [
            # the escalation job (open, no attempt, past due) and the figures
            models.Index(fields=["program", "due_at"], condition=Q(status="open"), name="outreach_case_open_due_idx"),
            # the outreach queue: a program's open cases in the page's order (no attempt yet first, soonest
            # due), so the first page is read off the index rather than sorting every open case
            models.Index(
                F("program"),
                F("first_attempt_at").asc(nulls_first=True),
                F("due_at"),
                F("id"),
                condition=Q(status="open"),
                name="outreach_case_queue_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"Outreach case {self.reference}"

    @property
    def reference(self) -> str:
        return f"QRT-{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status == CaseStatus.OPEN

    def is_overdue(self, now: datetime.datetime | None = None) -> bool:
        return self.is_open and self.first_attempt_at is None and (now or timezone.now()) > self.due_at


class Channel(models.TextChoices):
    PHONE = "phone", "Phone call"
    TEXT = "text", "Text message"
    VISIT = "visit", "Visit"


class Reached(models.TextChoices):
    NOBODY = "nobody", "Nobody"
    SURVIVOR = "survivor", "The survivor"
    FAMILY = "family", "Family or friends"


class AttemptResult(models.TextChoices):
    NO_ANSWER = "no_answer", "No answer / nobody there"
    MESSAGE = "message", "Left a message (no details)"
    TRY_AGAIN = "try_again", "Talked; try again later"
    ENGAGED = "engaged", "Engaged: agreed to treatment (becomes a referral)"
    DECLINED = "declined", "Declined help"


class OutreachAttempt(models.Model):
    case = models.ForeignKey(OutreachCase, on_delete=models.CASCADE, related_name="attempts")
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    reached = models.CharField(max_length=10, choices=Reached.choices)
    result = models.CharField(max_length=12, choices=AttemptResult.choices)
    note = EncryptedTextField(blank=True)

    class Meta:
        constraints = [
            # Only the survivor can agree to treatment or decline it: family or friends are told nothing.
            models.CheckConstraint(
                condition=~Q(result__in=["engaged", "declined"]) | Q(reached="survivor"),
                name="outreach_attempt_decision_by_survivor",
            ),
        ]


class FamilyFollowUp(models.Model):
    """After a fatal overdose: offer the family grief support 4 to 6 weeks later."""

    overdose = models.OneToOneField(Overdose, on_delete=models.PROTECT, related_name="family_follow_up")
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="family_follow_ups")
    due_from = models.DateTimeField()
    due_until = models.DateTimeField()
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    note = EncryptedTextField(blank=True)

    class Meta:
        indexes = [
            # the family follow-up list: a program's open tasks, soonest first
            models.Index(fields=["program", "due_from"], condition=Q(done_at__isnull=True), name="family_follow_up_open_idx"),
        ]


class NaloxoneStock(models.Model):
    """The naloxone kits a unit holds; changed only by naloxone services (F() updates, never below zero)."""

    unit = models.OneToOneField(Unit, on_delete=models.CASCADE, primary_key=True, related_name="naloxone_stock")
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="naloxone_stocks")
    on_hand = models.PositiveIntegerField(default=0)
    # Set when the low-stock alert went out; cleared by a restock, so each shortage alerts once.
    low_alerted_at = models.DateTimeField(null=True, blank=True)
    # Set in the transaction that emails that alert, so a second copy of the task sends nothing (issue 15).
    low_emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(on_hand__gte=0), name="naloxone_stock_not_negative")]


class KitRecipient(models.TextChoices):
    SURVIVOR = "survivor", "The survivor"
    FAMILY = "family", "Family or friends"
    OTHER = "other", "Someone else"


class KitMovement(models.TextChoices):
    HANDOUT = "handout", "Handed out"
    RESTOCK = "restock", "Restocked"


class NaloxoneLedgerEntry(models.Model):
    """One line of the leave-behind ledger: kits handed out (when, to whom, by whom, from which unit) or restocked."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="naloxone_ledger")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    movement = models.CharField(max_length=10, choices=KitMovement.choices)
    quantity = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    recipient = models.CharField(max_length=10, choices=KitRecipient.choices, blank=True)
    case = models.ForeignKey(OutreachCase, on_delete=models.SET_NULL, null=True, blank=True, related_name="kits")
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="naloxone_entry_quantity_positive"),
            models.CheckConstraint(
                condition=Q(movement="handout", recipient__gt="") | Q(movement="restock", recipient=""),
                name="naloxone_handout_has_recipient",
            ),
        ]
        indexes = [
            # the ledger page and the "kits left" figure: a program's entries, newest first
            models.Index(fields=["program", "-at"], name="naloxone_ledger_program_idx"),
        ]
