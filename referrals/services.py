"""Referral workflows: submit, status changes, consent, merges, capacity, tasks.

Every write goes through here so that the audit record, the officer notice and
the outbox row are written in the same transaction as the change.

Longer than 500 lines because these workflows share one transaction shape (change, audit, notice,
outbox) and one referral aggregate; separate concerns already live elsewhere (breakglass.py,
retention.py, assignment.py, matching.py, clocks/ and the workflow sub-packages).
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from deflection.audit import AuditContext, audit_log
from deflection.errors import ServiceError
from deflection.models import AuditEvent, Membership, Program, User
from deflection.outbox import enqueue
from deflection.roles import POLICE_ROLES
from referrals import disclosure
from referrals.access import case_manager_agency_ids
from referrals.assignment import case_manager_for_new_referral
from referrals.matching import exact_key, match_keys
from referrals.models import (
    CapacityState,
    Consent,
    CriterionKind,
    EligibilityCriterion,
    FollowUpTask,
    Handoff,
    MatchKeyKind,
    OfficerNotice,
    Outcome,
    Participant,
    ParticipantMatchKey,
    ParticipantUpdateProposal,
    ProposalDecision,
    ProviderService,
    Referral,
    Status,
    StatusChange,
)

# ServiceError.code of a referral that a hard eligibility criterion refuses; `detail` holds the
# failed criteria, so that the form can say why and what else to do.
INELIGIBLE = "ineligible"


# ServiceError.code when the same officer referred the same person (blind index) a few minutes
# ago; `detail` holds that earlier referral, and the officer decides (open it, or send as new).
POSSIBLE_REPEAT = "possible_repeat"


# A second referral of the same person by the same officer within this window is most likely
# the same encounter sent twice (Back and Send with an edit, a second device): the officer decides.
REPEAT_WINDOW = datetime.timedelta(minutes=15)


@dataclass(frozen=True)
class ReferralData:
    """What the officer's form collected, already validated."""

    pathway: str
    handoff: str
    idempotency_key: uuid.UUID
    form_opened_at: datetime.datetime
    eligibility_answers: dict[int, bool]
    first_name: str = ""
    last_name: str = ""
    date_of_birth: datetime.date | None = None
    description: str = ""
    phone: str = ""
    service: ProviderService | None = None
    circumstances: tuple[str, ...] = ()
    location: str = ""
    note: str = ""
    # The officer saw the "you referred this person at ..." prompt and chose to send anyway.
    send_as_new: bool = False

    @property
    def is_pseudonymous(self) -> bool:
        return not (self.first_name and self.last_name and self.date_of_birth)


# ServiceError.code of a warm hand-off to a provider that does not take them or is full; `detail`
# holds the alternatives (warm providers of the program with room), so the officer can choose again.
WARM_HANDOFF_UNAVAILABLE = "warm_handoff_unavailable"


def warm_handoff_alternatives(program: Program, *, exclude: ProviderService | None = None) -> list[ProviderService]:
    """The program's providers that take warm hand-offs and are not full: open slots first, most room first."""
    services = (
        ProviderService.objects.filter(agency__in=program.partners.all(), is_active=True, accepts_warm_handoffs=True)
        .exclude(capacity_state=CapacityState.FULL)
        .select_related("agency")
        .order_by(F("open_slots").desc(nulls_last=True), "name")
    )
    if exclude is not None:
        services = services.exclude(pk=exclude.pk)
    return list(services)


def warm_handoff_check(program: Program, service: ProviderService | None) -> None:
    """Refuse a warm hand-off to nobody, to a provider that does not take them, or to a full one (issue 12)."""
    if service is None:
        raise ServiceError("Choose the provider the person is handed to.", status=400, code=WARM_HANDOFF_UNAVAILABLE)
    refusal = service.warm_handoff_refusal()
    if refusal:
        alternatives = warm_handoff_alternatives(program, exclude=service)
        suggestion = (
            " Providers that take warm hand-offs now: " + "; ".join(f"{a.name}, {a.phone}" for a in alternatives[:3]) + "."
            if alternatives
            else " No provider in the directory takes a warm hand-off right now: choose case manager follow-up."
        )
        raise ServiceError(refusal + suggestion, status=409, code=WARM_HANDOFF_UNAVAILABLE, detail=alternatives)


