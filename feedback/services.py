"""Writes for the feedback app: suggestions and their triage, surveys and their reminders, research highlights,
and the outcome feed (disclosure records, case managers' messages, participants' letters, weekly digests).

Every function here is keyword-only and is the one way its rows are written.
Anonymity rules (no author, no precise time, no audit record at the moment
of writing) and disclosure rules (consent checked at the moment of showing,
a disclosure record for everything shown) live here, so no view can get them wrong.
"""

from __future__ import annotations

import base64
import re
import uuid
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from deflection.access import coordinates
from deflection.audit import audit_log, client_ip
from deflection.errors import ServiceError
from deflection.models import Agency, AuditEvent, Program, Role, User
from deflection.outbox import enqueue
from feedback import access, selectors
from feedback.models import (
    AnonymousSuggestionTally,
    CaseManagerMessage,
    DeliveryStatus,
    FileType,
    Highlight,
    HighlightKind,
    LetterPermission,
    LetterScan,
    LetterStatus,
    ParticipantLetter,
    QuestionKind,
    ReminderStatus,
    Suggestion,
    SuggestionStatus,
    Survey,
    SurveyAnswer,
    SurveyParticipation,
    SurveyQuestion,
    SurveyReminder,
    SurveyResponse,
    WeeklyDigest,
)
from feedback.selectors import FeedItem, FeedKind
from feedback.uploads import check_upload
from referrals import disclosure
from referrals.access import case_manager_agency_ids
from referrals.models import Consent, Referral

SUGGESTION_MAX_CHARS = 2000
SURVEY_MAX_QUESTIONS = 12
OPEN_ANSWER_MAX_CHARS = 1000

# The checklist's own questions for "regular program assessment" (BJA, "Obtaining Officer Support").
CHECKLIST_OPEN_QUESTIONS = [
    "What would encourage colleagues to participate?",
    "How would you improve the process?",
]


# Codes of the refusals that callers tell apart (ServiceError.code).
SURVEY_NOT_OPEN = "survey_not_open"
ALREADY_RESPONDED = "already_responded"
CONSENT_REQUIRED = "consent_required"  # the consent does not let this reach the referring officer


# --- Suggestions --------------------------------------------------------------


def suggestion_submit(
    *, program: Program, author: User, text: str, anonymous: bool, request=None
) -> Suggestion:
    """Store a suggestion. If anonymous, the row holds no author and no audit record is written now.

    The author is still needed to check that they may write to this program;
    it is then dropped. `request` is used only for a named suggestion's audit
    record (its address); an anonymous one never sees it.
    """
    if not access.suggestion_programs_for(author).filter(pk=program.pk).exists():
        raise PermissionDenied("Only officers, dispatchers, supervisors and command staff of the program write suggestions.")
    text = (text or "").strip()
    if not text:
        raise ServiceError("Write your suggestion first.")
    if len(text) > SUGGESTION_MAX_CHARS:
        raise ServiceError(f"Keep it under {SUGGESTION_MAX_CHARS} characters.")
    suggestion = Suggestion.objects.create(
        program=program, author=None if anonymous else author, text=text, submitted_on=program.today()
    )
    if not anonymous:
        audit_log(action="feedback.suggestion.submit", request=request, actor=author, obj=suggestion)
    # Anonymous: an audit record written now would carry the exact time and the next
    # sequence number, which sit right beside the writer's own sign-in record.
    # audit_anonymous_suggestions() records a per-day count once the day is over.
    return suggestion


def suggestion_triage(
    *, suggestion: Suggestion, coordinator: User, status: str, response: str, request=None
) -> Suggestion:
    """Set a suggestion's status and its public response (shown to everyone in the program)."""
    if not coordinates(coordinator, suggestion.program_id):
        raise PermissionDenied("Only the program's coordinators triage suggestions.")
    if status not in SuggestionStatus.values:
        raise ServiceError("Choose a status.")
    response = (response or "").strip()
    if status in SuggestionStatus.decisions() and not response:
        raise ServiceError(
            "Adopted and declined suggestions need a public response: say what the program did, or why not."
        )
    previous_status = suggestion.status
    fields = ["status"]
    suggestion.status = status
    if response != suggestion.response:
        suggestion.response = response
        suggestion.responded_by = coordinator
        suggestion.responded_at = timezone.now()
        fields += ["response", "responded_by", "responded_at"]
    suggestion.save(update_fields=fields)
    audit_log(
        action="feedback.suggestion.triage",
        request=request,
        actor=coordinator,
        obj=suggestion,
        detail={"from": previous_status, "to": status, "fields": fields},
    )
    return suggestion


