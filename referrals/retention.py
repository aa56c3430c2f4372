"""Retention: participant data past the program's retention period is de-identified (SECURITY.md 32).

Each program keeps a person's identity and narrative for `RetentionPolicy.years` (6 by
default) after their last activity: the record's creation, a referral, or a status
step. Past that, the nightly job blanks identity fields and free text, drops the
match keys and pending proposals, and stamps `deidentified_at`. Referrals, statuses
and dates stay (the frozen monthly figures and the audit trail are never touched),
so counts do not change. A coordinator's legal hold keeps a record as it is: set and lifted on
/programs/<id>/retention/ by referral reference, each with a reason kept encrypted on a LegalHold
row (the audit record names the record, never the reason); the same page sets the period.
The job is idempotent: a de-identified record is never selected again.

A workflow sub-package that keeps its own data about a person (the overdose outreach app: where the
overdose happened, outreach notes) registers a `RetentionPart` from its AppConfig.ready(): its dates
count as activity, and its narrative is blanked in the same transaction as the record's
(sub-packages import referrals, never the other way round).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max
from django.db.models.functions import Greatest
from django.utils import timezone

from deflection.access import coordinates
from deflection.audit import AuditContext, audit_log
from deflection.errors import ServiceError
from deflection.models import Program, User
from deflection.params import parse_id
from referrals.models import (
    DEFAULT_RETENTION_YEARS,
    Consent,
    FollowUpTask,
    LegalHold,
    Participant,
    ParticipantMatchKey,
    ParticipantUpdateProposal,
    Referral,
    RetentionPolicy,
    StatusChange,
)


@dataclass(frozen=True)
class RetentionPart:
    """A workflow's share of a person's data, registered by the workflow's app.

    `last_activity`: Participant lookups (e.g. "overdoses__occurred_at") whose latest date counts as the
    person's activity. `deidentify(participant_ids)`: blanks that workflow's identifying narrative of
    those records, inside the job's transaction.
    """

    name: str
    last_activity: tuple[str, ...]
    deidentify: Callable[[list[int]], None]


PARTS: dict[str, RetentionPart] = {}


def register_part(part: RetentionPart) -> None:
    """Called from a workflow app's ready(); registering the same name again replaces it."""
    PARTS[part.name] = part


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
                *(Max(lookup) for part in PARTS.values() for lookup in part.last_activity),
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
            Consent.objects.filter(participant_id__in=claimed).update(
                information_description="",
                signature_name="",
                signature_drawing="",
                expiry_event="",
                deidentified_at=now,
            )
            for part in PARTS.values():
                part.deidentify(claimed)
        audit_log(
            action="retention.apply",
            object_type="deflection.program",
            object_id=program.pk,
            detail={"deidentified": len(claimed), "years": retention_years(program), "at": now.isoformat()},
        )
    return len(claimed)


LEGAL_HOLD_REASON_MAX_CHARS = 500


def participant_legal_hold_set(
    *, participant: Participant, by: User, hold: bool, reason: str, audit: AuditContext | None = None
) -> LegalHold:
    """A coordinator of the participant's program puts the record on legal hold, or lifts it, with a reason; audited.

    The reason is kept (encrypted) on the LegalHold row and never in the audit record, which names
    the record and the hold only.
    """
    if not coordinates(by, participant.program_id):
        raise ServiceError("Only the program's coordinators set a legal hold.", status=403, code="not_coordinator")
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("Give the reason (for example the case or the request that needs the record kept).")
    if len(reason) > LEGAL_HOLD_REASON_MAX_CHARS:
        raise ServiceError(f"Keep the reason under {LEGAL_HOLD_REASON_MAX_CHARS} characters.")
    with transaction.atomic():
        # Lock the record, so two coordinators setting (or lifting) at once make one hold.
        locked = Participant.objects.select_for_update().get(pk=participant.pk)
        in_force = LegalHold.objects.filter(participant=locked, lifted_at=None).first()
        if hold:
            if in_force is not None:
                raise ServiceError("This record is already on legal hold.", status=409, code="already_held")
            if locked.deidentified_at is not None:
                raise ServiceError("This record was already de-identified under the retention period.", status=409)
            record = LegalHold.objects.create(participant=locked, reason=reason, set_by=by)
        else:
            if in_force is None:
                raise ServiceError("This record is not on legal hold.", status=409, code="not_held")
            in_force.lifted_by, in_force.lifted_at, in_force.lift_reason = by, timezone.now(), reason
            in_force.save(update_fields=["lifted_by", "lifted_at", "lift_reason"])
            record = in_force
        Participant.objects.filter(pk=locked.pk).update(legal_hold=hold)
        audit_log(
            action="participant.legal_hold" if hold else "participant.legal_hold_lifted",
            context=audit,
            actor=by,
            obj=locked,
            detail={"hold": record.pk},
        )
    participant.legal_hold = hold
    return record


def retention_policy_set(*, program: Program, by: User, years: int, audit: AuditContext | None = None) -> RetentionPolicy:
    """A coordinator sets how many years after the last activity the program keeps a record; audited."""
    if not coordinates(by, program):
        raise ServiceError("Only the program's coordinators set the retention period.", status=403, code="not_coordinator")
    if not MIN_RETENTION_YEARS <= years <= MAX_RETENTION_YEARS:
        raise ServiceError(f"Choose between {MIN_RETENTION_YEARS} and {MAX_RETENTION_YEARS} years.")
    with transaction.atomic():
        before = retention_years(program)
        policy, _ = RetentionPolicy.objects.update_or_create(program=program, defaults={"years": years})
        audit_log(action="retention.policy", context=audit, actor=by, obj=program, detail={"from": before, "to": years})
    return policy


# 42 CFR 2.16 asks for a policy, not a length; the floor keeps a slip of the finger from erasing live
# cases (1 year), the ceiling is the longest records schedule the program's partners cited (25 years).
MIN_RETENTION_YEARS = 1
MAX_RETENTION_YEARS = 25


def held_records(program: Program) -> list[LegalHold]:
    """The program's holds in force, oldest first, each with the references of the record's referrals."""
    holds = list(
        LegalHold.objects.filter(participant__program=program, lifted_at=None)
        .select_related("set_by")
        .prefetch_related("participant__referrals")
        .order_by("set_at", "pk")
    )
    for hold in holds:
        hold.references = sorted(referral.reference for referral in hold.participant.referrals.all())
    return holds


def participant_by_reference(program: Program, reference: str) -> Participant | None:
    """The record a referral reference ("R-000123" or "123") of the program belongs to, or None."""
    referral_id = parse_id((reference or "").strip().upper().removeprefix("R-").lstrip("0"))
    if referral_id is None:
        return None
    referral = Referral.objects.filter(program=program, pk=referral_id).select_related("participant").first()
    return referral.participant if referral is not None else None


def held_participant(program: Program, hold_id: int | None) -> Participant | None:
    """The record under the program's hold in force `hold_id`, or None."""
    if hold_id is None:
        return None
    hold = LegalHold.objects.filter(pk=hold_id, participant__program=program, lifted_at=None).select_related("participant")
    found = hold.first()
    return found.participant if found is not None else None