def officer_membership(officer: User, program: Program, agency_ids: set[int] | frozenset[int] | None = None) -> Membership:
    """The officer's membership in one of the program's agencies (their agency on the referral)."""
    if agency_ids is None:
        agency_ids = program.agency_ids()
    for membership in officer.active_memberships():
        if membership.agency_id in agency_ids and membership.role in POLICE_ROLES:
            return membership
    raise PermissionError("The officer is not a member of a police agency in this program.")


def _receiving_agency(program: Program, data: ReferralData):
    if data.service is not None:
        return data.service.agency
    if program.case_management_agency_id is None:
        raise ValueError("This program has no case-management agency; choose a destination provider.")
    return program.case_management_agency


def _check_eligibility(criteria: list[EligibilityCriterion], answers: dict[int, bool]) -> tuple[list[EligibilityCriterion], bool]:
    failures, justice = [], False
    for criterion in criteria:
        answer = answers.get(criterion.pk)
        if criterion.kind == CriterionKind.HARD and answer is not criterion.required_answer:
            failures.append(criterion)
        elif criterion.kind == CriterionKind.INCLUSIVE and answer:
            justice = True
    return failures, justice


def participant_find_or_create(*, program: Program, data: ReferralData, created_by: User) -> tuple[Participant, bool]:
    """Re-use the participant whose exact key matches (a re-referral); otherwise create one with its keys.

    Returns (participant, created). A re-referral changes nothing on the existing record.
    """
    if not data.is_pseudonymous:
        digest = exact_key(data.first_name, data.last_name, data.date_of_birth)
        existing = (
            Participant.objects.filter(
                program=program,
                merged_into__isnull=True,
                match_keys__kind=MatchKeyKind.EXACT,
                match_keys__digest=digest,
            )
            .only("pk", "phone")  # the referral needs its id; the phone is compared, never overwritten
            .order_by("pk")
            .first()
        )
        if existing is not None:
            return existing, False
    participant = Participant.objects.create(
        program=program,
        first_name=data.first_name,
        last_name=data.last_name,
        date_of_birth=data.date_of_birth,
        phone=data.phone,
        description=data.description,
        is_pseudonymous=data.is_pseudonymous,
        created_by=created_by,
    )
    if not data.is_pseudonymous:
        ParticipantMatchKey.objects.bulk_create(
            ParticipantMatchKey(participant=participant, kind=kind, digest=digest)
            for kind, digest in match_keys(data.first_name, data.last_name, data.date_of_birth)
        )
    return participant, True


def _propose_contact_update(*, referral: Referral, participant: Participant, data: ReferralData, officer: User) -> None:
    """A re-referral never changes the recorded details: a new phone waits for the case manager (SECURITY.md 28)."""
    if data.phone and data.phone != participant.phone:
        ParticipantUpdateProposal.objects.create(
            participant=participant, referral=referral, phone=data.phone, proposed_by=officer
        )


