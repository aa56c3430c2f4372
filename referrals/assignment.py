"""Who owns a referral: the provider's on-call case manager or the next in its round robin (issue 12).

The program chooses the method (Program.assignment, on the program settings page); each provider keeps
its own rota (OnCallShift), set by the coordinator on the on-call page (on_call_shift_add / _remove), and
its own turn. Reassigning is one audited action (referral_reassign).
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import F, Subquery

from deflection.audit import AuditContext, audit_log
from deflection.errors import ServiceError
from deflection.models import Agency, AgencyKind, AssignmentMethod, Membership, Program, Role, User
from referrals.clocks.models import OnCallShift
from referrals.models import Referral, Status


def provider_case_manager_ids(provider_id: int) -> list[int]:
    """The provider's active case managers, in a fixed order (the round robin's order)."""
    return list(
        Membership.objects.filter(agency_id=provider_id, role=Role.CASE_MANAGER, is_active=True, user__is_active=True)
        .order_by("user_id")
        .values_list("user_id", flat=True)
    )


def on_call_case_managers(provider_ids, at: datetime.datetime) -> dict[int, int]:
    """{provider id: the case manager on call there at `at`}, one query for many providers.

    Only someone still an active case manager of that provider counts. When shifts overlap, the
    one that started last has the phone (a hand-over in progress).
    """
    rows = (
        OnCallShift.objects.filter(
            agency_id__in=list(provider_ids),
            starts_at__lte=at,
            ends_at__gt=at,
            case_manager__is_active=True,
            case_manager__memberships__agency_id=F("agency_id"),
            case_manager__memberships__role=Role.CASE_MANAGER,
            case_manager__memberships__is_active=True,
        )
        .order_by("agency_id", "-starts_at", "pk")
        .distinct("agency_id")
        .values_list("agency_id", "case_manager_id")
    )
    return dict(rows)


def next_in_round_robin(provider_id: int) -> int | None:
    """The case manager after the one who got the provider's latest open referral (by user id, wrapping round).

    One query (it runs inside every submit): the case managers, each carrying the latest assignee.
    Only open referrals count, so the look-up reads the worklist's partial index.
    """
    latest = (
        Referral.objects.filter(provider_id=provider_id, status__in=Status.open_statuses(), assigned_to__isnull=False)
        .order_by("-created_at", "-pk")
        .values("assigned_to_id")[:1]
    )
    rows = list(
        Membership.objects.filter(agency_id=provider_id, role=Role.CASE_MANAGER, is_active=True, user__is_active=True)
        .annotate(latest=Subquery(latest))
        .order_by("user_id")
        .values_list("user_id", "latest")
    )
    if not rows:
        return None
    last = rows[0][1]
    later = [user_id for user_id, _latest in rows if last is not None and user_id > last]
    return later[0] if later else rows[0][0]


def case_manager_for_new_referral(*, program: Program, provider_id: int, at: datetime.datetime) -> int | None:
    """Whom a new referral at this provider goes to, by the program's method; None if it has no case manager."""
    if program.assignment == AssignmentMethod.ON_CALL:
        on_call = on_call_case_managers([provider_id], at).get(provider_id)
        if on_call is not None:
            return on_call
    return next_in_round_robin(provider_id)


def referral_reassign(*, referral: Referral, to: User, audit: AuditContext) -> bool:
    """Give the referral to another case manager of its provider: one action, audited. False if unchanged."""
    if to.pk not in provider_case_manager_ids(referral.provider_id):
        raise ServiceError("Assign the referral to a case manager of its provider.", status=422, code="not_case_manager")
    with transaction.atomic():
        before = Referral.objects.select_for_update().values_list("assigned_to_id", flat=True).get(pk=referral.pk)
        if before == to.pk:
            return False
        Referral.objects.filter(pk=referral.pk).update(assigned_to=to)
        referral.assigned_to = to
        audit_log(action="referral.reassign", context=audit, obj=referral, detail={"from": before, "to": to.pk})
    return True


