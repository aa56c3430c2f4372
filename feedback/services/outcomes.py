"""Outcomes to officers: disclosure records for the feed, case managers' messages, participants' letters, the weekly digest.

Disclosure rules (consent checked at the moment of showing, a disclosure record for everything shown)
live here, so no view can get them wrong.
"""

from __future__ import annotations

import base64
import re
import uuid
from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from deflection.audit import AuditContext, audit_log
from deflection.errors import ServiceError
from deflection.models import AuditEvent, Program, User
from deflection.outbox import enqueue
from feedback import access, selectors
from feedback.models import (
    CaseManagerMessage,
    DeliveryStatus,
    LetterPermission,
    LetterScan,
    LetterStatus,
    ParticipantLetter,
    WeeklyDigest,
)
from feedback.selectors import FeedItem, FeedKind
from feedback.uploads import check_upload
from referrals import disclosure
from referrals.access import case_manager_agency_ids
from referrals.models import Consent, Referral

CONSENT_REQUIRED = "consent_required"  # the consent does not let this reach the referring officer


# --- The outcome feed: disclosure records ---------------------------------------------------------


def _log_disclosures(
    *,
    officer: User,
    items: Iterable[FeedItem],
    audit: AuditContext | None = None,
    channel: str,
    actor: User | None = None,
    shown: str | None = None,
) -> int:
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
        referrals_and_views=views,
        viewer=officer,
        ip_address=(audit.ip_address if audit is not None else None),
        channel=channel,
        actor=actor,
    )
    if records:
        AuditEvent.objects.bulk_create(records)
    return len(records)


def officer_feed_show(*, officer: User, audit: AuditContext | None = None) -> list[FeedItem]:
    """The officer's outcome feed as the page shows it; every consented item shown is logged as a disclosure."""
    items = selectors.officer_feed(officer, on=timezone.localdate())
    _log_disclosures(officer=officer, items=items, audit=audit, channel="feed")
    return items


def message_read(*, message: CaseManagerMessage, consent: Consent, officer: User, audit: AuditContext | None = None) -> FeedItem:
    """The officer opens one message (its page or its email link): a disclosure like any feed item."""
    item = FeedItem(
        FeedKind.MESSAGE, message.created_at, message.referral, message.text, consent.pk, consent.level, message=message
    )
    _log_disclosures(officer=officer, items=[item], audit=audit, channel="web")
    return item


def letter_read(
    *, letter: ParticipantLetter, consent: Consent, officer: User, audit: AuditContext | None = None, what: str = "text"
) -> FeedItem:
    """The officer opens an approved letter, or its scan: a disclosure like any feed item."""
    item = FeedItem(
        FeedKind.LETTER, letter.reviewed_at, letter.referral, letter.published_text, consent.pk, consent.level, letter=letter
    )
    shown = f"participant letter {letter.pk} (scan)" if what == "scan" else None
    _log_disclosures(officer=officer, items=[item], audit=audit, channel="web", shown=shown)
    return item


# --- Messages from case managers ------------------------------------------------------------------

MESSAGE_MAX_CHARS = 500