def audit_anonymous_suggestions() -> int:
    """Write one audit record per program per finished day with the count of anonymous suggestions.

    Safe to run twice: the tally row is unique per program and day and is
    written in the same transaction as its audit record.
    """
    already = AnonymousSuggestionTally.objects.filter(program_id=OuterRef("program_id"), day=OuterRef("submitted_on"))
    days = (
        Suggestion.objects.filter(author=None)
        .exclude(Exists(already))
        .values("program_id", "submitted_on")
        .annotate(count=Count("id"))
        .order_by("program_id", "submitted_on")
    )
    programs = {p.pk: p for p in Program.objects.filter(pk__in={row["program_id"] for row in days})}
    written = 0
    for row in days:
        program = programs[row["program_id"]]
        if row["submitted_on"] >= program.today():
            continue  # the day is not over: more may come, and today's count would narrow the time again
        try:
            with transaction.atomic():
                AnonymousSuggestionTally.objects.create(program=program, day=row["submitted_on"], count=row["count"])
                audit_log(
                    action="feedback.suggestion.anonymous_daily",
                    obj=program,
                    detail={"day": row["submitted_on"].isoformat(), "count": row["count"]},
                )
        except IntegrityError:
            continue  # another worker wrote this day first
        written += 1
    return written


# --- Surveys ------------------------------------------------------------------


def survey_create(
    *,
    program: Program,
    created_by: User,
    title: str,
    intro: str = "",
    anonymous: bool,
    opens_at: datetime,
    closes_at: datetime,
    roles: Iterable[str],
    agencies: Iterable[Agency],
    scale_questions: Iterable[str],
    open_questions: Iterable[str],
    request=None,
) -> Survey:
    """Define a survey with its audience and window; if it is already open, queue its reminder."""
    if not coordinates(created_by, program):
        raise PermissionDenied("Only the program's coordinators create surveys.")
    roles = sorted(set(roles))
    agencies = list(agencies)
    scale_questions = [q.strip() for q in scale_questions if q.strip()]
    open_questions = [q.strip() for q in open_questions if q.strip()]
    if closes_at <= opens_at:
        raise ServiceError("The survey must close after it opens.")
    if closes_at <= timezone.now():
        raise ServiceError("The closing time is already past.")
    if not roles or not set(roles) <= set(Role.values):
        raise ServiceError("Choose at least one role to ask.")
    program_agency_ids = program.agency_ids()
    if not agencies or any(a.pk not in program_agency_ids for a in agencies):
        raise ServiceError("Choose at least one of the program's agencies.")
    questions = [(QuestionKind.SCALE, q) for q in scale_questions] + [(QuestionKind.OPEN, q) for q in open_questions]
    if not questions:
        raise ServiceError("Add at least one question.")
    if len(questions) > SURVEY_MAX_QUESTIONS:
        raise ServiceError(f"Keep it short: at most {SURVEY_MAX_QUESTIONS} questions.")
    if any(len(text) > 300 for _, text in questions):
        raise ServiceError("Keep each question under 300 characters.")
    with transaction.atomic():
        survey = Survey.objects.create(
            program=program,
            title=title.strip(),
            intro=intro.strip(),
            anonymous=anonymous,
            audience_roles=roles,
            opens_at=opens_at,
            closes_at=closes_at,
            created_by=created_by,
        )
        survey.audience_agencies.set(agencies)
        SurveyQuestion.objects.bulk_create(
            SurveyQuestion(survey=survey, position=i, kind=kind, text=text) for i, (kind, text) in enumerate(questions, 1)
        )
        audit_log(action="feedback.survey.create", request=request, actor=created_by, obj=survey)
        if survey.is_open():
            survey_reminders_enqueue(survey=survey)
    return survey


