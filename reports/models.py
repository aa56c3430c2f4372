"""Recognition and newsletters: commendations, newsletter editions, recipient lists and email deliveries.

Figures are never stored here: every report computes them from referrals (reports.metrics). A
newsletter edition keeps only its rendered PDF, which holds aggregates alone.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from deflection.models import Agency, Program
from reports.periods import Period


class Commendation(models.Model):
    """Command staff recognising an officer's deflection work (the checklist: incentives, recognition)."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="commendations")
    officer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="commendations")
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    include_in_newsletter = models.BooleanField(default=False)
    marked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    marked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=~Q(officer=models.F("written_by")), name="commendation_not_self"),
        ]
        indexes = [
            # the officer's own commendations, newest first (my commendations, evaluation sheet)
            models.Index(fields=["officer", "-created_at"], name="commendation_officer_idx"),
            # the newsletter's recognitions: chosen commendations of one program in a period
            models.Index(
                fields=["program", "created_at"], condition=Q(include_in_newsletter=True), name="commendation_newsletter_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"Commendation for {self.officer} ({self.created_at:%Y-%m-%d})"


class NewsletterKind(models.TextChoices):
    MONTHLY = "monthly", "Monthly"
    QUARTERLY = "quarterly", "Quarterly"


class NewsletterStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be built"
    BUILDING = "building", "Building"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"

    @classmethod
    def in_progress(cls) -> list[str]:
        return [cls.PENDING, cls.BUILDING]


def newsletter_path(instance: Newsletter, filename: str) -> str:
    # A random part: the file name must not let one guess another program's editions.
    name = f"{instance.kind}-{instance.period.key}-v{instance.version}-{uuid.uuid4().hex[:12]}.pdf"
    return f"reports/newsletters/{instance.program_id}/{name}"


class Newsletter(models.Model):
    """One version of a program's newsletter for one month or quarter.

    Building again adds a version; the newest ready version is the current edition, and a named
    constraint keeps exactly one current edition per program, kind and period. Another constraint
    allows one build in progress at a time, so a double click or a repeated beat job queues nothing twice.
    """

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="newsletters")
    kind = models.CharField(max_length=10, choices=NewsletterKind.choices)
    period_start = models.DateField(help_text="First local day of the month or quarter.")
    period_end = models.DateField(help_text="Last local day of the month or quarter.")
    version = models.PositiveIntegerField(default=1)
    status = models.CharField(max_length=10, choices=NewsletterStatus.choices, default=NewsletterStatus.PENDING)
    is_current = models.BooleanField(default=False)
    file = models.FileField(upload_to=newsletter_path, blank=True)
    file_size = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=200, blank=True)
    # None: the monthly beat job.
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    built_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["program", "kind", "period_start"],
                condition=Q(is_current=True),
                name="newsletter_one_current_edition",
            ),
            models.UniqueConstraint(
                fields=["program", "kind", "period_start"],
                condition=Q(status__in=["pending", "building"]),
                name="newsletter_one_build_at_a_time",
            ),
            models.UniqueConstraint(fields=["program", "kind", "period_start", "version"], name="newsletter_unique_version"),
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")), name="newsletter_period_order"),
            models.CheckConstraint(condition=~Q(is_current=True) | Q(status="ready"), name="newsletter_current_is_ready"),
        ]
        indexes = [
            # newsletter list: one program's editions, newest period first
            models.Index(fields=["program", "kind", "-period_start"], name="newsletter_list_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.program} {self.get_kind_display()} newsletter {self.period.label} v{self.version}"

    @property
    def period(self) -> Period:
        if self.kind == NewsletterKind.MONTHLY:
            return Period.month(self.period_start.year, self.period_start.month, self.program.time_zone)
        return Period.quarter(self.period_start.year, (self.period_start.month - 1) // 3 + 1, self.program.time_zone)

    @property
    def is_in_progress(self) -> bool:
        return self.status in NewsletterStatus.in_progress()

    @property
    def download_name(self) -> str:
        return f"newsletter-{self.period.key}-v{self.version}.pdf"


class RecipientList(models.Model):
    """A saved list of people for the quarterly newsletter email (e.g. "Partners and chiefs")."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="recipient_lists")
    name = models.CharField(max_length=100)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["program", "name"], name="recipient_list_unique_name")]

    def __str__(self) -> str:
        return self.name


class NewsletterSend(models.Model):
    """A coordinator's "send" of a quarterly edition: the covering message and who it goes to."""

    newsletter = models.ForeignKey(Newsletter, on_delete=models.PROTECT, related_name="sends")
    message = models.TextField(blank=True, help_text="A short covering message. No names of participants.")
    agencies = models.ManyToManyField(Agency, blank=True, related_name="+")
    recipient_list = models.ForeignKey(RecipientList, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # The form's idempotency key: a double-tapped Send creates one send.
    idempotency_key = models.UUIDField(default=uuid.uuid4)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["created_by", "idempotency_key"], name="newsletter_send_idempotency"),
        ]

    def __str__(self) -> str:
        return f"Send of {self.newsletter} ({self.created_at:%Y-%m-%d})"


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class Delivery(models.Model):
    """One edition to one person by email; the row is the idempotency key (one per edition and person).

    QUEUED -> SENT is written, under a row lock, in the transaction that sends the message, and
    commits once the SMTP server accepted it: a worker killed mid-send leaves the row QUEUED and
    unlocked for the redelivered task (issue 15). Should a copy ever go out twice (the moment
    between the server's acceptance and the commit), it carries the same Message-ID. SENDING is
    what an earlier version left behind a killed worker: such a row is sent once its lease ran out.
    """

    send = models.ForeignKey(NewsletterSend, on_delete=models.CASCADE, related_name="deliveries")
    newsletter = models.ForeignKey(Newsletter, on_delete=models.PROTECT, related_name="deliveries")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED)
    # Why it failed: an error class and SMTP code, never the server's text (it may quote the address).
    reason = models.CharField(max_length=120, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["newsletter", "recipient"], name="delivery_one_per_edition_recipient"),
        ]
        indexes = [
            # the sender's claim: a send's rows still to go, in id order
            models.Index(fields=["send", "id"], condition=Q(status__in=["queued", "sending"]), name="delivery_to_send_idx"),
            # the progress bar: a send's rows by status
            models.Index(fields=["send", "status"], name="delivery_progress_idx"),
        ]

    def __str__(self) -> str:
        return f"Delivery {self.pk} ({self.status})"