def message_send(
    *, referral: Referral, sender: User, text: str, idempotency_key: uuid.UUID, audit: AuditContext | None = None
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
    consents = disclosure.consents_by_participant([referral.participant_id]).get(referral.participant_id, [])
    today = timezone.localdate()
    refusal = disclosure.free_text_refusal(referral, consents, today)
    if refusal:
        raise ServiceError(refusal, status=403, code=CONSENT_REQUIRED)
    consent = disclosure.free_text_consent(referral, referral.officer, consents, today)
    try:
        with transaction.atomic():
            message = CaseManagerMessage.objects.create(
                referral=referral,
                officer_id=referral.officer_id,
                sender=sender,
                consent=consent,
                text=text,
                idempotency_key=idempotency_key,
            )
            item = FeedItem(FeedKind.MESSAGE, message.created_at, referral, text, consent.pk, consent.level, message=message)
            _log_disclosures(officer=referral.officer, items=[item], audit=audit, channel="message", actor=sender)
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
        message = CaseManagerMessage.objects.select_related("officer", "referral").get(pk=message_id)
        # Asked again when the email is due: a consent revoked or ended since the message was written
        # withholds even the news that there is one (SECURITY.md 3).
        if disclosure.free_text_consent_now(message.referral, message.officer) is None:
            CaseManagerMessage.objects.filter(pk=message_id).update(email_status=DeliveryStatus.SKIPPED, emailed_at=None)
            return False
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
    *,
    referral: Referral,
    recorded_by: User,
    permission: str,
    text: str = "",
    upload: UploadedFile | None = None,
    audit: AuditContext | None = None,
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
            program_id=referral.program_id,
            referral=referral,
            provider_id=referral.provider_id,
            permission=permission,
            original_text=text,
            scan_type=scan_type,
            recorded_by=recorded_by,
        )
        if data:
            LetterScan.objects.create(letter=letter, file_type=scan_type, size=upload.size, data=data)
        audit_log(
            action="feedback.letter.record",
            context=audit,
            actor=recorded_by,
            obj=letter,
            detail={"referral": referral.pk, "permission": permission, "scan": bool(data)},
        )
    return letter


LETTER_DECISIONS = {"approve": LetterStatus.APPROVED, "redact": LetterStatus.REDACTED, "reject": LetterStatus.REJECTED}


def _names_in(text: str, letter: ParticipantLetter) -> list[str]:
    """Names of the participant or the officer that an anonymised text still contains."""
    participant, officer = letter.referral.participant, letter.referral.officer
    names = [] if participant.is_pseudonymous else [participant.first_name, participant.last_name]
    names += [officer.first_name, officer.last_name]
    return sorted(
        {name for name in names if name and len(name) > 1 and re.search(rf"\b{re.escape(name)}\b", text, flags=re.IGNORECASE)}
    )


def letter_review(
    *,
    letter: ParticipantLetter,
    coordinator: User,
    decision: str,
    text: str = "",
    include_in_newsletter: bool = False,
    note: str = "",
    audit: AuditContext | None = None,
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
    letter.save(update_fields=["status", "published_text", "include_in_newsletter", "review_note", "reviewed_by", "reviewed_at"])
    audit_log(
        action="feedback.letter.review",
        context=audit,
        actor=coordinator,
        obj=letter,
        detail={"from": previous, "to": status, "newsletter": include_in_newsletter},
    )
    return letter


def letter_original_read(*, letter: ParticipantLetter, user: User, audit: AuditContext | None = None, what: str = "text") -> None:
    """A case manager or coordinator read a letter's original (its text or its scan): a read of participant data."""
    audit_log(action="feedback.letter.original_view", context=audit, actor=user, obj=letter, detail={"what": what})


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
                officer,
                on=timezone.localdate(),
                since=digest.period_start,
                until=digest.period_end,
                include_received=False,
                limit=None,
            )
        if not items:
            WeeklyDigest.objects.filter(pk=digest_id).update(status=DeliveryStatus.SKIPPED, sent_at=None)
            return False
        counts = Counter(item.kind for item in items)
        _log_disclosures(
            officer=officer,
            items=items,
            channel="digest",
            shown=f"counted in the weekly digest of {digest.week_start.isoformat()}",
        )
        WeeklyDigest.objects.filter(pk=digest_id).update(
            updates=counts[FeedKind.STATUS],
            messages=counts[FeedKind.MESSAGE],
            letters=counts[FeedKind.LETTER],
        )
        send_mail("Deflection: your weekly update", _digest_body(digest, counts), None, [officer.email])
    return True


def weekly_digests_send(*, now: datetime | None = None) -> int:
    """The beat job: create the due week's rows, then send every pending digest (older weeks' too). Returns emails sent."""
    weekly_digests_prepare(now=now)
    pending = WeeklyDigest.objects.filter(status=DeliveryStatus.PENDING).order_by("week_start", "id")
    return sum(digest_send(digest_id=pk) for pk in pending.values_list("id", flat=True))
