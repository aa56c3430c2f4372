"""Walk-in workflows: start an intake, notify the on-call volunteers, accept, place (a self-referral), close.

Keyword-only services; each write and its audit row share a transaction, and the emails go through the
outbox after the commit. The person is a referrals.Participant, found or made by the referral rules.
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from deflection.access import coordinates
from deflection.audit import AuditContext, audit_log
from deflection.errors import ServiceError
from deflection.models import Membership, Pathway, Program, ProgramType, Unit, User
from deflection.outbox import enqueue
from deflection.roles import WALKIN_VOLUNTEER_ROLES
from referrals.clocks.engine import program_coordinator_ids
from referrals.models import Handoff, ProviderService, Referral
from referrals.services import ReferralData, officer_membership, participant_find_or_create, referral_submit
from referrals.walkin.models import (
    CloseReason,
    WalkIn,
    WalkInNotice,
    WalkInSettings,
    WalkInStatus,
    WalkInVolunteer,
)

EMAIL_TASK = "referrals.walkin.tasks.email_walkin_notice"
# Phones' and desks' clocks drift; a few minutes ahead is not a typo.
CLOCK_SKEW = datetime.timedelta(minutes=5)
# ServiceError codes that callers and tests tell apart.
NOT_RUNNING = "not_running"
TAKEN = "taken"
FINISHED = "finished"


def _require_walkin(program: Program) -> None:
    if not program.runs(ProgramType.WALK_IN):
        raise ServiceError("This program does not run walk-in intake.", status=404, code=NOT_RUNNING)


@dataclass(frozen=True)
class IntakeData:
    """What the front desk's intake form collected, already validated (the person's details are optional)."""

    arrived_at: datetime.datetime
    need: str
    idempotency_key: uuid.UUID
    unit: Unit | None = None
    first_name: str = ""
    last_name: str = ""
    date_of_birth: datetime.date | None = None
    phone: str = ""
    note: str = ""


def _person(data: IntakeData) -> ReferralData:
    """The person as the referral rules see them (an exact name + date of birth match is the same record)."""
    return ReferralData(
        pathway=Pathway.SELF_REFERRAL,
        handoff=Handoff.FOLLOW_UP,
        idempotency_key=data.idempotency_key,
        form_opened_at=data.arrived_at,
        eligibility_answers={},
        first_name=data.first_name,
        last_name=data.last_name,
        date_of_birth=data.date_of_birth,
        phone=data.phone,
    )


def volunteer_member_ids(program: Program) -> set[int]:
    """Users who may be on the program's walk-in list: active case managers (peers) and coordinators of its agencies."""
    return set(
        Membership.objects.filter(
            agency_id__in=program.agency_ids(), role__in=WALKIN_VOLUNTEER_ROLES, is_active=True, user__is_active=True
        ).values_list("user_id", flat=True)
    )


def on_call_volunteer_ids(program: Program) -> list[int]:
    """Who is paged for a walk-in: the on-call volunteers still in a volunteer role, else the coordinators."""
    listed = WalkInVolunteer.objects.filter(program=program, on_call=True).values_list("user_id", flat=True)
    on_call = sorted(set(listed) & volunteer_member_ids(program))
    return on_call or program_coordinator_ids(program)


def walkin_start(*, program: Program, by: User, data: IntakeData, audit: AuditContext) -> tuple[WalkIn, bool]:
    """Record one walk-in (once per idempotency key) and page the on-call volunteers. Returns (walk-in, created)."""
    _require_walkin(program)
    try:
        membership = officer_membership(by, program)
    except PermissionError as exc:
        raise ServiceError("Only station staff of the program's police agencies start a walk-in.", status=403) from exc
    now = timezone.now()
    if data.arrived_at > now + CLOCK_SKEW:
        raise ServiceError("The arrival time is in the future.")
    if data.unit is not None and data.unit.agency_id not in program.agency_ids():
        raise ServiceError("Choose a station of the program's agencies.")
    try:
        with transaction.atomic():
            participant, _created = participant_find_or_create(program=program, data=_person(data), created_by=by)
            walkin = WalkIn.objects.create(
                program=program,
                participant=participant,
                started_by=by,
                agency_id=membership.agency_id,
                unit=data.unit if data.unit is not None else membership.unit,
                arrived_at=data.arrived_at,
                need=data.need,
                note=data.note,
                idempotency_key=data.idempotency_key,
                created_at=now,
            )
            recipients = on_call_volunteer_ids(program)
            notices = WalkInNotice.objects.bulk_create(
                WalkInNotice(walkin=walkin, recipient_id=user_id, created_at=now) for user_id in recipients
            )
            audit_log(action="walkin.start", context=audit, actor=by, obj=walkin, detail={"notified": recipients})
            for notice in notices:
                enqueue(EMAIL_TASK, notice_id=notice.pk)
    except IntegrityError:
        # The same form sent twice (a double tap, a retry): the first one stands.
        existing = WalkIn.objects.filter(started_by=by, idempotency_key=data.idempotency_key).first()
        if existing is None:
            raise
        return existing, False
    return walkin, True


