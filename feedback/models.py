"""Officers' voice in the program and the program's answer: suggestions, surveys, research highlights,
and the outcome feed's own rows (case managers' messages, participants' letters, weekly digests).

Anonymity is designed in, not bolted on (see README, "Feedback: anonymity"):
an anonymous suggestion or survey response holds no author, no precise
timestamp and no sequential id, so neither the row nor its neighbours nor
the audit trail can be lined up with the person who wrote it.

Longer than 500 lines on purpose: Django keeps an app's models in one module, and feedback is one app
(the checklist's one "feedback loop"); the code that uses them is split by concern in services/ and
selectors/.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone

from deflection.crypto import EncryptedTextField, UntimedEncryptedTextField
from deflection.models import Agency, Program, Role
from referrals.models import Consent, Referral


class SuggestionStatus(models.TextChoices):
    NEW = "new", "New"
    UNDER_REVIEW = "under_review", "Under review"
    ADOPTED = "adopted", "Adopted"
    DECLINED = "declined", "Declined"

    @classmethod
    def decisions(cls) -> set[str]:
        """Statuses that close a suggestion; each must say why in the public response."""
        return {cls.ADOPTED, cls.DECLINED}


class Suggestion(models.Model):
    """One idea from the field, with the program's public answer.

    The primary key is random and the submission time is kept to the day:
    a sequential id or an exact time would place an anonymous suggestion
    between two named ones and so next to its writer's other activity.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="suggestions")
    # Null means anonymous: nothing else in the database points back at the writer.
    # PROTECT: users are deactivated, never deleted, so a named suggestion never turns anonymous.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="suggestions"
    )
    text = models.TextField()
    submitted_on = models.DateField(help_text="The program-local day it was written; no time of day, on purpose.")
    status = models.CharField(max_length=20, choices=SuggestionStatus.choices, default=SuggestionStatus.NEW)
    response = models.TextField(blank=True, help_text="The program's public answer, shown to everyone in the program.")
    responded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    responded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status__in=[SuggestionStatus.ADOPTED, SuggestionStatus.DECLINED]) | ~models.Q(response=""),
                name="suggestion_decision_has_response",
            ),
        ]
        indexes = [
            # triage page: one program's suggestions filtered by status
            models.Index(fields=["program", "status", "submitted_on"], name="suggestion_triage_idx"),
            # suggestions page and the newsletter's "you said, we did": answered suggestions by answer date
            models.Index(
                fields=["program", "responded_at"],
                condition=~models.Q(response=""),
                name="suggestion_answered_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"Suggestion of {self.submitted_on:%Y-%m-%d} ({self.get_status_display()})"

    @property
    def is_anonymous(self) -> bool:
        return self.author_id is None

    @property
    def is_answered(self) -> bool:
        return bool(self.response)


class AnonymousSuggestionTally(models.Model):
    """The audit trail's record of anonymous suggestions: a count per program per day.

    Anonymous suggestions leave no audit record when they are written (the
    record's exact time and sequence would sit next to the writer's own
    sign-in). `feedback.tasks.audit_anonymous_suggestions` writes one record
    per finished day instead; this row makes that job safe to run twice.
    """

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    count = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["program", "day"], name="anonymous_tally_one_per_program_day"),
        ]


class Survey(models.Model):
    """A short questionnaire opened for a window to chosen roles at chosen agencies."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="surveys")
    title = models.CharField(max_length=120)
    intro = models.TextField(blank=True)
    anonymous = models.BooleanField(
        default=True, help_text="Answers hold no author; the program only knows who has answered, not what."
    )
    audience_roles = ArrayField(models.CharField(max_length=20, choices=Role.choices))
    audience_agencies = models.ManyToManyField(Agency, related_name="+")
    opens_at = models.DateTimeField()
    closes_at = models.DateTimeField()
    # Set once, when the opening reminder is handed to the outbox (claimed with a conditional UPDATE).
    reminders_enqueued_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(closes_at__gt=models.F("opens_at")), name="survey_closes_after_opening"),
        ]
        indexes = [
            # remind_opened_surveys: surveys whose window has begun and whose reminder is not yet queued
            models.Index(fields=["opens_at"], condition=models.Q(reminders_enqueued_at=None), name="survey_unreminded_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def is_open(self, now=None) -> bool:
        now = now or timezone.now()
        return self.opens_at <= now < self.closes_at

    def is_closed(self, now=None) -> bool:
        return (now or timezone.now()) >= self.closes_at

    def is_scheduled(self, now=None) -> bool:
        return (now or timezone.now()) < self.opens_at

    def audience_role_labels(self) -> list[str]:
        return [Role(r).label for r in self.audience_roles]


class QuestionKind(models.TextChoices):
    SCALE = "scale", "Scale 1–5"
    OPEN = "open", "Open-ended"


class SurveyQuestion(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=10, choices=QuestionKind.choices)
    text = models.CharField(max_length=300)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["survey", "position"], name="survey_question_unique_position"),
        ]

    def __str__(self) -> str:
        return self.text


class SurveyParticipation(models.Model):
    """ "This person has answered this survey", and nothing about what they answered.

    It is the one-response-per-person guard for every survey, and it is all
    the program learns about who answered an anonymous one. There is no key
    between it and SurveyResponse, and the response has no time at all, so
    the two cannot be joined.
    """

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="participations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["survey", "user"], name="survey_participation_one_per_person"),
        ]


class SurveyResponse(models.Model):
    """One person's answers. In an anonymous survey it holds no author and no time.

    The key is random (a sequence would follow the order of the named
    participation rows). The respondent's role and agency are kept for the
    results breakdown, which suppresses every group below the program's
    threshold; no page shows a response row on its own.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    # Only for surveys that are not anonymous.
    respondent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    respondent_role = models.CharField(max_length=20, choices=Role.choices)
    respondent_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "respondent"],
                condition=models.Q(respondent__isnull=False),
                name="survey_response_one_per_named_respondent",
            ),
        ]


