"""The one consent gate: what a user may learn of a referral, under which consent, and its disclosure record.

Every page, notice, message, letter and digest that tells anyone outside the
treatment team about a referral asks this module, and nothing else decides it
(My referrals, the outcome feed, officer notices and their unread count, case
managers' messages, the weekly digest, the evaluation sheet).

Access is denied by default (SECURITY.md 2). A consent governs a referral only if
- it is active: signed, not revoked, not past its date, its expiry event not recorded;
- it names the viewer or the agency the viewer referred for;
- the viewer is the referring officer;
- its disclosing party is the provider holding the referral (42 CFR 2.31(a)(2),
  SECURITY.md 27): a consent recorded at provider B never discloses provider A's
  episode, status or case manager's message;
- the referral was made on a record the consent was signed over, so merging two
  records never widens a consent.
Without one the officer learns only that the program received the referral. Every
display of consented information carries the 42 CFR 2.32 notice and is logged.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from deflection.models import AuditEvent
from referrals import models
from referrals.models import Consent, DisclosureLevel, OfficerNotice, Referral, ServiceKind, Status

RECEIVED_ONLY = "Received by the program"

# 42 CFR 2.32(a)(1): the notice that must accompany each disclosure.
REDISCLOSURE_NOTICE = (
    "This record which has been disclosed to you is protected by federal confidentiality rules "
    "(42 CFR part 2). These rules prohibit you from using or disclosing this record, or testimony "
    "that describes the information contained in this record, in any civil, criminal, administrative, "
    "or legislative proceedings by any Federal, State, or local authority, against the patient, unless "
    "authorized by the consent of the patient, except as provided at 42 CFR 2.12(c)(5) or as authorized "
    "by a court in accordance with 42 CFR 2.64 or 2.65. In addition, the Federal rules prohibit you from "
    "making any other use or disclosure of this record unless at least one of the following applies: "
    "(i) further use or disclosure is expressly permitted by the written consent of the individual whose "
    "information is being disclosed in this record or as otherwise permitted by 42 CFR part 2; "
    "(ii) you are a covered entity or business associate and have received the record for treatment, "
    "payment, or health care operations; or (iii) you have received the record from a covered entity "
    "or business associate as permitted by 45 CFR part 164, subparts A and E. A general authorization "
    "for the release of medical or other information is NOT sufficient to meet the required elements "
    "of written consent to further use or redisclose the record (see 42 CFR 2.31)."
)

LEVEL_RANK = {DisclosureLevel.ENGAGED_ONLY: 1, DisclosureLevel.STATUS: 2, DisclosureLevel.STATUS_AND_SERVICE: 3}

ENGAGED_STATUSES = models.ENGAGED_STATUSES  # one definition, beside the status state machine

# Officer-facing wording: never calls a re-referral or a decline a failure.
OFFICER_STATUS_LABEL = {
    Status.RECEIVED: "Received; the case manager will reach out",
    Status.CONTACT_ATTEMPTED: "The case manager is trying to reach the person",
    Status.CONTACTED: "The case manager has talked with the person",
    Status.INTAKE_SCHEDULED: "Intake scheduled",
    Status.ENGAGED: "Engaged in treatment",
    Status.RETAINED_30: "Still in treatment at 30 days",
    Status.RETAINED_90: "Still in treatment at 90 days",
    Status.DECLINED: "Not in treatment right now",
    Status.UNABLE_TO_CONTACT: "Not in treatment right now",
    Status.NOT_ELIGIBLE: "Connected with other help",
    Status.NO_CAPACITY: "Waiting for a treatment opening",
    Status.REFERRED_ELSEWHERE: "Connected with other help",
    Status.CLOSED: "The program's work on this referral is finished",
}


@dataclass(frozen=True)
class OfficerView:
    """What the referring officer sees of one referral."""

    text: str
    consent_id: int | None = None
    level: str | None = None

    @property
    def is_disclosure(self) -> bool:
        return self.consent_id is not None


# Only what the gate reads: loading consents never decrypts a signature.
CONSENT_FIELDS = (
    "id",
    "participant_id",
    "covered_records",
    "disclosing_agency_id",
    "level",
    "recipient_officer_id",
    "recipient_agency_id",
    "expires_on",
    "revoked_at",
    "ended_at",
    "created_at",
)


def consents_by_participant(participant_ids: Iterable[int]) -> dict[int, list[Consent]]:
    """Consents still in force (not revoked, not ended by their event) of these participants, in one query."""
    result: dict[int, list[Consent]] = defaultdict(list)
    ids = set(participant_ids)
    if not ids:
        return result
    for consent in Consent.objects.filter(participant_id__in=ids, revoked_at__isnull=True, ended_at__isnull=True).only(
        *CONSENT_FIELDS
    ):
        result[consent.participant_id].append(consent)
    return result


def governing_consent(referral: Referral, viewer, consents: list[Consent], on: datetime.date) -> Consent | None:
    """The most permissive consent that lets `viewer` learn about `referral` on `on`, or None.

    Only the referring officer is ever a recipient; the consent must be active, name
    the officer or the agency they referred for, be disclosed by the provider that
    holds the referral, and have been signed over the record the referral was made on.
    """
    if viewer is None or viewer.pk != referral.officer_id:
        return None
    usable = [c for c in consents if c.is_active(on) and c.names(viewer, referral.agency_id) and c.covers(referral)]
    if not usable:
        return None
    return max(usable, key=lambda c: (LEVEL_RANK[c.level], c.created_at))


def consent_now(referral: Referral, viewer, *, on: datetime.date | None = None) -> Consent | None:
    """`governing_consent` for one referral, loading its consents (one query)."""
    consents = consents_by_participant([referral.participant_id]).get(referral.participant_id, [])
    return governing_consent(referral, viewer, consents, on or timezone.localdate())


# A case manager's message or a participant's letter is free text: it can say anything about the
# person's treatment. So it needs a consent that covers at least their program status; a consent to
# "engaged in treatment: yes or no" never carries a sentence.
FREE_TEXT_MIN_LEVEL = DisclosureLevel.STATUS

NO_CONSENT_WARNING = (
    "No active consent lets this person's information reach the referring officer, so nothing can be sent. "
    "A consent must be recorded by your provider, name the officer or their agency, be signed, and not be "
    "expired or revoked."
)
ENGAGED_ONLY_WARNING = (
    "This person's consent covers only whether they engaged in treatment (yes or no), and the officer's feed "
    "already shows that. A message says more than that, so it cannot be sent."
)


def covers_free_text(consent: Consent | None) -> bool:
    return consent is not None and LEVEL_RANK[consent.level] >= LEVEL_RANK[FREE_TEXT_MIN_LEVEL]


def free_text_consent(referral: Referral, officer, consents: list[Consent], on: datetime.date) -> Consent | None:
    """The consent under which the referral's officer may read free text about it (a message, a letter), or None."""
    consent = governing_consent(referral, officer, consents, on)
    return consent if covers_free_text(consent) else None