class MonthRollup(models.Model):
    """One officer's referrals in one agency and one local month, counted by reports.metrics.

    Reports read ended months from here instead of scanning referrals again. A month is counted
    again each time one of its follow-up windows closes (reports.rollups), and after its last one
    it never changes: a published final figure stays the same in every later edition.
    """

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="+")
    month = models.DateField(help_text="First local day of the month.")
    officer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    # Whether the officer had completed the core curriculum by the month's last day.
    trained = models.BooleanField(default=False)
    referrals = models.PositiveIntegerField(default=0)
    contacted = models.PositiveIntegerField(default=0)
    quality = models.PositiveIntegerField(default=0)
    retained_30 = models.PositiveIntegerField(default=0)
    retained_90 = models.PositiveIntegerField(default=0)
    declined = models.PositiveIntegerField(default=0)
    unable_to_contact = models.PositiveIntegerField(default=0)
    re_referrals = models.PositiveIntegerField(default=0)
    acknowledged = models.PositiveIntegerField(default=0)
    completion_seconds = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["program", "month", "officer", "agency"], name="month_rollup_unique_cell"),
        ]
        indexes = [
            # dashboard, leaderboard, newsletter: one program's months in a range
            models.Index(fields=["program", "month"], name="month_rollup_program_month_idx"),
        ]


class MonthSummary(models.Model):
    """Figures of one program month that cannot be summed from officers: people, medians.

    `agency` empty: the whole program.
    """

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    referrals = models.PositiveIntegerField(default=0)
    participants = models.PositiveIntegerField(default=0)
    contacted = models.PositiveIntegerField(default=0)
    engaged = models.PositiveIntegerField(default=0)
    median_contact_hours = models.FloatField(null=True, blank=True)
    median_treatment_days = models.FloatField(null=True, blank=True)
    median_completion_minutes = models.FloatField(null=True, blank=True)
    completion_seconds = models.BigIntegerField(default=0)
    # Referrals by pathway and by hand-off: {"naloxone_plus": 12, ...}
    pathways = models.JSONField(default=dict)
    handoffs = models.JSONField(default=dict)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["program", "month", "agency"], nulls_distinct=False, name="month_summary_unique"),
        ]


class RollupBuild(models.Model):
    """When a program month was last counted; a closed follow-up window since then means count again."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    built_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["program", "month"], name="rollup_build_unique_month")]


class PublishedLevel(models.Model):
    """The published outcome figures of one final period level (reports.levels), kept by their inputs.

    A level is final when every month in it is counted into the rollups and every measure's follow-up
    window has closed: its figures cannot change while its inputs do not, and `inputs` names those
    inputs (the same digest as the level's cache key: counts' build stamps, consents, people, threshold,
    CACHE_VERSION). A row whose digest no longer matches is never read, and the next publication of that
    level replaces it. So a cold cache (a flush, a deploy) costs a read here, not the search again.
    A level a page has shown keeps the referral totals shown beside its figures too (same inputs): a
    page of final periods is then read from these rows alone (reports.outcomes.stored_outcomes).
    """

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="+")
    period = models.CharField(max_length=32, help_text="Period key: 2025, 2025-Q1 or 2025-03.")
    officers = models.BooleanField(help_text="Published down to each officer and unit.")
    inputs = models.CharField(max_length=64, help_text="SHA-256 of everything the figures depend on.")
    # The figures as reports.levels keeps them in the cache (pickled, compressed): written only by this app.
    figures = models.BinaryField()
    # The period's referral totals as PeriodOutcomes.referrals holds them (pickled, compressed), once a
    # page has shown the period; empty for a level published only inside a longer one.
    referrals = models.BinaryField(null=True)
    published_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["program", "period", "officers"], name="published_level_once"),
        ]