def provider_case_managers(provider: Agency) -> list[User]:
    """The people a referral at this provider can be given to (the reassign picker)."""
    return list(User.objects.filter(pk__in=provider_case_manager_ids(provider.pk)).order_by("first_name", "last_name", "pk"))


# ---- the on-call rota (the coordinator's page: referrals/program_views.py) ----

ROTA_SHIFTS_SHOWN = 14  # per provider: two weeks of daily shifts
MAX_SHIFT = datetime.timedelta(days=14)


def program_providers(program: Program) -> list[Agency]:
    """The program's treatment and community providers: the agencies that keep a rota."""
    return list(Agency.objects.filter(pk__in=program.agency_ids(), kind__in=AgencyKind.providers()).order_by("name"))


def program_case_managers(program: Program) -> list[User]:
    """Every active case manager of the program's providers (the rota form's choices)."""
    return list(
        User.objects.filter(
            is_active=True,
            memberships__agency__in=program_providers(program),
            memberships__role=Role.CASE_MANAGER,
            memberships__is_active=True,
        )
        .distinct()
        .order_by("first_name", "last_name", "pk")
    )


def on_call_rota(program: Program, now: datetime.datetime) -> list[tuple[Agency, User | None, list[OnCallShift]]]:
    """Per provider: who is on call now, and the shifts not yet over (soonest first). Three queries."""
    providers = program_providers(program)
    on_call = on_call_case_managers([a.pk for a in providers], now)
    people = User.objects.in_bulk(on_call.values())
    shifts: dict[int, list[OnCallShift]] = {a.pk: [] for a in providers}
    upcoming = OnCallShift.objects.filter(agency__in=providers, ends_at__gt=now).select_related("case_manager")
    for shift in upcoming.order_by("starts_at", "pk"):
        if len(shifts[shift.agency_id]) < ROTA_SHIFTS_SHOWN:
            shifts[shift.agency_id].append(shift)
    return [(a, people.get(on_call.get(a.pk)), shifts[a.pk]) for a in providers]


def on_call_shift_add(
    *,
    program: Program,
    agency: Agency,
    case_manager: User,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    by: User,
    audit: AuditContext,
) -> OnCallShift:
    """Put a case manager on call for one of the program's providers, from `starts_at` to `ends_at`. Audited."""
    if agency.pk not in {a.pk for a in program_providers(program)}:
        raise ServiceError("Choose one of this program's providers.", status=422, code="not_provider")
    if case_manager.pk not in provider_case_manager_ids(agency.pk):
        raise ServiceError(f"{case_manager} is not a case manager of {agency.name}.", status=422, code="not_case_manager")
    if ends_at <= starts_at:
        raise ServiceError("The shift must end after it starts.", status=422, code="bad_shift")
    if ends_at - starts_at > MAX_SHIFT:
        raise ServiceError("A shift lasts at most 14 days: add the next one separately.", status=422, code="bad_shift")
    with transaction.atomic():
        shift = OnCallShift.objects.create(
            agency=agency, case_manager=case_manager, starts_at=starts_at, ends_at=ends_at, created_by=by
        )
        audit_log(
            action="on_call.add",
            context=audit,
            actor=by,
            obj=program,
            detail={"shift": shift.pk, "agency": agency.pk, "case_manager": case_manager.pk},
        )
    return shift


def on_call_shift_remove(*, program: Program, shift_id: int | None, by: User, audit: AuditContext) -> None:
    """Take a shift off the program's rota. Audited; a shift of another program is refused like a missing one."""
    shift = OnCallShift.objects.filter(pk=shift_id, agency__in=program_providers(program)).first() if shift_id else None
    if shift is None:
        raise ServiceError("That shift is not on this program's rota (it may have been removed already).", status=404)
    with transaction.atomic():
        shift.delete()
        audit_log(
            action="on_call.remove",
            context=audit,
            actor=by,
            obj=program,
            detail={"shift": shift_id, "agency": shift.agency_id, "case_manager": shift.case_manager_id},
        )