def survey_audience(survey: Survey):
    """Active users with an active membership whose role and agency are both in the survey's audience."""
    # One filter() call, so the role and the agency are matched on the same membership row.
    return User.objects.filter(
        is_active=True,
        memberships__is_active=True,
        memberships__role__in=survey.audience_roles,
        memberships__agency__in=survey.audience_agencies.all(),
    ).distinct()


def survey_reminders_enqueue(*, survey: Survey) -> bool:
    """Queue the survey's one reminder run through the outbox. Only the first call queues anything."""
    with transaction.atomic():
        # Claim with a conditional UPDATE, so the beat job and the create view never both queue it.
        claimed = Survey.objects.filter(pk=survey.pk, reminders_enqueued_at=None).update(reminders_enqueued_at=timezone.now())
        if claimed:
            enqueue("feedback.tasks.send_survey_reminders", survey_id=survey.pk)
    return bool(claimed)


def survey_reminders_enqueue_due() -> int:
    """Queue reminders for surveys whose window has begun since they were created (the beat job)."""
    now = timezone.now()
    due = Survey.objects.filter(reminders_enqueued_at=None, opens_at__lte=now, closes_at__gt=now)
    return sum(survey_reminders_enqueue(survey=survey) for survey in due)


def _reminder_body(survey: Survey) -> str:
    link = settings.SITE_URL + reverse("feedback:survey_answer", args=[survey.pk])
    privacy = (
        "Answers are anonymous: the program learns only that you answered, never what you said."
        if survey.anonymous
        else "Answers are stored with your account so the coordinator can follow up."
    )
    # A link and a date only: no names of people, not even a greeting (SECURITY.md 12).
    return (
        "Your deflection program has opened a short survey and would like to hear from you.\n\n"
        f"It takes a few minutes and closes on {survey.program.localtime(survey.closes_at):%B %-d, %Y}.\n\n"
        f"Answer it here (sign-in required):\n{link}\n\n"
        f"{privacy}\n\n"
        "You get this reminder once per survey.\n"
    )


def survey_reminders_send(*, survey_id: int) -> int:
    """Email each person in the audience once. Returns how many emails this run sent.

    Safe to run twice or at once on two workers: a reminder row per person is
    unique, and each is claimed (pending -> sent) in the transaction that sends its email.
    """
    survey = Survey.objects.select_related("program").get(pk=survey_id)
    if survey.is_closed():
        return 0
    answered = SurveyParticipation.objects.filter(survey=survey).values("user_id")
    recipients = survey_audience(survey).exclude(pk__in=answered).values_list("pk", flat=True)
    SurveyReminder.objects.bulk_create(
        [SurveyReminder(survey=survey, user_id=user_id) for user_id in recipients], ignore_conflicts=True
    )
    subject = "A short survey is open for you"
    body = _reminder_body(survey)
    sent = 0
    for reminder in SurveyReminder.objects.filter(survey=survey, status=ReminderStatus.PENDING).select_related("user"):
        # Claim and send in one transaction that commits once the mail server accepted the message: a second
        # worker waits on the row lock and skips it, a worker killed mid-send leaves it pending for the
        # redelivered task, and a refused send rolls back for the task's retry (issue 15).
        with transaction.atomic():
            if not SurveyReminder.objects.filter(pk=reminder.pk, status=ReminderStatus.PENDING).update(
                status=ReminderStatus.SENT, sent_at=timezone.now()
            ):
                continue
            send_mail(subject, body, None, [reminder.user.email])
        sent += 1
    return sent