def may_work(user: User, program: Program) -> bool:
    """A volunteer on the program's list (in a volunteer role), or one of its coordinators."""
    if coordinates(user, program):
        return True
    listed = WalkInVolunteer.objects.filter(program=program, user=user).exists()
    return listed and user.pk in volunteer_member_ids(program)


def walkin_accept(*, walkin: WalkIn, by: User, audit: AuditContext) -> bool:
    """The volunteer takes the walk-in; the first to accept has it. False if they already had it."""
    _require_walkin(walkin.program)
    if not may_work(by, walkin.program):
        raise ServiceError("Only the program's walk-in volunteers take a walk-in.", status=403)
    now = timezone.now()
    with transaction.atomic():
        claimed = WalkIn.objects.filter(pk=walkin.pk, status=WalkInStatus.WAITING).update(
            status=WalkInStatus.ACCEPTED, volunteer=by, accepted_at=now
        )
        current = WalkIn.objects.select_related("volunteer").get(pk=walkin.pk)
        if not claimed:
            if current.status == WalkInStatus.ACCEPTED and current.volunteer_id == by.pk:
                return False
            if current.status == WalkInStatus.ACCEPTED:
                raise ServiceError(f"{current.volunteer} has already taken this walk-in.", status=409, code=TAKEN)
            raise ServiceError("This walk-in is already placed or closed.", status=409, code=FINISHED)
        WalkInNotice.objects.filter(walkin=walkin, recipient=by, read_at__isnull=True).update(read_at=now)
        audit_log(action="walkin.accept", context=audit, actor=by, obj=walkin)
    walkin.status, walkin.volunteer, walkin.accepted_at = current.status, current.volunteer, current.accepted_at
    return True


@dataclass(frozen=True)
class PlacementData:
    service: ProviderService
    placed_at: datetime.datetime
    handoff: str
    form_opened_at: datetime.datetime
    eligibility_answers: dict[int, bool]


def walkin_place(*, walkin: WalkIn, by: User, data: PlacementData, audit: AuditContext) -> Referral:
    """Record the placement: the walk-in becomes a self-referral of the same participant, through referral_submit
    (eligibility, warm hand-off and assignment rules as usual). A retry returns the same referral.
    """
    program = walkin.program
    _require_walkin(program)
    if not may_work(by, program):
        raise ServiceError("Only the program's walk-in volunteers record a placement.", status=403)
    now = timezone.now()
    with transaction.atomic():
        locked = WalkIn.objects.select_for_update().select_related("participant").get(pk=walkin.pk)
        if locked.status == WalkInStatus.PLACED:
            return Referral.objects.get(pk=locked.referral_id)
        if locked.status == WalkInStatus.CLOSED:
            raise ServiceError("This walk-in was closed without placement.", status=409, code=FINISHED)
        if locked.status == WalkInStatus.ACCEPTED and locked.volunteer_id != by.pk and not coordinates(by, program):
            raise ServiceError("Another volunteer has this walk-in.", status=409, code=TAKEN)
        if data.placed_at < locked.arrived_at:
            raise ServiceError("The placement cannot come before the person arrived.")
        if data.placed_at > now + CLOCK_SKEW:
            raise ServiceError("The placement time is in the future.")
        if data.service.agency_id not in program.agency_ids() or not data.service.is_active:
            raise ServiceError("Choose a provider in the program's directory.")
        person = locked.participant
        try:
            referral, _created = referral_submit(
                officer=locked.started_by,
                program=program,
                participant=person,
                data=ReferralData(
                    pathway=Pathway.SELF_REFERRAL,
                    handoff=data.handoff,
                    # One referral per walk-in, however often the placement is submitted.
                    idempotency_key=uuid.uuid5(uuid.NAMESPACE_URL, f"deflection:walkin:{locked.pk}"),
                    form_opened_at=data.form_opened_at,
                    eligibility_answers=data.eligibility_answers,
                    first_name=person.first_name,
                    last_name=person.last_name,
                    date_of_birth=person.date_of_birth,
                    phone=person.phone,
                    service=data.service,
                ),
                audit=audit,
            )
        except PermissionError as exc:
            raise ServiceError(
                "The person who started this walk-in is no longer station staff of the program; ask the coordinator.",
                status=409,
                code="no_officer",
            ) from exc
        if locked.volunteer_id is None:
            locked.volunteer, locked.accepted_at = by, now
        locked.status, locked.placed_at, locked.placed_service, locked.referral = (
            WalkInStatus.PLACED,
            data.placed_at,
            data.service,
            referral,
        )
        locked.save(update_fields=["volunteer", "accepted_at", "status", "placed_at", "placed_service", "referral"])
        audit_log(
            action="walkin.place",
            context=audit,
            actor=by,
            obj=locked,
            detail={"referral": referral.pk, "minutes_to_placement": locked.minutes_to_placement},
        )
    walkin.status, walkin.placed_at, walkin.referral = locked.status, locked.placed_at, referral
    return referral


