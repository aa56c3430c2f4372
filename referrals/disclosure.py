"""What a referring officer may learn about a referral, and the record of each disclosure.

Access is denied by default (SECURITY.md 2): without an active, unexpired,
unrevoked consent that names the officer or the officer's agency, the officer
learns only that the program received the referral. Every display of consented
information is a disclosure: it carries the 42 CFR 2.32 notice and is logged.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone

from deflection.models import AuditEvent
from referrals import models
from referrals.models import Consent, DisclosureLevel, Referral, ServiceKind, Status

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


def governing_consent(referral: Referral, viewer, consents: list[Consent], on: datetime.date) -> Consent | None:
    """The most permissive active consent of the participant that names the viewer or the referral's agency."""
    usable = [c for c in consents if c.is_active(on) and c.names(viewer, referral.agency_id)]
    if not usable:
        return None
    return max(usable, key=lambda c: (LEVEL_RANK[c.level], c.created_at))


def officer_view(referral: Referral, viewer, consents: list[Consent], on: datetime.date | None = None) -> OfficerView:
    """Only the referring officer ever gets more than "received", and only as far as a consent allows."""
    if viewer.pk != referral.officer_id:
        return OfficerView(RECEIVED_ONLY)
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