def _clean_answers(survey: Survey, answers: Mapping[int, object]) -> list[tuple[SurveyQuestion, int | None, str]]:
    cleaned = []
    for question in survey.questions.all():
        value = answers.get(question.pk)
        if value in (None, ""):
            continue
        if question.kind == QuestionKind.SCALE:
            try:
                number = int(value)
            except (TypeError, ValueError):
                number = 0
            if not 1 <= number <= 5:
                raise ServiceError(f"“{question.text}”: choose a number from 1 to 5.")
            cleaned.append((question, number, ""))
        else:
            text = str(value).strip()
            if len(text) > OPEN_ANSWER_MAX_CHARS:
                raise ServiceError(f"“{question.text}”: keep the answer under {OPEN_ANSWER_MAX_CHARS} characters.")
            if text:
                cleaned.append((question, None, text))
    if not cleaned:
        raise ServiceError("Answer at least one question.")
    return cleaned


def _violated_constraint(exc: IntegrityError) -> str:
    diag = getattr(exc.__cause__, "diag", None)
    return getattr(diag, "constraint_name", "") or ""


ALREADY_RESPONDED_MESSAGE = "You have already answered this survey. Each person answers once."


def survey_respond(*, survey: Survey, user: User, answers: Mapping[int, object], request=None) -> SurveyParticipation:
    """Record one person's answers, once.

    Anonymous survey: the response holds no author and no time, and its key is
    random; the participation row ("this person answered") is written in the
    same transaction but shares no key or timestamp with it.
    """
    now = timezone.now()
    if survey.is_scheduled(now):
        raise ServiceError("This survey is not open yet.", status=409, code=SURVEY_NOT_OPEN)
    if survey.is_closed(now):
        raise ServiceError("This survey has closed; thank you all the same.", status=409, code=SURVEY_NOT_OPEN)
    membership = access.audience_membership(user, survey)
    if membership is None:
        raise PermissionDenied("This survey is not addressed to you.")
    if SurveyParticipation.objects.filter(survey=survey, user=user).exists():
        raise ServiceError(ALREADY_RESPONDED_MESSAGE, status=409, code=ALREADY_RESPONDED)
    cleaned = _clean_answers(survey, answers)
    try:
        with transaction.atomic():
            participation = SurveyParticipation.objects.create(survey=survey, user=user)
            response = SurveyResponse.objects.create(
                survey=survey,
                respondent=None if survey.anonymous else user,
                respondent_role=membership.role,
                respondent_agency_id=membership.agency_id,
            )
            SurveyAnswer.objects.bulk_create(
                SurveyAnswer(response=response, question=question, scale_value=number, text=text)
                for question, number, text in cleaned
            )
            # Who answered is recorded; which response is theirs is not (for an anonymous survey).
            audit_log(
                action="feedback.survey.respond",
                request=request,
                actor=user,
                obj=survey,
                detail={} if survey.anonymous else {"response": str(response.pk)},
            )
    except IntegrityError as exc:
        # A double tap or a second tab got here first.
        if _violated_constraint(exc) in {"survey_participation_one_per_person", "survey_response_one_per_named_respondent"}:
            raise ServiceError(ALREADY_RESPONDED_MESSAGE, status=409, code=ALREADY_RESPONDED) from exc
        raise
    return participation


# --- Research and data highlights ---------------------------------------------

UPLOAD_TYPES = {
    HighlightKind.CHART: {FileType.PNG, FileType.JPEG},
    HighlightKind.FILE: {FileType.PNG, FileType.JPEG, FileType.PDF},
}


def highlight_post(
    *,
    program: Program,
    author: User,
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    upload: UploadedFile | None = None,
    request=None,
) -> Highlight:
    """Publish a research or data item to everyone in the program."""
    if not coordinates(author, program):
        raise PermissionDenied("Only the program's coordinators post highlights.")
    title, body, url = title.strip(), (body or "").strip(), (url or "").strip()
    if not title:
        raise ServiceError("Give the item a title.")
    if kind == HighlightKind.FINDING and not body:
        raise ServiceError("Write the finding.")
    if kind == HighlightKind.LINK and not url.startswith(("https://", "http://")):
        raise ServiceError("Give a web address starting with https://.")
    highlight = Highlight(program=program, kind=kind, title=title, body=body, created_by=author)
    if kind == HighlightKind.LINK:
        highlight.url = url
    if kind in UPLOAD_TYPES:
        if upload is None:
            raise ServiceError("Choose a file to upload.")
        # Checked again here, not only in the form: the service is the one way in.
        file_type = check_upload(upload, allowed=UPLOAD_TYPES[kind])
        highlight.file_type = file_type
        highlight.file_size = upload.size
        highlight.file_name = (upload.name or "")[-150:]
        highlight.file.save("upload", upload, save=False)
    highlight.save()
    audit_log(action="feedback.highlight.post", request=request, actor=author, obj=highlight, detail={"kind": kind})
    return highlight