def free_text_consent_now(referral: Referral, officer) -> Consent | None:
    consents = consents_by_participant([referral.participant_id]).get(referral.participant_id, [])
    return free_text_consent(referral, officer, consents, timezone.localdate())


def free_text_refusal(referral: Referral, consents: list[Consent], on: datetime.date) -> str | None:
    """Why the program may not send free text to the referral's officer, worded for the case manager; None if it may."""
    consent = governing_consent(referral, referral.officer, consents, on)
    if consent is None:
        return NO_CONSENT_WARNING
    if not covers_free_text(consent):
        return ENGAGED_ONLY_WARNING
    return None


def governing_consents(referrals: Iterable[Referral], viewer, on: datetime.date) -> dict[int, Consent]:
    """{referral id: governing consent} for the referrals `viewer` may learn about, in one query."""
    referrals = list(referrals)
    consents = consents_by_participant(r.participant_id for r in referrals)
    governing = {}
    for referral in referrals:
        consent = governing_consent(referral, viewer, consents.get(referral.participant_id, []), on)
        if consent is not None:
            governing[referral.pk] = consent
    return governing


def unread_notice_count(officer, on: datetime.date | None = None) -> int:
    """Unread notices the officer may still see: a revoked or ended consent takes its notices out of the count."""
    notices = list(
        OfficerNotice.objects.filter(officer=officer, read_at__isnull=True)
        .select_related("referral")
        .only(
            "id",
            "referral__id",
            "referral__officer_id",
            "referral__participant_id",
            "referral__origin_participant_id",
            "referral__agency_id",
            "referral__provider_id",
        )
    )
    governing = governing_consents({n.referral_id: n.referral for n in notices}.values(), officer, on or timezone.localdate())
    return sum(1 for n in notices if n.referral_id in governing)