def walkin_close(*, walkin: WalkIn, by: User, reason: str, audit: AuditContext) -> bool:
    """Close an open walk-in without placement (left before placement, changed their mind...). False if already closed."""
    if reason not in CloseReason.values:
        raise ServiceError("Choose why the walk-in is closed.")
    with transaction.atomic():
        closed = WalkIn.objects.filter(pk=walkin.pk, status__in=WalkInStatus.open_statuses()).update(
            status=WalkInStatus.CLOSED, closed_at=timezone.now(), close_reason=reason, closed_by=by
        )
        if not closed:
            status = WalkIn.objects.values_list("status", flat=True).get(pk=walkin.pk)
            if status == WalkInStatus.CLOSED:
                return False
            raise ServiceError("This walk-in is already placed.", status=409, code=FINISHED)
        audit_log(action="walkin.close", context=audit, actor=by, obj=walkin, detail={"reason": reason})
    return True


def walkin_notices_mark_read(*, walkin: WalkIn, user: User) -> int:
    return WalkInNotice.objects.filter(walkin=walkin, recipient=user, read_at__isnull=True).update(read_at=timezone.now())


def walkin_notice_email(*, notice_id: int) -> bool:
    """Send one walk-in email, once: the claim and the send commit together. A link only (SECURITY.md 12)."""
    with transaction.atomic():
        claimed = WalkInNotice.objects.filter(pk=notice_id, emailed_at__isnull=True).update(emailed_at=timezone.now())
        if not claimed:
            return False
        walkin_id, email = WalkInNotice.objects.filter(pk=notice_id).values_list("walkin_id", "recipient__email").get()
        link = settings.SITE_URL + reverse("walkin:detail", args=[walkin_id])
        send_mail(
            subject="Deflection: a walk-in needs a volunteer",
            message=f"Someone is waiting at a station for a volunteer.\n\nSign in to take it: {link}\n",
            from_email=None,
            recipient_list=[email],
        )
    return True


def settings_save(*, settings_row: WalkInSettings, by: User, audit: AuditContext) -> None:
    with transaction.atomic():
        settings_row.save()
        audit_log(action="walkin.settings", context=audit, actor=by, obj=settings_row.program, detail={"fields": ["promise"]})


VOLUNTEER_STATES = ("on_call", "off_call", "remove")


def volunteer_set(*, program: Program, user: User, state: str, by: User, audit: AuditContext) -> None:
    """The coordinator puts a volunteer on call, off call, or off the list."""
    if state not in VOLUNTEER_STATES:
        raise ServiceError("Choose on call, off call or remove.")
    if state != "remove" and user.pk not in volunteer_member_ids(program):
        raise ServiceError("A volunteer is a case manager, peer or coordinator of one of the program's agencies.")
    with transaction.atomic():
        if state == "remove":
            WalkInVolunteer.objects.filter(program=program, user=user).delete()
        else:
            WalkInVolunteer.objects.update_or_create(
                program=program,
                user=user,
                defaults={"on_call": state == "on_call"},
                create_defaults={"on_call": state == "on_call", "added_by": by},
            )
        audit_log(action="walkin.volunteer", context=audit, actor=by, obj=program, detail={"user": user.pk, "state": state})