# --- The outcome feed: disclosure records ---------------------------------------------------------


def _log_disclosures(*, officer: User, items: Iterable[FeedItem], request=None, channel: str, actor: User | None = None,
                     shown: str | None = None) -> int:
    """One disclosure record per consented item, in one INSERT (SECURITY.md 5).

    The record's shape (recipient, consent, level, what was shown, channel) is
    `referrals.disclosure.disclosure_records`, so the program's list of every
    disclosure about a person includes these. `shown` replaces the item's own
    words when the channel showed less (the digest shows only a count).
    """
    views = [
        (item.referral, item.officer_view() if shown is None else disclosure.OfficerView(shown, item.consent_id, item.level))
        for item in items
    ]
    records = disclosure.disclosure_records(
        referrals_and_views=views, viewer=officer, ip_address=client_ip(request), channel=channel, actor=actor
    )
    if records:
        AuditEvent.objects.bulk_create(records)
    return len(records)


def officer_feed_show(*, officer: User, request=None) -> list[FeedItem]:
    """The officer's outcome feed as the page shows it; every consented item shown is logged as a disclosure."""
    items = selectors.officer_feed(officer, on=timezone.localdate())
    _log_disclosures(officer=officer, items=items, request=request, channel="feed")
    return items


def message_read(*, message: CaseManagerMessage, consent: Consent, officer: User, request=None) -> FeedItem:
    """The officer opens one message (its page or its email link): a disclosure like any feed item."""
    item = FeedItem(FeedKind.MESSAGE, message.created_at, message.referral, message.text, consent.pk, consent.level,
                    message=message)
    _log_disclosures(officer=officer, items=[item], request=request, channel="web")
    return item


def letter_read(*, letter: ParticipantLetter, consent: Consent, officer: User, request=None, what: str = "text") -> FeedItem:
    """The officer opens an approved letter, or its scan: a disclosure like any feed item."""
    item = FeedItem(FeedKind.LETTER, letter.reviewed_at, letter.referral, letter.published_text, consent.pk,
                    consent.level, letter=letter)
    shown = f"participant letter {letter.pk} (scan)" if what == "scan" else None
    _log_disclosures(officer=officer, items=[item], request=request, channel="web", shown=shown)
    return item


# --- Messages from case managers ------------------------------------------------------------------

MESSAGE_MAX_CHARS = 500