class SurveyAnswer(models.Model):
    # Random key for the same reason as SurveyResponse: answer ids would reveal the order of responses.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    response = models.ForeignKey(SurveyResponse, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(SurveyQuestion, on_delete=models.CASCADE, related_name="answers")
    scale_value = models.PositiveSmallIntegerField(null=True, blank=True)
    text = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="survey_answer_one_per_question"),
            models.CheckConstraint(
                condition=models.Q(scale_value__isnull=True) | models.Q(scale_value__gte=1, scale_value__lte=5),
                name="survey_answer_scale_1_to_5",
            ),
        ]
        indexes = [
            # survey results: every answer to one question
            models.Index(fields=["question"], name="survey_answer_question_idx"),
        ]


class AnonymousKind(models.TextChoices):
    SUGGESTION = "suggestion", "Suggestion"
    SURVEY_RESPONSE = "survey_response", "Survey response"


class AnonymousSubmission(models.Model):
    """An anonymous suggestion or survey response waiting to be published in a shuffled batch (SECURITY.md 30).

    It is written in a transaction of its own, apart from the named "who answered" row, and
    holds no author, no time column and a random key; its content is encrypted under a token
    stamped with no time, so a database copy taken while it waits shows neither what was said
    nor when. `feedback.services.anonymous_submissions_publish` moves every due row into
    Suggestion or SurveyResponse/SurveyAnswer in one transaction, in random order, and deletes
    it: the published rows share that one transaction id (`xmin`) and their physical order says
    nothing about the order of writing.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=AnonymousKind.choices)
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    # A suggestion's program-local day (published once that day is over); no time of day, on purpose.
    day = models.DateField(null=True, blank=True)
    payload = UntimedEncryptedTextField(help_text="JSON: the suggestion's text, or the response's role, agency and answers.")

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(kind="suggestion", day__isnull=False, survey__isnull=True))
                | (models.Q(kind="survey_response", survey__isnull=False, day__isnull=True)),
                name="anonymous_submission_kind_fields",
            ),
        ]


class ReminderStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Claimed by a worker"
    SENT = "sent", "Sent"


class SurveyReminder(models.Model):
    """The one reminder email a person gets for a survey.

    A worker claims the row (pending -> sent) with a conditional UPDATE in the
    transaction that sends the email and commits once the server accepted it: a
    second worker waits on the row lock and skips it, and a worker killed
    mid-send leaves it pending for the redelivered task. `sending` is kept only
    for rows claimed before that change; such a row is not sent again.
    """

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="reminders")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=ReminderStatus.choices, default=ReminderStatus.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["survey", "user"], name="survey_reminder_one_per_person"),
        ]


class HighlightKind(models.TextChoices):
    FINDING = "finding", "Finding"
    CHART = "chart", "Chart"
    LINK = "link", "Link"
    FILE = "file", "File"


class FileType(models.TextChoices):
    """The only upload types accepted, named by what their first bytes say, not their extension."""

    PNG = "png", "PNG image"
    JPEG = "jpeg", "JPEG image"
    PDF = "pdf", "PDF document"

    @property
    def content_type(self) -> str:
        return {"png": "image/png", "jpeg": "image/jpeg", "pdf": "application/pdf"}[self.value]

    @property
    def is_image(self) -> bool:
        return self in {FileType.PNG, FileType.JPEG}


def highlight_upload_path(instance: Highlight, filename: str) -> str:
    # A random stored name: the uploader's file name never reaches the file system.
    return f"feedback/highlights/{uuid.uuid4().hex}.{instance.file_type}"


class Highlight(models.Model):
    """A short research or data item a coordinator shares with officers (the checklist's "share research and data")."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="highlights")
    kind = models.CharField(max_length=10, choices=HighlightKind.choices)
    title = models.CharField(max_length=150)
    body = models.TextField(blank=True)
    url = models.URLField(blank=True, max_length=500)
    file = models.FileField(upload_to=highlight_upload_path, blank=True)
    file_type = models.CharField(max_length=10, choices=FileType.choices, blank=True)
    file_name = models.CharField(max_length=150, blank=True, help_text="The uploader's file name, for display only.")
    file_size = models.PositiveIntegerField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind=HighlightKind.LINK) | ~models.Q(url=""), name="highlight_link_has_url"
            ),
            models.CheckConstraint(
                condition=~models.Q(kind__in=[HighlightKind.CHART, HighlightKind.FILE]) | ~models.Q(file=""),
                name="highlight_upload_has_file",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind=HighlightKind.FINDING) | ~models.Q(body=""), name="highlight_finding_has_text"
            ),
        ]
        indexes = [
            # highlights page and the newsletter: a program's latest items
            models.Index(fields=["program", "-created_at"], name="highlight_latest_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_image(self) -> bool:
        return bool(self.file_type) and FileType(self.file_type).is_image


# --- The outcome feed: case managers' messages, participants' letters, weekly digests -------------


class DeliveryStatus(models.TextChoices):
    """One email's life: claimed (pending -> sent) in the transaction that sends it, which commits once the
    mail server accepted it, so it goes out once. `sending` is kept only for rows claimed before that change."""

    PENDING = "pending", "Pending"
    SENDING = "sending", "Claimed by a worker"
    SENT = "sent", "Sent"
    SKIPPED = "skipped", "Nothing to send"


class CaseManagerMessage(models.Model):
    """A short note from a case manager to the officer who made a referral ("she's in residential treatment").

    Sent only under a consent that covers free text (see `referrals.disclosure.free_text_consent`);
    the officer reads it only while such a consent is still active. The text is narrative, so it
    is encrypted at rest.
    """

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="+")
    # The recipient: the referral's officer when the message was sent.
    officer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="case_manager_messages")
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The consent that allowed it when it was sent (the disclosure record names it too).
    consent = models.ForeignKey(Consent, on_delete=models.PROTECT, related_name="+")
    text = EncryptedTextField()
    idempotency_key = models.UUIDField(default=uuid.uuid4)
    created_at = models.DateTimeField(default=timezone.now)
    email_status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # A double-tapped or retried send stores one message (SECURITY.md 20).
            models.UniqueConstraint(fields=["sender", "idempotency_key"], name="cm_message_unique_idempotency_key"),
        ]
        indexes = [
            # outcome feed and weekly digest: one officer's messages, newest first
            models.Index(fields=["officer", "-created_at"], name="cm_message_officer_idx"),
            # message page: the messages already sent about one referral
            models.Index(fields=["referral", "created_at"], name="cm_message_referral_idx"),
        ]

    def __str__(self) -> str:
        return f"Message {self.pk} about {self.referral_id}"