def referral_submit(
    *,
    officer: User,
    program: Program,
    data: ReferralData,
    criteria: list[EligibilityCriterion] | None = None,
    agency_ids: set[int] | frozenset[int] | None = None,
    check_repeat: bool = False,
    participant: Participant | None = None,
    audit: AuditContext | None = None,
) -> tuple[Referral, bool]:
    """Record a referral once per idempotency key. Returns (referral, created).

    `participant`: a workflow that already knows the person (post-overdose outreach) refers that same
    record, so its episodes stay together even when the person gave no date of birth.

    `criteria` (the program's active checklist items) and `agency_ids` (its agencies) save their
    queries when the caller already has them (referrals.setup).
    A repeated key is caught by the unique constraint, not by a look-up first: the common
    case (a new referral) then costs no extra query.
    """
    if criteria is None:
        criteria = list(program.criteria.filter(is_active=True))
    failures, justice = _check_eligibility(criteria, data.eligibility_answers)
    if failures:
        raise ServiceError("; ".join(c.question for c in failures), status=422, code=INELIGIBLE, detail=failures)
    if data.handoff == Handoff.WARM:
        warm_handoff_check(program, data.service)
    membership = officer_membership(officer, program, agency_ids)
    now = timezone.now()
    if check_repeat and not data.send_as_new and not data.is_pseudonymous:
        earlier = recent_referral_of_same_person(officer=officer, program=program, data=data, now=now)
        if earlier is not None:
            raise ServiceError("You referred this person a few minutes ago.", status=409, code=POSSIBLE_REPEAT, detail=earlier)
    try:
        with transaction.atomic():
            if participant is None:
                participant, new_record = participant_find_or_create(program=program, data=data, created_by=officer)
            else:
                new_record = True  # the workflow's own record: nothing to propose against it
            provider = _receiving_agency(program, data)
            referral = Referral.objects.create(
                program=program,
                participant=participant,
                officer=officer,
                agency_id=membership.agency_id,
                provider=provider,
                # issue 12: every open referral has an owner from the moment it arrives
                assigned_to_id=case_manager_for_new_referral(program=program, provider_id=provider.pk, at=now),
                service=data.service,
                pathway=data.pathway,
                handoff=data.handoff,
                circumstances=list(data.circumstances),
                eligibility_answers={str(k): v for k, v in data.eligibility_answers.items()},
                needs_justice_coordination=justice,
                location=data.location,
                note=data.note,
                idempotency_key=data.idempotency_key,
                form_opened_at=min(data.form_opened_at, now),
                created_at=now,
                completion_seconds=max(0, int((now - data.form_opened_at).total_seconds())),
                status=Status.RECEIVED,
                status_changed_at=now,
            )
            StatusChange.objects.create(referral=referral, status=Status.RECEIVED, at=now, by=officer)
            audit_log(action="referral.create", context=audit, actor=officer, obj=referral)
            if not new_record:
                _propose_contact_update(referral=referral, participant=participant, data=data, officer=officer)
    except IntegrityError:
        # A concurrent submit with the same key won the race: return its referral.
        existing = Referral.objects.filter(officer=officer, idempotency_key=data.idempotency_key).first()
        if existing is None:
            raise
        return existing, False
    return referral, True


def recent_referral_of_same_person(*, officer: User, program: Program, data: ReferralData, now: datetime.datetime):
    """This officer's referral of the same person (exact blind index) in the last 15 minutes, if any.

    A retry with the same idempotency key is not a repeat: it returns the referral it made.
    """
    digest = exact_key(data.first_name, data.last_name, data.date_of_birth)
    return (
        Referral.objects.filter(
            officer=officer,
            program=program,
            created_at__gte=now - REPEAT_WINDOW,
            participant__match_keys__kind=MatchKeyKind.EXACT,
            participant__match_keys__digest=digest,
        )
        .exclude(idempotency_key=data.idempotency_key)
        .select_related("participant")
        .order_by("-created_at")
        .first()
    )


def referral_acknowledge(*, referral: Referral, by: User, audit: AuditContext | None = None) -> None:
    """The program has seen the referral (measured against the 30-minute acknowledgement goal)."""
    updated = Referral.objects.filter(pk=referral.pk, acknowledged_at__isnull=True).update(acknowledged_at=timezone.now())
    if updated:
        audit_log(action="referral.acknowledge", context=audit, actor=by, obj=referral)
        referral.refresh_from_db(fields=["acknowledged_at"])


def referral_set_status(
    *,
    referral: Referral,
    by: User,
    status: str,
    note: str = "",
    next_step: str = "",
    next_step_owner: User | None = None,
    next_step_due: datetime.datetime | None = None,
    service_kind: str = "",
    correction: bool = False,
    at: datetime.datetime | None = None,
    audit: AuditContext | None = None,
) -> StatusChange:
    """Move a referral to a new status with its next step; tell the referring officer if consent allows.

    Which status may follow which, and the timestamps that follow from it, are Referral.move_to's
    rule; it raises TransitionNotAllowed for a move it refuses.
    """
    at = at or timezone.now()
    with transaction.atomic():
        referral = Referral.objects.select_for_update().select_related("program").get(pk=referral.pk)
        before = _officer_text(referral)
        change, fields = referral.move_to(status, at=at, by=by, note=note, correction=correction, service_kind=service_kind)
        fields += referral.set_next_step(next_step, next_step_owner, next_step_due)
        change.next_step, change.next_step_owner, change.next_step_due = next_step, next_step_owner, next_step_due
        change.save()
        referral.save(update_fields=fields)
        audit_log(
            action="referral.correct" if correction else "referral.status",
            context=audit,
            actor=by,
            obj=referral,
            detail={"status": status},
        )
        after = _officer_text(referral)
        if after.is_disclosure and after.text != before.text:
            notice = OfficerNotice.objects.create(officer=referral.officer, referral=referral)
            enqueue("referrals.tasks.email_officer_notice", notice_id=notice.pk)
    return change


