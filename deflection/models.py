"""Program-wide models: agencies, programs, users and their roles, the audit trail, the outbox."""

import zoneinfo
from contextlib import AbstractContextManager
from datetime import date, datetime, time

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.fields import ArrayField
from django.contrib.sessions.base_session import AbstractBaseSession
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property

from deflection import program_time


class AgencyKind(models.TextChoices):
    POLICE = "police", "Police department"
    SHERIFF = "sheriff", "Sheriff's office"
    FIRE_EMS = "fire_ems", "Fire / EMS"
    TREATMENT = "treatment", "Treatment provider"
    COMMUNITY = "community", "Community organization"
    PROSECUTOR = "prosecutor", "Prosecutor's office"

    @classmethod
    def law_enforcement(cls) -> set[str]:
        return {cls.POLICE, cls.SHERIFF}

    @classmethod
    def providers(cls) -> set[str]:
        return {cls.TREATMENT, cls.COMMUNITY}


class Agency(models.Model):
    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=20, choices=AgencyKind.choices)
    phone = models.CharField(max_length=40, blank=True)
    address = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "agencies"

    def __str__(self) -> str:
        return self.name

    @property
    def is_law_enforcement(self) -> bool:
        return self.kind in AgencyKind.law_enforcement()

    @property
    def is_provider(self) -> bool:
        return self.kind in AgencyKind.providers()


class Unit(models.Model):
    """A patrol unit, district or team inside an agency (leaderboards and compliance group by it)."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="units")
    name = models.CharField(max_length=100)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agency", "name"], name="unit_unique_name_per_agency")]

    def __str__(self) -> str:
        return f"{self.agency.name}: {self.name}"


class Pathway(models.TextChoices):
    """The six deflection pathways of the TASC Center for Health and Justice framework."""

    SELF_REFERRAL = "self_referral", "Self-referral"
    ACTIVE_OUTREACH = "active_outreach", "Active outreach"
    NALOXONE_PLUS = "naloxone_plus", "Naloxone plus"
    OFFICER_REFERRAL = "officer_referral", "First responder / officer referral"
    OFFICER_INTERVENTION = "officer_intervention", "Officer intervention (pre-arrest diversion)"
    COMMUNITY_RESPONSE = "community_response", "Community response"


# One line of help for each pathway, shown under its name on the referral form.
PATHWAY_HELP = {
    Pathway.SELF_REFERRAL: "The person came to the police or fire service asking for help; no charges.",
    Pathway.ACTIVE_OUTREACH: "You sought the person out (often with a clinician) to offer treatment; no charges.",
    Pathway.NALOXONE_PLUS: "Follow-up after an overdose: reaching the person and offering treatment.",
    Pathway.OFFICER_REFERRAL: "You offered treatment during routine work; no charges are involved.",
    Pathway.OFFICER_INTERVENTION: "Treatment instead of charges, or with charges held, on this contact.",
    Pathway.COMMUNITY_RESPONSE: "A call about a community need, answered with a crisis or service team.",
}


class ProgramType(models.TextChoices):
    """PAARI's program types (Promising Practices Guide)."""

    SELF_OFFICER_REFERRAL = "self_officer_referral", "Self-referral / officer referral"
    QUICK_RESPONSE_TEAM = "qrt", "Quick Response Team"
    CO_RESPONDER = "co_responder", "Co-responder"
    POST_OVERDOSE = "post_overdose", "Post-overdose follow-up"
    HUB = "hub", "HUB / situation table"
    WALK_IN = "walk_in", "Walk-in (Angel) intake"


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not a known time zone (for example America/Chicago).")


class AssignmentMethod(models.TextChoices):
    """How each provider gives a new referral its case manager; the program chooses (issue 12)."""

    ROUND_ROBIN = "round_robin", "Round robin among the provider's case managers"
    ON_CALL = "on_call", "The provider's on-call case manager (round robin when nobody is on call)"