def officer_view(referral: Referral, viewer, consents: list[Consent], on: datetime.date | None = None) -> OfficerView:
    """Only the referring officer ever gets more than "received", and only as far as a consent allows."""
    consent = governing_consent(referral, viewer, consents, on or timezone.localdate())
    if consent is None:
        return OfficerView(RECEIVED_ONLY)
    engaged = referral.status in ENGAGED_STATUSES or referral.engaged_at is not None
    text = status_text(consent.level, referral.status, engaged=engaged, service_kind=referral.engaged_service_kind)
    return OfficerView(text, consent_id=consent.pk, level=consent.level)


def status_text(level: str, status: str, *, engaged: bool, service_kind: str = "") -> str:
    """The words a consent at `level` lets the officer read about one status.

    Shared by `officer_view` (a referral's current status) and the outcome feed
    (each step of its history), so both say exactly as much as the consent allows.
    """
    if level == DisclosureLevel.ENGAGED_ONLY:
        return "Engaged in treatment: yes" if engaged else "Engaged in treatment: not yet"
    text = OFFICER_STATUS_LABEL[Status(status)]
    if level == DisclosureLevel.STATUS_AND_SERVICE and service_kind:
        text = f"{text} ({ServiceKind(service_kind).label})"
    return text


def disclosure_records(*, referrals_and_views: list[tuple[Referral, OfficerView]], viewer, ip_address, channel: str, actor=None):
    """Unsaved audit rows, one per disclosure; the caller bulk-inserts them (SECURITY.md 5).

    `viewer` is the recipient. `actor` is who disclosed, when that is not the
    recipient reading it (a case manager sending a message); it defaults to the viewer.
    """
    now = timezone.now()
    actor = actor or viewer
    return [
        AuditEvent(
            at=now,
            actor=actor,
            actor_username=actor.get_username(),
            action="disclosure",
            object_type="referrals.participant",
            object_id=str(referral.participant_id),
            ip_address=ip_address,
            detail={
                "recipient_user": viewer.pk,
                "referral": referral.pk,
                "consent": view.consent_id,
                "level": view.level,
                "shown": view.text,
                "channel": channel,
            },
        )
        for referral, view in referrals_and_views
        if view.is_disclosure
    ]


def seen_by_their_officer() -> Exists:
    """The referral's officer may have seen what became of it: the participant has a consent, of any
    date and state, that names the officer or the referral's agency.

    Wider than the gate above on purpose: a consent since revoked or expired was seen while it was
    active, and what an officer once saw they still know. The reports and the officer's outcome summary
    use it to keep an officer's own totals from giving away the part the officer could not see
    (reports/README.md rule 5, decided by deflection.suppression.unseen_part_publishable).
    """
    return Exists(
        Consent.objects.filter(participant_id=OuterRef("participant_id")).filter(
            Q(recipient_officer_id=OuterRef("officer_id")) | Q(recipient_agency_id=OuterRef("agency_id"))
        )
    )