def referral_set_next_step(
    *,
    referral: Referral,
    by: User,
    next_step: str,
    next_step_owner: User | None,
    next_step_due: datetime.datetime | None,
    audit: AuditContext | None = None,
) -> None:
    """Record only the next step: the status and its history stay as they are (the R-000693 trap)."""
    with transaction.atomic():
        referral = Referral.objects.select_for_update().get(pk=referral.pk)
        fields = referral.set_next_step(next_step, next_step_owner, next_step_due)
        if referral.acknowledged_at is None:
            referral.acknowledged_at = timezone.now()
            fields.append("acknowledged_at")
        referral.save(update_fields=fields)
        audit_log(action="referral.next_step", context=audit, actor=by, obj=referral)


def _officer_text(referral: Referral) -> disclosure.OfficerView:
    consents = disclosure.consents_by_participant([referral.participant_id]).get(referral.participant_id, [])
    return disclosure.officer_view(referral, referral.officer, consents)


def officer_notice_email(*, notice_id: int) -> bool:
    """Send one notice email, once (SECURITY.md 19).

    The claim (a conditional UPDATE of emailed_at) and the send share one transaction that commits once
    the mail server accepted the message: a refused or timed-out send rolls the claim back for the
    task's retry (deflection/mail.py), a worker killed mid-send leaves the notice unclaimed for the
    redelivered task, and a second copy of the task waits on the row lock and then finds it sent.
    """

    with transaction.atomic():
        claimed = OfficerNotice.objects.filter(pk=notice_id, emailed_at__isnull=True, email_withheld_at__isnull=True).update(
            emailed_at=timezone.now()
        )
        if not claimed:
            return False
        notice = OfficerNotice.objects.select_related("officer", "referral").get(pk=notice_id)
        # The gate is asked again when the email is due, not only when the status changed: a retry, a
        # redelivery or the coordinator's "send again" can come after the consent was revoked or ended,
        # and "there is an update" is itself what the consent allowed (SECURITY.md 3).
        if not _officer_text(notice.referral).is_disclosure:
            OfficerNotice.objects.filter(pk=notice_id).update(emailed_at=None, email_withheld_at=timezone.now())
            return False
        link = settings.SITE_URL + reverse("referrals:mine")
        # SECURITY.md 12: a link, never a name or a status.
        send_mail(
            subject="Deflection: an update on one of your referrals",
            message=(
                "There is an update on a referral you made.\n\n"
                f"Sign in to read it: {link}\n\n"
                "You are receiving this because the person consented to updates reaching you."
            ),
            from_email=None,
            recipient_list=[notice.officer.email],
        )
    return True


def officer_referral_feed(
    *, officer: User, referrals: list[Referral], audit: AuditContext | None = None
) -> list[tuple[Referral, disclosure.OfficerView]]:
    """The officer's view of each referral; every consented display is written as a disclosure."""
    consents_by_participant = disclosure.consents_by_participant(r.participant_id for r in referrals)
    today = timezone.localdate()
    rows = [
        (referral, disclosure.officer_view(referral, officer, consents_by_participant.get(referral.participant_id, []), today))
        for referral in referrals
    ]
    records = disclosure.disclosure_records(
        referrals_and_views=rows, viewer=officer, ip_address=(audit.ip_address if audit else None), channel="web"
    )
    if records:
        AuditEvent.objects.bulk_create(records)
    return rows


def consent_record(*, participant: Participant, witnessed_by: User, audit: AuditContext | None = None, **fields) -> Consent:
    """Record a signed consent. Its disclosing party is the recording case manager's provider.

    It is signed over the record and every record already merged into it, and over
    nothing merged later (`covered_records`): a merge never widens a consent.
    """
    consent = Consent(participant=participant, witnessed_by=witnessed_by, **fields)
    if consent.disclosing_agency_id not in case_manager_agency_ids(witnessed_by):
        raise ServiceError("A consent is recorded by the provider that holds the records.", status=403, code="not_provider")
    merged_in = Referral.objects.filter(participant=participant, origin_participant__isnull=False)
    consent.covered_records = sorted({participant.pk, *merged_in.values_list("origin_participant_id", flat=True)})
    consent.full_clean()
    with transaction.atomic():
        consent.save()
        audit_log(
            action="consent.create",
            context=audit,
            actor=witnessed_by,
            obj=participant,
            detail={"consent": consent.pk, "level": consent.level, "disclosing_agency": consent.disclosing_agency_id},
        )
    return consent