class Program(models.Model):
    name = models.CharField(max_length=200, unique=True)
    lead_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="led_programs")
    partners = models.ManyToManyField(Agency, related_name="partner_programs", blank=True)
    pathways = ArrayField(models.CharField(max_length=30, choices=Pathway.choices), default=list)
    program_types = ArrayField(models.CharField(max_length=30, choices=ProgramType.choices), default=list, blank=True)
    time_zone = models.CharField(max_length=60, default="America/Chicago", validators=[validate_time_zone])
    goals = models.TextField(help_text="What the program sets out to achieve, in leadership's words.")
    purpose = models.TextField(help_text="Why the program exists and how it benefits officers and the community.")
    booking_baseline_minutes = models.PositiveIntegerField(
        default=90, help_text="How long an arrest and booking takes here; referral times are shown against it."
    )
    case_management_agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="case_managed_programs",
        help_text="Whose queue receives referrals that name no destination provider.",
    )
    first_contact_target_hours = models.PositiveIntegerField(
        default=24, help_text="The program's promise: first contact with a referred person within this many hours."
    )
    # The program's other clocks (DOMAIN.md "Clocks that programs report"); an item past one escalates
    # (referrals/clocks): first to the provider's on-call case manager, then to the coordinators.
    warm_handoff_ack_target_minutes = models.PositiveIntegerField(
        default=30, help_text="The program's promise: a warm hand-off is acknowledged within this many minutes."
    )
    engagement_target_days = models.PositiveIntegerField(
        default=30, help_text="The program's goal: a referred person engages in treatment within this many days."
    )
    assignment = models.CharField(
        max_length=20,
        choices=AssignmentMethod.choices,
        default=AssignmentMethod.ROUND_ROBIN,
        help_text="How a new referral gets its case manager at the receiving provider.",
    )
    suppression_threshold = models.PositiveIntegerField(
        default=11,
        validators=[MinValueValidator(11)],
        help_text="Counts below this are never shown outside the case-management team (11 is the CMS rule; "
        "stricter, larger values are allowed).",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(suppression_threshold__gte=11), name="program_suppression_threshold_at_least_11"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def led_by_law_enforcement(self) -> bool:
        return self.lead_agency.is_law_enforcement

    def pathway_labels(self) -> list[str]:
        return [Pathway(p).label for p in self.pathways]

    def program_type_labels(self) -> list[str]:
        return [ProgramType(p).label for p in self.program_types]

    def runs(self, program_type: str) -> bool:
        """Whether the program runs this workflow (issue 13): its pages and menu links exist only then."""
        return program_type in self.program_types

    def agency_ids(self) -> set[int]:
        return {self.lead_agency_id, *self.partners.values_list("id", flat=True)}

    # Program time: the one home of "what time is it where the program is". Times are stored in UTC;
    # due dates, editions, weeks and "today" turn over at the program's local midnight.

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    def localtime(self, moment: datetime | None = None) -> datetime:
        """`moment` (default: now) on the program's wall clock."""
        return timezone.localtime(moment, self.tz)

    def local_date(self, moment: datetime) -> date:
        """The program's calendar day on which `moment` falls."""
        return moment.astimezone(self.tz).date()

    def today(self) -> date:
        return timezone.localdate(timezone=self.tz)

    def local_midnight(self, day: date) -> datetime:
        """The first instant of `day` where the program is, in UTC (see `program_time.local_midnight`)."""
        return program_time.local_midnight(day, self.tz)

    def start_of(self, moment: date | datetime) -> datetime:
        """A date means the start of that day where the program is; a datetime is taken as it is."""
        return moment if isinstance(moment, datetime) else self.local_midnight(moment)

    def local_datetime(self, day: date, at: time) -> datetime:
        """`day` at the wall-clock time `at` where the program is (aware)."""
        return datetime.combine(day, at, tzinfo=self.tz)

    def time_zone_override(self) -> AbstractContextManager:
        """Render pages in the program's time zone (`{{ value|date }}`, form initial values)."""
        return timezone.override(self.tz)


class Role(models.TextChoices):
    OFFICER = "officer", "Officer"
    DISPATCHER = "dispatcher", "Dispatcher"
    SUPERVISOR = "supervisor", "Supervisor"
    COMMAND = "command", "Command staff"
    CASE_MANAGER = "case_manager", "Case manager"
    COORDINATOR = "coordinator", "Program coordinator"
    ADMINISTRATOR = "administrator", "Administrator"


# When a user holds several memberships, the home page follows the first of these.
ROLE_PRECEDENCE = [
    Role.ADMINISTRATOR,
    Role.COORDINATOR,
    Role.COMMAND,
    Role.SUPERVISOR,
    Role.CASE_MANAGER,
    Role.OFFICER,
    Role.DISPATCHER,
]


class Shift(models.TextChoices):
    DAY = "day", "Day"
    EVENING = "evening", "Evening"
    NIGHT = "night", "Night"


class User(AbstractUser):
    """One person, one account (SECURITY.md 7). Roles are per agency, on Membership."""

    email = models.EmailField(unique=True)
    # SECURITY.md 24: an account unused for 90 days is disabled (deflection.accounts). These say
    # when that happened, and when a coordinator or administrator last turned it back on, so the
    # daily job does not disable a re-enabled account again before its owner has had 90 days.
    disabled_unused_at = models.DateTimeField(null=True, blank=True)
    reenabled_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @cached_property
    def _active_memberships(self) -> list["Membership"]:
        # Cached on the instance: request.user asks for its roles many times a request. Each membership
        # carries the program types its agency's programs run (`workflows`), for the menu, in the same
        # query: a menu link must not cost every page a query of its own.
        partnered = Program.partners.through.objects.filter(agency_id=models.OuterRef(models.OuterRef("agency_id"))).values(
            "program_id"
        )
        workflows = ArraySubquery(
            Program.objects.filter(models.Q(lead_agency_id=models.OuterRef("agency_id")) | models.Q(pk__in=partnered))
            .annotate(kind=models.Func(models.F("program_types"), function="unnest"))
            .values("kind")
        )
        return list(self.memberships.filter(is_active=True).select_related("agency", "unit").annotate(workflows=workflows))

    def workflows_run(self) -> set[str]:
        """The program types (QRT, co-responder, walk-in, HUB) that the user's agencies' programs run."""
        return {kind for membership in self.active_memberships() for kind in (membership.workflows or ())}

    def active_memberships(self) -> list["Membership"]:
        return self._active_memberships

    @property
    def roles(self) -> set[str]:
        return {m.role for m in self.active_memberships()}

    @property
    def primary_role(self) -> str | None:
        roles = self.roles
        for role in ROLE_PRECEDENCE:
            if role in roles:
                return role
        return None

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles & set(roles))


