"""Post-overdose outreach workflows: record an overdose, open outreach cases, attempts, outcomes.

Keyword-only services; each write and its audit row share a transaction. Naloxone kits are in
naloxone.py, the EMS/dispatch import in imports.py, and the case's 24-72-hour clock in clock.py
(escalated by referrals.clocks' engine, like every clock).
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from deflection.audit import AuditContext, audit_log
from deflection.errors import ServiceError
from deflection.models import Pathway, Program, User
from deflection.roles import POLICE_ROLES
from referrals.models import Handoff, Participant
from referrals.overdose.models import (
    FAMILY_FOLLOW_UP_FROM,
    FAMILY_FOLLOW_UP_UNTIL,
    AttemptResult,
    CaseStatus,
    Channel,
    FamilyFollowUp,
    OutreachAttempt,
    OutreachCase,
    OutreachSettings,
    Overdose,
    OverdoseSource,
    Reached,
)
from referrals.services import ReferralData, participant_find_or_create, referral_submit

# ServiceError.code when the case was already closed (a second tap, another team member).
CASE_CLOSED = "case_closed"


@dataclass(frozen=True)
class OverdoseData:
    """The four required facts, and the person if known (all validated by the form or the import)."""

    occurred_at: datetime.datetime
    place: str
    fatal: bool
    naloxone_doses: int  # 0: no naloxone given
    first_name: str = ""
    last_name: str = ""
    date_of_birth: datetime.date | None = None
    phone: str = ""
    address: str = ""
    external_ref: str = ""

    @property
    def identifies_someone(self) -> bool:
        """Enough to reach the person: a full name, or a phone number."""
        return bool((self.first_name and self.last_name) or self.phone)


def _participant_for(*, program: Program, data: OverdoseData, by: User) -> Participant | None:
    if not data.identifies_someone:
        return None
    # The referral rules for the person: an exact blind-index match (name and date of birth) is the
    # same person again; anything less makes a new record that case managers may merge later.
    person = ReferralData(
        pathway=Pathway.NALOXONE_PLUS,
        handoff=Handoff.FOLLOW_UP,
        idempotency_key=uuid.uuid4(),
        form_opened_at=timezone.now(),
        eligibility_answers={},
        first_name=data.first_name,
        last_name=data.last_name,
        date_of_birth=data.date_of_birth,
        phone=data.phone,
    )
    participant, created = participant_find_or_create(program=program, data=person, created_by=by)
    if created and data.address:
        Participant.objects.filter(pk=participant.pk).update(address=data.address)
    return participant


def _recorder_agency_id(user: User, program: Program) -> int | None:
    agency_ids = program.agency_ids()
    return next((m.agency_id for m in user.active_memberships() if m.agency_id in agency_ids), None)


def overdose_record(
    *,
    program: Program,
    data: OverdoseData,
    recorded_by: User,
    form_opened_at: datetime.datetime | None = None,
    source: str = OverdoseSource.FIELD,
    outreach_settings: OutreachSettings | None = None,
    audit: AuditContext | None = None,
) -> Overdose:
    """Record one overdose; open its outreach case (non-fatal, identified survivor) or family task (fatal)."""
    now = timezone.now()
    if data.occurred_at > now + datetime.timedelta(minutes=5):
        raise ServiceError("The time of the overdose is in the future.")
    outreach_settings = outreach_settings or OutreachSettings.for_program(program)
    with transaction.atomic():
        participant = _participant_for(program=program, data=data, by=recorded_by)
        overdose = Overdose.objects.create(
            program=program,
            occurred_at=data.occurred_at,
            place=data.place,
            fatal=data.fatal,
            naloxone_given=data.naloxone_doses > 0,
            naloxone_doses=data.naloxone_doses,
            participant=participant,
            source=source,
            external_ref=data.external_ref,
            recorded_by=recorded_by,
            agency_id=_recorder_agency_id(recorded_by, program),
            created_at=now,
            completion_seconds=max(0, int((now - form_opened_at).total_seconds())) if form_opened_at else None,
        )
        if data.fatal:
            FamilyFollowUp.objects.create(
                overdose=overdose,
                program=program,
                due_from=data.occurred_at + FAMILY_FOLLOW_UP_FROM,
                due_until=data.occurred_at + FAMILY_FOLLOW_UP_UNTIL,
            )
        elif participant is not None:
            OutreachCase.objects.create(
                overdose=overdose,
                program=program,
                participant=participant,
                opened_at=now,
                # The clock runs from the overdose, not from when it was typed in or imported.
                due_at=data.occurred_at + datetime.timedelta(hours=outreach_settings.clock_hours),
            )
        audit_log(action="overdose.record", context=audit, actor=recorded_by, obj=overdose, detail={"source": source})
    return overdose


# --- attempts and outcomes -------------------------------------------------------------


def _referring_officer(*, case: OutreachCase, by: User, program: Program) -> User:
    """The referral's officer: the team member recording the engagement if police, else who logged the overdose.

    A referral is an officer's (its feed and consent gate are built on that); the team's clinician
    or peer records engagements on the officer's referral.
    """
    agency_ids = program.agency_ids()
    for candidate in (by, case.overdose.recorded_by):
        if any(m.agency_id in agency_ids and m.role in POLICE_ROLES for m in candidate.active_memberships()):
            return candidate
    raise ServiceError(
        "An officer of the team must record this engagement: the referral is made in an officer's name.",
        status=409,
        code="no_officer",
    )


@dataclass(frozen=True)
class AttemptData:
    channel: str
    reached: str
    result: str
    note: str = ""
    eligibility_answers: dict[int, bool] | None = None


def _check_field_rules(case: OutreachCase, data: AttemptData, prior_channels: set[str]) -> None:
    # PRONTO: phone or text first to ask consent; a visit only after that (or when there is no number).
    if data.channel == Channel.VISIT and not (prior_channels & {Channel.PHONE, Channel.TEXT}) and case.participant.phone:
        raise ServiceError("Phone or text first to ask for consent; visit only after that.", code="phone_first")
    if data.result in (AttemptResult.ENGAGED, AttemptResult.DECLINED) and data.reached != Reached.SURVIVOR:
        raise ServiceError("Only the survivor can agree to treatment or decline it.", code="survivor_only")
    if data.reached == Reached.NOBODY and data.result not in (AttemptResult.NO_ANSWER, AttemptResult.MESSAGE):
        raise ServiceError("Nobody was reached: the result is no answer or a message left.", code="nobody_reached")


def outreach_attempt_record(
    *, case: OutreachCase, by: User, data: AttemptData, audit: AuditContext | None = None
) -> OutreachAttempt:
    """Record one attempt and apply its outcome: engaged becomes a referral, declined or N misses closes the case."""
    now = timezone.now()
    with transaction.atomic():
        case = OutreachCase.objects.select_for_update().select_related("program", "participant", "overdose").get(pk=case.pk)
        if not case.is_open:
            raise ServiceError("This case is already closed.", status=409, code=CASE_CLOSED)
        prior = list(case.attempts.values_list("channel", "reached"))
        _check_field_rules(case, data, {channel for channel, _ in prior})
        attempt = OutreachAttempt.objects.create(
            case=case, at=now, by=by, channel=data.channel, reached=data.reached, result=data.result, note=data.note
        )
        fields = []
        if case.first_attempt_at is None:
            case.first_attempt_at = now
            fields.append("first_attempt_at")
        if data.reached == Reached.SURVIVOR and case.reached_at is None:
            case.reached_at = now
            fields.append("reached_at")
        program = case.program
        if data.result == AttemptResult.ENGAGED:
            case.referral = _refer(case=case, by=by, program=program, data=data, audit=audit)
            case.status, case.closed_at = CaseStatus.ENGAGED, now
            fields += ["referral", "status", "closed_at"]
        elif data.result == AttemptResult.DECLINED:
            case.status, case.closed_at = CaseStatus.DECLINED, now
            fields += ["status", "closed_at"]
        else:
            missed = sum(1 for _, reached in prior if reached != Reached.SURVIVOR) + (data.reached != Reached.SURVIVOR)
            limit = OutreachSettings.for_program(program).max_attempts
            if case.reached_at is None and missed >= limit:
                case.status, case.closed_at = CaseStatus.NOT_REACHED, now
                fields += ["status", "closed_at"]
        if fields:
            case.save(update_fields=fields)
        audit_log(
            action="outreach.attempt",
            context=audit,
            actor=by,
            obj=case,
            detail={"attempt": attempt.pk, "channel": data.channel, "result": data.result},
        )
    return attempt


def _refer(*, case: OutreachCase, by: User, program: Program, data: AttemptData, audit: AuditContext | None):
    if program.case_management_agency_id is None:
        raise ServiceError("The program names no case-management agency to receive the referral.", status=409)
    officer = _referring_officer(case=case, by=by, program=program)
    person = case.participant
    referral, _ = referral_submit(
        officer=officer,
        program=program,
        participant=person,
        data=ReferralData(
            pathway=Pathway.NALOXONE_PLUS,
            handoff=Handoff.FOLLOW_UP,
            # One referral per case, however often the engagement is submitted.
            idempotency_key=uuid.uuid5(uuid.NAMESPACE_URL, f"deflection:outreach-case:{case.pk}"),
            form_opened_at=case.opened_at,
            eligibility_answers=data.eligibility_answers or {},
            first_name=person.first_name,
            last_name=person.last_name,
            date_of_birth=person.date_of_birth,
            phone=person.phone,
        ),
        audit=audit,
    )
    audit_log(action="outreach.referred", context=audit, actor=by, obj=case, detail={"referral": referral.pk})
    return referral


def family_follow_up_done(*, task: FamilyFollowUp, by: User, note: str, audit: AuditContext | None = None) -> bool:
    """Mark the grief-support offer made; a second tap changes nothing."""
    with transaction.atomic():
        done = FamilyFollowUp.objects.filter(pk=task.pk, done_at__isnull=True).update(done_at=timezone.now(), done_by=by)
        if done:
            if note:
                task.note = note
                task.save(update_fields=["note"])
            audit_log(action="overdose.family_follow_up", context=audit, actor=by, obj=task)
    return bool(done)


def outreach_settings_save(*, settings_row: OutreachSettings, by: User, audit: AuditContext | None = None) -> None:
    settings_row.save()
    audit_log(action="outreach.settings", context=audit, actor=by, obj=settings_row.program)
