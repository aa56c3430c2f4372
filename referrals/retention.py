"""Retention: participant data past the program's retention period is de-identified (SECURITY.md 32).

Each program keeps a person's identity and narrative for `RetentionPolicy.years` (6 by
default) after their last activity: the record's creation, a referral, or a status
step. Past that, the nightly job blanks identity fields and free text, drops the
match keys and pending proposals, and stamps `deidentified_at`. Referrals, statuses
and dates stay (the frozen monthly figures and the audit trail are never touched),
so counts do not change. A coordinator's legal hold keeps a record as it is.
The job is idempotent: a de-identified record is never selected again.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import Max
from django.db.models.functions import Greatest
from django.utils import timezone

from deflection.access import coordinates
from deflection.audit import AuditContext, audit_log
from deflection.errors import ServiceError
from deflection.models import Program, User
from referrals.models import (
    DEFAULT_RETENTION_YEARS,
    Consent,
    FollowUpTask,
    Participant,
    ParticipantMatchKey,
    ParticipantUpdateProposal,
    Referral,
    RetentionPolicy,
    StatusChange,
)


def retention_years(program: Program) -> int:
    policy = RetentionPolicy.objects.filter(program=program).first()
    return policy.years if policy else DEFAULT_RETENTION_YEARS


def participants_past_retention(program: Program, now: datetime.datetime) -> list[int]:
    """Ids of the program's records whose last activity is older than its retention period, not on hold."""
    cutoff = (
        now.replace(year=now.year - retention_years(program))
        if not (now.month == 2 and now.day == 29)
        else (now.replace(day=28, year=now.year - retention_years(program)))
    )
    return list(
        Participant.objects.filter(program=program, deidentified_at__isnull=True, legal_hold=False)
        .annotate(
            last=Greatest(
                "created_at",
                Max("referrals__created_at"),
                Max("referrals__status_changed_at"),
            )
        )
        .filter(last__lt=cutoff)
        .values_list("pk", flat=True)
    )


def retention_apply(*, program: Program, now: datetime.datetime | None = None) -> int:
    """De-identify the program's records past retention; one audit record per run. Returns how many."""
    now = now or timezone.now()
    ids = participants_past_retention(program, now)
    with transaction.atomic():
        # Claim first: only records still not de-identified are counted, so a concurrent run skips them.
        claimed = list(
            Participant.objects.select_for_update(skip_locked=True)
            .filter(pk__in=ids, deidentified_at__isnull=True, legal_hold=False)
            .values_list("pk", flat=True)
        )
        if claimed:
            Participant.objects.filter(pk__in=claimed).update(
                first_name="",
                last_name="",
                date_of_birth=None,
                phone="",
                address="",
                description="",
                is_pseudonymous=True,
                deidentified_at=now,
            )
            ParticipantMatchKey.objects.filter(participant_id__in=claimed).delete()
            ParticipantUpdateProposal.objects.filter(participant_id__in=claimed).delete()
            referrals = Referral.objects.filter(participant_id__in=claimed)
            referrals.update(location="", note="", next_step="")
            StatusChange.objects.filter(referral__in=referrals).update(note="", next_step="")
            FollowUpTask.objects.filter(referral__in=referrals).update(title="")
            Consent.objects.filter(participant_id__in=claimed).update(signature_name="", signature_drawing="", expiry_event="")
        audit_log(
            action="retention.apply",
            object_type="deflection.program",
            object_id=program.pk,
            detail={"deidentified": len(claimed), "years": retention_years(program), "at": now.isoformat()},
        )
    return len(claimed)


def participant_legal_hold_set(*, participant: Participant, by: User, hold: bool, audit: AuditContext | None = None) -> None:
    """A coordinator of the participant's program puts the record on legal hold, or lifts it; audited."""
    if not coordinates(by, participant.program_id):
        raise ServiceError("Only the program's coordinators set a legal hold.", status=403, code="not_coordinator")
    with transaction.atomic():
        Participant.objects.filter(pk=participant.pk).update(legal_hold=hold)
        audit_log(
            action="participant.legal_hold" if hold else "participant.legal_hold_lifted",
            context=audit,
            actor=by,
            obj=participant,
        )