class Membership(models.Model):
    """A user's place in one agency, with exactly one role there."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    badge_number = models.CharField(max_length=20, blank=True)
    unit = models.ForeignKey(Unit, on_delete=models.SET_NULL, null=True, blank=True, related_name="memberships")
    shift = models.CharField(max_length=10, choices=Shift.choices, blank=True)
    rank = models.CharField(max_length=60, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "agency"], name="membership_one_per_user_agency"),
            models.UniqueConstraint(
                fields=["agency", "badge_number"],
                condition=~models.Q(badge_number=""),
                name="membership_unique_badge_per_agency",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} at {self.agency}"

    def clean(self) -> None:
        if self.unit_id and self.unit.agency_id != self.agency_id:
            raise ValidationError({"unit": "The unit belongs to another agency."})


class AuditOutcome(models.TextChoices):
    SUCCESS = "success", "Success"
    FAILURE = "failure", "Failure"
    DENIED = "denied", "Denied"


class AuditEvent(models.Model):
    """Append-only record of who did what to which object (SECURITY.md 9).

    The database refuses UPDATE and DELETE on this table (trigger in
    migration 0002). Write it only through `deflection.audit.audit_log`.
    `detail` never holds personal data about participants.
    """

    at = models.DateTimeField(default=timezone.now)
    # PROTECT: a user with audit history is deactivated, never deleted.
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    actor_username = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=60)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    outcome = models.CharField(max_length=10, choices=AuditOutcome.choices, default=AuditOutcome.SUCCESS)
    detail = models.JSONField(default=dict, blank=True)
    # Filled by the database (trigger in migration 0005), never by Python: the previous row's hash and
    # a SHA-256 of this row's content with it, so `manage.py audit_verify` finds a changed or missing row.
    prev_hash = models.CharField(max_length=64, blank=True, editable=False)
    row_hash = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        indexes = [
            # "every event about one object" (e.g. every disclosure about one participant)
            models.Index(fields=["object_type", "object_id", "at"], name="audit_object_idx"),
            # account lockout: recent failed logins for one username
            models.Index(fields=["actor_username", "action", "at"], name="audit_actor_action_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_username or '-'} {self.action} {self.outcome}"


class OutboxStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENT = "sent", "Sent to the broker"


class OutboxMessage(models.Model):
    """A Celery task to publish, written in the same transaction as the change it follows.

    If Redis is down at commit time the row waits; `relay_outbox` publishes it
    when the broker is back (SECURITY.md 18). Tasks are idempotent, so a
    message published twice does no harm.
    """

    task_name = models.CharField(max_length=200)
    kwargs = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # relay_outbox: the pending rows, oldest first
            models.Index(fields=["created_at"], condition=models.Q(status="pending"), name="outbox_pending_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.task_name} ({self.status})"


class MailStatus(models.TextChoices):
    RETRYING = "retrying", "Retrying"
    SENT = "sent", "Sent after retries"
    FAILED = "failed", "Failed"
    RESENT = "resent", "Sent again"


class OutboundMail(models.Model):
    """One run of an email task that met SMTP trouble: its attempts, last error and outcome (issue 15).

    Every email task keeps it the same way (deflection/mail.py): a run that sends at the first try leaves
    no row; a timeout, 4xx or 5xx writes one (keyed by the Celery task id, which a retry keeps) and counts
    each attempt; after the last retry it is FAILED and the program's coordinators see it with a "send
    again". `label` says what the email is, never its text.
    """

    task_id = models.CharField(max_length=64, unique=True)
    task_name = models.CharField(max_length=200)
    kwargs = models.JSONField(default=dict)
    label = models.CharField(max_length=200)
    # None: a job for every program (the weekly digests, the audit-review digests): every coordinator sees it.
    program = models.ForeignKey(Program, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    status = models.CharField(max_length=10, choices=MailStatus.choices, default=MailStatus.RETRYING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=120, blank=True)  # the SMTP reply code and the error's type only
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    failed_at = models.DateTimeField(null=True, blank=True)
    resent_at = models.DateTimeField(null=True, blank=True)
    resent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        indexes = [
            # the coordinators' "Undelivered emails" page
            models.Index(fields=["failed_at"], condition=models.Q(status="failed"), name="outbound_mail_failed_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.status})"


class SignInSession(AbstractBaseSession):
    """A server-side session row that knows whose it is (SESSION_ENGINE = "deflection.sessions").

    Django's own session table hides the user inside the encoded data, so "end this user's other
    sessions" (after a change of roles, SECURITY.md 24) would mean decoding every row.
    """

    # end_other_sessions: every session of one user
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = "sign-in session"


class AuditReviewDigest(models.Model):
    """One weekly audit-review email per program and week: the unique key makes a re-run send nothing."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="+")
    week_start = models.DateField(help_text="Monday of the reviewed week, in the program's time zone.")
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["program", "week_start"], name="audit_digest_one_per_program_week")]
