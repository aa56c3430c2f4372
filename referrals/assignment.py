"""Who owns a referral: the provider's on-call case manager or the next in its round robin (issue 12).

The program chooses the method (Program.assignment); each provider keeps its own rota (OnCallShift)
and its own turn. Reassigning is one audited action (referral_reassign).
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import F, Subquery

from deflection.audit import AuditContext, audit_log
from deflection.errors import ServiceError
from deflection.models import Agency, AssignmentMethod, Membership, Program, Role, User
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