def message_send(
    *, referral: Referral, sender: User, text: str, idempotency_key: uuid.UUID, request=None
) -> CaseManagerMessage:
    """Send the referring officer a short message, only under a consent that covers free text.

    The message, its disclosure record (the case manager disclosed, the officer
    received, under this consent) and the outbox row for its email are written in
    one transaction. A repeated idempotency key returns the message already sent.
    """
    if referral.provider_id not in case_manager_agency_ids(sender):
        raise PermissionDenied("Only the provider's case managers write to the referring officer.")
    text = (text or "").strip()
    if not text:
        raise ServiceError("Write the message first.")
    if len(text) > MESSAGE_MAX_CHARS:
        raise ServiceError(f"Keep it short: at most {MESSAGE_MAX_CHARS} characters.")
    existing = CaseManagerMessage.objects.filter(sender=sender, idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing  # a double tap or a retried POST: the first one was sent
    consents = access.consents_by_participant([referral.participant_id]).get(referral.participant_id, [])
    today = timezone.localdate()
    refusal = access.free_text_refusal(referral, consents, today)
    if refusal:
        raise ServiceError(refusal, status=403, code=CONSENT_REQUIRED)
    consent = access.free_text_consent(referral, referral.officer, consents, today)
    try:
        with transaction.atomic():
            message = CaseManagerMessage.objects.create(
                referral=referral, officer_id=referral.officer_id, sender=sender, consent=consent, text=text,
                idempotency_key=idempotency_key,
            )
            item = FeedItem(FeedKind.MESSAGE, message.created_at, referral, text, consent.pk, consent.level,
                            message=message)
            _log_disclosures(officer=referral.officer, items=[item], request=request, channel="message", actor=sender)
            enqueue("feedback.tasks.email_case_manager_message", message_id=message.pk)
    except IntegrityError:
        existing = CaseManagerMessage.objects.filter(sender=sender, idempotency_key=idempotency_key).first()
        if existing is None:
            raise
        return existing
    return message


def message_email_send(*, message_id: int) -> bool:
    """Tell the officer a message is waiting: a link, never a name or the text (SECURITY.md 12). Sent once.

    The claim and the email share one transaction that commits once the mail server accepted the message:
    a worker killed mid-send leaves the row pending for the redelivered task, and a second copy of the task
    running at once waits on the row lock and then finds it sent (issue 15).
    """
    with transaction.atomic():
        if not CaseManagerMessage.objects.filter(pk=message_id, email_status=DeliveryStatus.PENDING).update(
            email_status=DeliveryStatus.SENT, emailed_at=timezone.now()
        ):
            return False
        message = CaseManagerMessage.objects.select_related("officer").only("id", "officer__email").get(pk=message_id)
        link = settings.SITE_URL + reverse("feedback:message", args=[message.pk])
        send_mail(
            "Deflection: a case manager sent you a message",
            "A case manager sent you a message about a person you referred.\n\n"
            f"Sign in to read it:\n{link}\n\n"
            "You get this email because the person consented to updates reaching you.\n",
            None,
            [message.officer.email],
        )
    return True


# --- Participants' letters ------------------------------------------------------------------------

LETTER_MAX_CHARS = 5000


def letter_record(
    *, referral: Referral, recorded_by: User, permission: str, text: str = "", upload: UploadedFile | None = None,
    request=None,
) -> ParticipantLetter:
    """Record a participant's letter (typed, or a photo or scan) and where they allowed it to go.

    Nobody outside the treatment team sees it until a coordinator reviews it. A scan
    is checked by its first bytes (feedback.uploads) and stored encrypted.
    """
    if referral.provider_id not in case_manager_agency_ids(recorded_by):
        raise PermissionDenied("Only the provider's case managers record participants' letters.")
    if permission not in LetterPermission.values:
        raise ServiceError("Record where the participant allowed the letter to go.")
    text = (text or "").strip()
    if not text and upload is None:
        raise ServiceError("Type the letter, or upload a photo or scan of it.")
    if len(text) > LETTER_MAX_CHARS:
        raise ServiceError(f"Keep the typed text under {LETTER_MAX_CHARS} characters; upload a scan of a longer letter.")
    scan_type, data = "", ""
    if upload is not None:
        try:
            # Checked again here, not only in the form: the service is the one way in.
            scan_type = check_upload(upload)
        except ValidationError as exc:
            raise ServiceError(exc.messages[0]) from exc
        upload.seek(0)
        data = base64.b64encode(upload.read()).decode("ascii")
    with transaction.atomic():
        letter = ParticipantLetter.objects.create(
            program_id=referral.program_id, referral=referral, provider_id=referral.provider_id, permission=permission,
            original_text=text, scan_type=scan_type, recorded_by=recorded_by,
        )
        if data:
            LetterScan.objects.create(letter=letter, file_type=scan_type, size=upload.size, data=data)
        audit_log(action="feedback.letter.record", request=request, actor=recorded_by, obj=letter,
                  detail={"referral": referral.pk, "permission": permission, "scan": bool(data)})
    return letter


LETTER_DECISIONS = {"approve": LetterStatus.APPROVED, "redact": LetterStatus.REDACTED, "reject": LetterStatus.REJECTED}


def _names_in(text: str, letter: ParticipantLetter) -> list[str]:
    """Names of the participant or the officer that an anonymised text still contains."""
    participant, officer = letter.referral.participant, letter.referral.officer
    names = [] if participant.is_pseudonymous else [participant.first_name, participant.last_name]
    names += [officer.first_name, officer.last_name]
    return sorted({
        name for name in names
        if name and len(name) > 1 and re.search(rf"\b{re.escape(name)}\b", text, flags=re.IGNORECASE)
    })


def letter_review(
    *, letter: ParticipantLetter, coordinator: User, decision: str, text: str = "", include_in_newsletter: bool = False,
    note: str = "", request=None,
) -> ParticipantLetter:
    """Approve, redact (publish an edited text, keeping the original restricted) or reject a letter.

    The newsletter takes only anonymised text the participant allowed there: a
    version that still holds the participant's or the officer's name is refused.
    """
    if not access.letter_programs_for(coordinator).filter(pk=letter.program_id).exists():
        raise PermissionDenied("Only the program's coordinators review letters.")
    if decision not in LETTER_DECISIONS:
        raise ServiceError("Choose approve, redact or reject.")
    status = LETTER_DECISIONS[decision]
    text = (text or "").replace("\r\n", "\n").strip()
    published = ""
    if status == LetterStatus.APPROVED:
        published = letter.original_text
    elif status == LetterStatus.REDACTED:
        if not text:
            raise ServiceError("Write the redacted text: what the officer and the newsletter may read.")
        if text == letter.original_text.replace("\r\n", "\n").strip():
            raise ServiceError("The text is unchanged. Approve the letter as it is, or edit out what must not be shown.")
        if len(text) > LETTER_MAX_CHARS:
            raise ServiceError(f"Keep the text under {LETTER_MAX_CHARS} characters.")
        published = text
    if include_in_newsletter:
        if status == LetterStatus.REJECTED:
            raise ServiceError("A rejected letter cannot go in the newsletter.")
        if letter.permission not in LetterPermission.to_newsletter():
            raise ServiceError("The participant did not allow this letter in the newsletter.")
        if not published:
            raise ServiceError("The newsletter prints text only: redact the scan into an anonymised text first.")
        names = _names_in(published, letter)
        if names:
            raise ServiceError(
                f"The newsletter version must be anonymous, but it still contains {', '.join(names)}. Redact it first."
            )
    previous = letter.status
    letter.status = status
    letter.published_text = published
    letter.include_in_newsletter = include_in_newsletter
    letter.review_note = (note or "").strip()[:300]
    letter.reviewed_by = coordinator
    letter.reviewed_at = timezone.now()
    letter.save(update_fields=["status", "published_text", "include_in_newsletter", "review_note", "reviewed_by",
                               "reviewed_at"])
    audit_log(action="feedback.letter.review", request=request, actor=coordinator, obj=letter,
              detail={"from": previous, "to": status, "newsletter": include_in_newsletter})
    return letter


def letter_original_read(*, letter: ParticipantLetter, user: User, request=None, what: str = "text") -> None:
    """A case manager or coordinator read a letter's original (its text or its scan): a read of participant data."""
    audit_log(action="feedback.letter.original_view", request=request, actor=user, obj=letter, detail={"what": what})


def letter_scan_bytes(letter: ParticipantLetter) -> bytes:
    return base64.b64decode(LetterScan.objects.only("data").get(letter=letter).data)


# --- Weekly digest --------------------------------------------------------------------------------

# A week runs Monday to Monday in the program's time zone; its digest goes out on Monday morning.
DIGEST_SEND_AFTER = time(6, 0)


def digest_week(program: Program, now: datetime) -> tuple[date, datetime, datetime]:
    """(Monday, start, end) of the last complete week whose digest is due at `now`."""
    local = program.localtime(now)
    monday = local.date() - timedelta(days=local.weekday())
    if local.weekday() == 0 and local.time() < DIGEST_SEND_AFTER:
        monday -= timedelta(days=7)  # early on Monday: last week's digest is not due until the morning
    week_start = monday - timedelta(days=7)
    return (
        week_start,
        program.local_midnight(week_start),
        program.local_midnight(monday),
    )


def weekly_digests_prepare(*, now: datetime | None = None) -> int:
    """One pending row per officer with activity in their program's last complete week; existing rows are kept."""
    now = now or timezone.now()
    candidates = 0
    for program in Program.objects.order_by("pk"):
        week_start, start, end = digest_week(program, now)
        officer_ids = selectors.officers_with_activity(program, start, end)
        # Unique (officer, week): a second run, or a second program of the same officer, adds nothing.
        WeeklyDigest.objects.bulk_create(
            [WeeklyDigest(officer_id=pk, week_start=week_start, period_start=start, period_end=end) for pk in officer_ids],
            ignore_conflicts=True,
        )
        candidates += len(officer_ids)
    return candidates


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _digest_body(digest: WeeklyDigest, counts: Counter) -> str:
    lines = []
    if counts[FeedKind.STATUS]:
        lines.append(_plural(counts[FeedKind.STATUS], "update on a person you referred", "updates on people you referred"))
    if counts[FeedKind.MESSAGE]:
        lines.append(_plural(counts[FeedKind.MESSAGE], "message from a case manager", "messages from case managers"))
    if counts[FeedKind.LETTER]:
        lines.append(_plural(counts[FeedKind.LETTER], "letter from a participant", "letters from participants"))
    link = settings.SITE_URL + reverse("feedback:feed")
    # Counts and a link only: no names, no statuses of individuals (SECURITY.md 12). The counts
    # cover consented updates, so the 42 CFR 2.32 notice goes with them (SECURITY.md 4).
    return (
        f"Your deflection program's week of {digest.week_start:%B %-d, %Y}:\n\n"
        + "".join(f"  - {line}\n" for line in lines)
        + f"\nRead them in your outcome feed (sign-in required):\n{link}\n\n"
        "You get this email at most once a week, and only when there is something new you may see.\n\n"
        f"42 CFR Part 2 notice: {disclosure.REDISCLOSURE_NOTICE}\n"
    )


def digest_send(*, digest_id: int) -> bool:
    """Send one officer's weekly digest, once. Returns whether an email went out.

    The claim (pending -> sent), the disclosure records and the email share one transaction that
    commits once the mail server accepted the message (issue 15): a second worker or a redelivered task
    waits on the row lock and skips the row; a worker killed mid-send (SIGKILL) leaves it pending, with
    no disclosure recorded, for the redelivered task to send once; a refused send rolls everything back
    for the task's retry. What counts is decided now, under today's consents; nothing the officer may
    see means no email (`skipped`).
    """
    with transaction.atomic():
        if not WeeklyDigest.objects.filter(pk=digest_id, status=DeliveryStatus.PENDING).update(
            status=DeliveryStatus.SENT, sent_at=timezone.now()
        ):
            return False
        digest = WeeklyDigest.objects.select_related("officer").get(pk=digest_id)
        officer = digest.officer
        items = []
        if officer.is_active and officer.email:
            items = selectors.officer_feed(
                officer, on=timezone.localdate(), since=digest.period_start, until=digest.period_end,
                include_received=False, limit=None,
            )
        if not items:
            WeeklyDigest.objects.filter(pk=digest_id).update(status=DeliveryStatus.SKIPPED, sent_at=None)
            return False
        counts = Counter(item.kind for item in items)
        _log_disclosures(officer=officer, items=items, channel="digest",
                         shown=f"counted in the weekly digest of {digest.week_start.isoformat()}")
        WeeklyDigest.objects.filter(pk=digest_id).update(
            updates=counts[FeedKind.STATUS], messages=counts[FeedKind.MESSAGE], letters=counts[FeedKind.LETTER],
        )
        send_mail("Deflection: your weekly update", _digest_body(digest, counts), None, [officer.email])
    return True


def weekly_digests_send(*, now: datetime | None = None) -> int:
    """The beat job: create the due week's rows, then send every pending digest (older weeks' too). Returns emails sent."""
    weekly_digests_prepare(now=now)
    pending = WeeklyDigest.objects.filter(status=DeliveryStatus.PENDING).order_by("week_start", "id")
    return sum(digest_send(digest_id=pk) for pk in pending.values_list("id", flat=True))