class LetterPermission(models.TextChoices):
    """Where the participant allowed their letter to go."""

    OFFICER = "officer", "To the referring officer only"
    NEWSLETTER = "newsletter", "To the newsletter, anonymised"
    BOTH = "both", "To the referring officer, and to the newsletter anonymised"

    @classmethod
    def to_officer(cls) -> list[str]:
        return [cls.OFFICER, cls.BOTH]

    @classmethod
    def to_newsletter(cls) -> list[str]:
        return [cls.NEWSLETTER, cls.BOTH]


class LetterStatus(models.TextChoices):
    PENDING = "pending", "Waiting for review"
    APPROVED = "approved", "Approved"
    REDACTED = "redacted", "Approved with redactions"
    REJECTED = "rejected", "Rejected"

    @classmethod
    def published(cls) -> list[str]:
        """Statuses in which anyone outside the treatment team may read the letter."""
        return [cls.APPROVED, cls.REDACTED]


class ParticipantLetter(models.Model):
    """A letter or story from a participant, relayed by their case manager and reviewed by a coordinator.

    Nobody outside the treatment team reads it before a coordinator approves it.
    `original_text` (and the scan, if any) is what the participant wrote; only the
    provider's case managers and the program's coordinators see it. Officers and the
    newsletter see `published_text`: the original when approved, the coordinator's
    edit when redacted. A redacted letter's scan stays with the original.
    """

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="participant_letters")
    # The referral the letter answers: its officer is the one the participant may thank.
    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="+")
    # Whose case managers may read the original (the referral's provider when it was recorded).
    provider = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    permission = models.CharField(max_length=12, choices=LetterPermission.choices)
    original_text = EncryptedTextField(blank=True)
    # Set when a scan was uploaded (the bytes live in LetterScan, so lists never load them).
    scan_type = models.CharField(max_length=10, choices=FileType.choices, blank=True)
    status = models.CharField(max_length=10, choices=LetterStatus.choices, default=LetterStatus.PENDING)
    published_text = EncryptedTextField(blank=True)
    include_in_newsletter = models.BooleanField(default=False)
    review_note = EncryptedTextField(
        max_length=300, blank=True, help_text="For the case manager: why it was rejected or what was redacted."
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(original_text="") | ~models.Q(scan_type=""), name="letter_has_text_or_scan"
            ),
            models.CheckConstraint(
                condition=models.Q(status=LetterStatus.PENDING) | models.Q(reviewed_by__isnull=False, reviewed_at__isnull=False),
                name="letter_reviewed_has_reviewer",
            ),
            # A redaction is an edited text; a scan alone can only be approved as it is.
            models.CheckConstraint(
                condition=~models.Q(status=LetterStatus.REDACTED) | ~models.Q(published_text=""),
                name="letter_redaction_has_text",
            ),
            models.CheckConstraint(
                condition=models.Q(include_in_newsletter=False)
                | models.Q(
                    status__in=[LetterStatus.APPROVED, LetterStatus.REDACTED],
                    permission__in=[LetterPermission.NEWSLETTER, LetterPermission.BOTH],
                )
                & ~models.Q(published_text=""),
                name="letter_newsletter_needs_permission_and_text",
            ),
        ]
        indexes = [
            # coordinator's review queue: one program's letters by status, oldest first
            models.Index(fields=["program", "status", "created_at"], name="letter_review_idx"),
            # newsletter: a program's letters chosen for it, by review date
            models.Index(
                fields=["program", "reviewed_at"], condition=models.Q(include_in_newsletter=True), name="letter_newsletter_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"Letter {self.pk} ({self.get_status_display()})"

    @property
    def has_scan(self) -> bool:
        return bool(self.scan_type)

    @property
    def officer_sees_scan(self) -> bool:
        """The scan reaches the officer only when the letter was approved as it is (a redaction hides it)."""
        return self.has_scan and self.status == LetterStatus.APPROVED

    @property
    def is_published(self) -> bool:
        return self.status in LetterStatus.published()

    @property
    def scan_is_image(self) -> bool:
        return self.has_scan and FileType(self.scan_type).is_image


class LetterScan(models.Model):
    """The uploaded image or PDF of a letter, encrypted in the database.

    A participant's handwriting is narrative about them (SECURITY.md 10), so the
    bytes are stored base64-encoded in an encrypted field rather than as a file:
    `rotate_keys` then re-encrypts them with every other field.
    """

    letter = models.OneToOneField(ParticipantLetter, on_delete=models.CASCADE, primary_key=True, related_name="scan")
    file_type = models.CharField(max_length=10, choices=FileType.choices)
    size = models.PositiveIntegerField()
    data = EncryptedTextField()


class WeeklyDigest(models.Model):
    """The one digest email an officer gets for one week: counts and a link, never a name or a status.

    Created for every officer with activity in the week, then claimed with a
    conditional UPDATE (pending -> sent) in the transaction that sends it, so a
    second run or a redelivered task sends nothing more. A row whose week holds nothing the
    officer may see (no consent covers it) ends as `skipped`, with no email.
    """

    officer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    week_start = models.DateField(help_text="The Monday the week began, in the program's time zone.")
    period_start = models.DateTimeField()
    period_end = models.DateTimeField()
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    updates = models.PositiveIntegerField(default=0)
    messages = models.PositiveIntegerField(default=0)
    letters = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["officer", "week_start"], name="weekly_digest_one_per_officer_week"),
            models.CheckConstraint(condition=models.Q(period_end__gt=models.F("period_start")), name="weekly_digest_period"),
        ]
        indexes = [
            # send_weekly_digests: the rows still to send
            models.Index(fields=["week_start"], condition=models.Q(status="pending"), name="weekly_digest_pending_idx"),
        ]

    def __str__(self) -> str:
        return f"Digest of {self.week_start:%Y-%m-%d} ({self.get_status_display()})"
