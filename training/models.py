"""Training: a program's course catalog, its sessions, who attended, and the weekly reminders.

Compliance (completed / due / overdue / never) is not stored: it is worked out
from attendance and each course's refresher interval (training/selectors.py).
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from deflection.models import Agency, Program, Role

# A refresher that falls due within this many days shows as "due soon" and triggers a reminder.
DUE_SOON_DAYS = 30

# Attendees may scan the session's QR code this long before it starts (people arrive early).
CHECK_IN_OPENS_BEFORE = timedelta(minutes=15)

# Roles a course can require. Case managers, coordinators and administrators run the
# program; the checklist asks for training of responders, dispatchers and command staff.
REQUIRABLE_ROLES = [Role.OFFICER, Role.DISPATCHER, Role.SUPERVISOR, Role.COMMAND, Role.CASE_MANAGER]


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clamped to the end of a shorter month (31 Jan + 1 month = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year = day.year + month_index // 12
    month = month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


class ComplianceStatus(models.TextChoices):
    CURRENT = "current", "Completed"
    DUE_SOON = "due_soon", "Due soon"
    OVERDUE = "overdue", "Overdue"
    NEVER = "never", "Never taken"

    @classmethod
    def compliant(cls) -> set[str]:
        """A refresher that is due soon is still in date."""
        return {cls.CURRENT, cls.DUE_SOON}

    @classmethod
    def needs_reminder(cls) -> set[str]:
        """Never taken counts as due now: the person is required to take it and has not."""
        return {cls.DUE_SOON, cls.OVERDUE, cls.NEVER}


class Course(models.Model):
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="courses")
    title = models.CharField(max_length=120)
    description = models.TextField()
    objectives = models.TextField(help_text="The learning objectives, one per line.")
    duration_minutes = models.PositiveIntegerField(
        validators=[MinValueValidator(5), MaxValueValidator(24 * 60)], help_text="How long one session takes."
    )
    required_roles = ArrayField(
        models.CharField(max_length=20, choices=[(r.value, r.label) for r in REQUIRABLE_ROLES]),
        default=list,
        blank=True,
        help_text="Everyone with one of these roles in the program must take this course.",
    )
    refresher_months = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text="Take it again every so many months. Leave empty if once is enough.",
    )
    is_core = models.BooleanField(
        default=False,
        help_text=(
            "Part of the core curriculum (the checklist's four topics); "
            "referral figures compare officers who completed it with those who did not."
        ),
    )
    teaches_naloxone = models.BooleanField(
        default=False,
        help_text="Trains people to administer naloxone: its attendees count as trained in the federal (COSSUP) export.",
    )
    is_active = models.BooleanField(default=True, help_text="Inactive courses are no longer required or scheduled.")
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["program", "title"], name="course_unique_title_per_program"),
            models.CheckConstraint(
                condition=Q(refresher_months__isnull=True) | Q(refresher_months__gte=1),
                name="course_refresher_at_least_one_month",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def objective_list(self) -> list[str]:
        return [line.strip() for line in self.objectives.splitlines() if line.strip()]

    def required_role_labels(self) -> list[str]:
        return [Role(r).label for r in self.required_roles]

    def is_required_for(self, roles: set[str]) -> bool:
        return self.is_active and bool(roles & set(self.required_roles))

    def refresher_due_on(self, completed_on: date) -> date | None:
        if self.refresher_months is None:
            return None
        return add_months(completed_on, self.refresher_months)

    def standing(self, completed_on: date | None, today: date) -> tuple[str, date | None]:
        """(ComplianceStatus, due date) for someone whose last completion was `completed_on`."""
        if completed_on is None:
            return ComplianceStatus.NEVER, None
        due_on = self.refresher_due_on(completed_on)
        if due_on is None:
            return ComplianceStatus.CURRENT, None
        if due_on < today:
            return ComplianceStatus.OVERDUE, due_on
        if due_on <= today + timedelta(days=DUE_SOON_DAYS):
            return ComplianceStatus.DUE_SOON, due_on
        return ComplianceStatus.CURRENT, due_on


class InstructorKind(models.TextChoices):
    STAFF = "staff", "Program staff member"
    PARTNER = "partner", "Treatment-partner speaker"
    LIVED_EXPERIENCE = "lived_experience", "Lived-experience speaker"


class Session(models.Model):
    """One sitting of a course. Times are stored in UTC and shown in the program's time zone."""

    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="sessions")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    location = models.CharField(max_length=200, blank=True, help_text="Room and address, if in person.")
    video_url = models.URLField(blank=True, help_text="Video link, if online.")
    capacity = models.PositiveIntegerField(validators=[MinValueValidator(1), MaxValueValidator(2000)])
    instructor_kind = models.CharField(max_length=20, choices=InstructorKind.choices, default=InstructorKind.STAFF)
    host = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="hosted_training_sessions",
        help_text="The program staff member who teaches or hosts the session and takes the roster.",
    )
    speaker_agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The partner agency a guest speaker comes from.",
    )
    speaker_name = models.CharField(max_length=120, blank=True)
    speaker_anonymous = models.BooleanField(
        default=False, help_text="A lived-experience speaker who chose not to be named. No name is stored."
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="session_ends_after_start"),
            models.CheckConstraint(condition=~Q(location="") | ~Q(video_url=""), name="session_has_place_or_link"),
            models.CheckConstraint(
                condition=~Q(instructor_kind=InstructorKind.STAFF) | Q(host__isnull=False),
                name="session_staff_instructor_named",
            ),
            models.CheckConstraint(
                condition=~Q(instructor_kind=InstructorKind.PARTNER) | (Q(speaker_agency__isnull=False) & ~Q(speaker_name="")),
                name="session_partner_speaker_has_agency_and_name",
            ),
            models.CheckConstraint(
                condition=~Q(instructor_kind=InstructorKind.LIVED_EXPERIENCE) | Q(speaker_anonymous=True) | ~Q(speaker_name=""),
                name="session_lived_experience_named_or_anonymous",
            ),
            # Anonymity is the speaker's choice: a name must never be stored alongside it.
            models.CheckConstraint(
                condition=Q(speaker_anonymous=False) | Q(speaker_name=""), name="session_anonymous_speaker_unnamed"
            ),
        ]
        indexes = [
            # course page and "upcoming sessions" on /training/: a course's sessions by date
            models.Index(fields=["course", "starts_at"], name="session_course_start_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.course.title}, {timezone.localtime(self.starts_at):%Y-%m-%d %H:%M}"

    def check_in_opens_at(self):
        return self.starts_at - CHECK_IN_OPENS_BEFORE

    def check_in_open(self, now=None) -> bool:
        now = now or timezone.now()
        return self.check_in_opens_at() <= now <= self.ends_at

    def speaker_label(self) -> str:
        """How the instructor is named on pages and certificates."""
        if self.instructor_kind == InstructorKind.STAFF:
            return str(self.host) if self.host_id else ""
        if self.instructor_kind == InstructorKind.LIVED_EXPERIENCE and self.speaker_anonymous:
            who = "A person in recovery (anonymous by choice)"
        else:
            who = self.speaker_name
        if self.speaker_agency_id:
            who = f"{who}, {self.speaker_agency.name}"
        return who


class AttendanceMethod(models.TextChoices):
    ROSTER = "roster", "Roster (instructor)"
    QR = "qr", "QR check-in"
    CSV = "csv", "CSV import"


class Attendance(models.Model):
    """Someone attended a session; attending completes the course on the session's date."""

    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="attendances")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="training_attendances")
    method = models.CharField(max_length=10, choices=AttendanceMethod.choices)
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        constraints = [
            # A repeated QR scan, a double-tapped roster or a re-uploaded CSV adds nothing.
            models.UniqueConstraint(fields=["session", "user"], name="attendance_one_per_person_per_session"),
        ]
        indexes = [
            # compliance page and the officer's record: one person's attendance
            models.Index(fields=["user", "session"], name="attendance_user_session_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user} at {self.session}"


class ReminderStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"


class Reminder(models.Model):
    """One person's reminder about one course in one week (the row is the idempotency key).

    PENDING -> SENT is claimed under a row lock in the same transaction as the email, which
    commits once the mail server accepted it: a retried or duplicated task never sends twice,
    and a worker killed mid-send leaves the row PENDING for the redelivered task. SENDING is
    kept only for rows claimed before that change; such a row is not sent again.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="training_reminders")
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="reminders")
    week = models.DateField(help_text="Monday of the (UTC) week the reminder belongs to.")
    standing = models.CharField(max_length=10, choices=ComplianceStatus.choices)
    due_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=ReminderStatus.choices, default=ReminderStatus.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "course", "week"], name="reminder_one_per_person_course_week"),
        ]
        indexes = [
            # send_training_reminder: one person's pending reminders this week
            models.Index(fields=["user", "week"], condition=Q(status="pending"), name="reminder_pending_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user} / {self.course} / {self.week} ({self.status})"