def consent_revoke(*, consent: Consent, by: User, audit: AuditContext | None = None) -> bool:
    """Revocation takes effect on the next request: officer views read revoked_at every time."""
    with transaction.atomic():
        updated = Consent.objects.filter(pk=consent.pk, revoked_at__isnull=True).update(revoked_at=timezone.now(), revoked_by=by)
        if updated:
            audit_log(action="consent.revoke", context=audit, actor=by, obj=consent.participant, detail={"consent": consent.pk})
    return bool(updated)


def consent_expiry_event_record(
    *, participant: Participant, event: str, occurred_on: datetime.date, by: User, audit: AuditContext | None = None
) -> int:
    """The event some consents expire on happened (e.g. the final disposition of the criminal case,
    42 CFR 2.35): every consent of the recorder's providers that expires on it ends now.

    Only the recorder's own providers' consents: another provider's consents are not
    theirs to see or end. Idempotent: an ended consent is not ended again. Returns how many ended.
    """
    now = timezone.now()
    with transaction.atomic():
        ended = Consent.objects.filter(
            participant=participant,
            disclosing_agency_id__in=case_manager_agency_ids(by),
            expiry_event_kind=event,
            revoked_at__isnull=True,
            ended_at__isnull=True,
        ).update(ended_at=now, ended_by_event_on=occurred_on)
        audit_log(
            action="consent.expiry_event",
            context=audit,
            actor=by,
            obj=participant,
            detail={"event": event, "occurred_on": occurred_on.isoformat(), "consents_ended": ended},
        )
    return ended


def participants_merge(*, survivor: Participant, duplicate: Participant, by: User, audit: AuditContext | None = None) -> None:
    """Fold the merger's own providers' part of a duplicate record into the survivor.

    Only the episodes, consents, outcomes and proposals of the merging case manager's
    providers move (SECURITY.md 28): another provider's part of the duplicate stays
    where it is, and the duplicate is marked merged only once nothing is left on it.
    Each moved referral keeps the record it was made on (`origin_participant`) and each
    moved consent the records it was signed over, so no consent covers more after the merge.
    """
    if survivor.pk == duplicate.pk or survivor.program_id != duplicate.program_id:
        raise ValueError("Only two different records of the same program can be merged.")
    mine = case_manager_agency_ids(by)
    with transaction.atomic():
        moved = Referral.objects.filter(participant=duplicate, provider_id__in=mine).update(
            participant=survivor, origin_participant=Coalesce(F("origin_participant"), F("participant"))
        )
        Outcome.objects.filter(participant=duplicate, provider_id__in=mine).update(participant=survivor)
        Consent.objects.filter(participant=duplicate, disclosing_agency_id__in=mine, covered_records=[]).update(
            covered_records=[duplicate.pk]
        )
        Consent.objects.filter(participant=duplicate, disclosing_agency_id__in=mine).update(participant=survivor)
        ParticipantUpdateProposal.objects.filter(participant=duplicate, referral__provider_id__in=mine).update(
            participant=survivor
        )
        left = (
            Referral.objects.filter(participant=duplicate).exists()
            or Consent.objects.filter(participant=duplicate).exists()
            or Outcome.objects.filter(participant=duplicate).exists()
        )
        if not left:
            ParticipantMatchKey.objects.filter(participant=duplicate).delete()
            Participant.objects.filter(pk=duplicate.pk).update(merged_into=survivor)
        # The survivor keeps its own keys, so later referrals of either spelling find it.
        audit_log(
            action="participant.merge",
            context=audit,
            actor=by,
            obj=survivor,
            detail={"merged": duplicate.pk, "referrals_moved": moved, "whole_record": not left},
        )


def possible_duplicates(participant: Participant, *, viewer: User) -> list[Participant]:
    """Other unmerged records of the same program that share a match key and that the viewer's providers hold.

    A record known only at another provider is never suggested: that the person is
    known there is itself Part 2 information (SECURITY.md 28).
    """
    digests = list(participant.match_keys.values_list("digest", flat=True))
    if not digests:
        return []
    return list(
        Participant.objects.filter(
            program_id=participant.program_id,
            merged_into__isnull=True,
            pk__in=ParticipantMatchKey.objects.filter(digest__in=digests).values("participant_id"),
        )
        .filter(pk__in=Referral.objects.filter(provider_id__in=case_manager_agency_ids(viewer)).values("participant_id"))
        .exclude(pk=participant.pk)
        .order_by("pk")
    )


def outcome_record(
    *,
    participant: Participant,
    kind: str,
    occurred_on: datetime.date,
    by: User,
    provider_id: int,
    audit: AuditContext | None = None,
) -> Outcome:
    """An outcome belongs to the recording provider; only its staff see it."""
    if provider_id not in case_manager_agency_ids(by):
        raise ServiceError("Outcomes are recorded by the provider's own case managers.", status=403, code="not_provider")
    with transaction.atomic():
        outcome = Outcome.objects.create(
            participant=participant, kind=kind, occurred_on=occurred_on, recorded_by=by, provider_id=provider_id
        )
        audit_log(action="outcome.create", context=audit, actor=by, obj=participant, detail={"kind": kind})
    return outcome


def proposal_decide(*, proposal: ParticipantUpdateProposal, by: User, accept: bool, audit: AuditContext | None = None) -> bool:
    """The case manager accepts (the record takes the new phone) or discards an officer's proposed update.

    Claimed with a conditional UPDATE, so a double click decides once. Audited
    without the number itself (SECURITY.md 12).
    """
    decision = ProposalDecision.ACCEPTED if accept else ProposalDecision.DISCARDED
    with transaction.atomic():
        claimed = ParticipantUpdateProposal.objects.filter(pk=proposal.pk, decision=ProposalDecision.PENDING).update(
            decision=decision, decided_by=by, decided_at=timezone.now()
        )
        if not claimed:
            return False
        if accept:
            participant = Participant.objects.select_for_update().get(pk=proposal.participant_id)
            participant.phone = proposal.phone
            participant.save(update_fields=["phone"])
        audit_log(
            action=f"participant.update_{decision}",
            context=audit,
            actor=by,
            obj=proposal.participant,
            detail={"proposal": proposal.pk, "fields": ["phone"], "referral": proposal.referral_id},
        )
    return True


def task_create(*, referral: Referral, title: str, due_at: datetime.datetime, assigned_to: User, by: User) -> FollowUpTask:
    return FollowUpTask.objects.create(referral=referral, title=title, due_at=due_at, assigned_to=assigned_to, created_by=by)


def task_complete(*, task: FollowUpTask, by: User) -> None:
    FollowUpTask.objects.filter(pk=task.pk, done_at__isnull=True).update(done_at=timezone.now())


def capacity_update(
    *, service: ProviderService, by: User, state: str, open_slots: int | None, audit: AuditContext | None = None
) -> None:
    if state == CapacityState.OPEN and not open_slots:
        raise ValueError("Open capacity needs a number of open slots (1 or more).")
    ProviderService.objects.filter(pk=service.pk).update(
        capacity_state=state,
        open_slots=open_slots if state == CapacityState.OPEN else None,
        capacity_updated_at=timezone.now(),
        capacity_updated_by=by,
    )
    audit_log(action="capacity.update", context=audit, actor=by, obj=service, detail={"state": state, "open": open_slots})


def justice_mark_coordinated(*, referral: Referral, by: User, audit: AuditContext | None = None) -> None:
    Referral.objects.filter(pk=referral.pk, justice_coordinated_at__isnull=True).update(justice_coordinated_at=timezone.now())
    audit_log(action="referral.justice_coordinated", context=audit, actor=by, obj=referral)


def warm_handoff_available(referral: Referral) -> bool:
    return referral.handoff == Handoff.WARM and referral.service is not None and referral.service.accepts_warm_handoffs


def officer_notices_mark_read(*, officer: User) -> int:
    """The officer has seen My referrals: their unread notices are read."""
    return OfficerNotice.objects.filter(officer=officer, read_at__isnull=True).update(read_at=timezone.now())


def criterion_save(
    *, criterion: EligibilityCriterion, by: User, changed: list[str] | None = None, audit: AuditContext | None = None
) -> None:
    """Add a checklist item (changed is None) or save the changed fields of an existing one."""
    with transaction.atomic():
        if changed is None:
            criterion.save()
            audit_log(action="criterion.create", context=audit, actor=by, obj=criterion)
        else:
            criterion.save(update_fields=changed or ["question"])
            audit_log(action="criterion.update", context=audit, actor=by, obj=criterion, detail={"fields": changed})
