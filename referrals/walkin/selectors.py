"""Reads for the walk-in pages: the volunteers' board, the front desk's latest, the directory, the volunteer list."""

from __future__ import annotations

from django.db.models import QuerySet

from deflection.models import Program, Unit, User
from referrals.models import ProviderService
from referrals.walkin.models import WalkIn, WalkInNotice, WalkInStatus, WalkInVolunteer
from referrals.walkin.services import volunteer_member_ids

BOARD_LIMIT = 50


def open_walkins(program_ids: list[int]) -> list[WalkIn]:
    """The open walk-ins of these programs, longest waiting first (no identity: the board shows none)."""
    return list(
        WalkIn.objects.filter(program_id__in=program_ids, status__in=WalkInStatus.open_statuses())
        .select_related("program", "unit", "agency", "volunteer")
        .order_by("arrived_at", "pk")[:BOARD_LIMIT]
    )


def recently_finished(program_ids: list[int], limit: int = 10) -> list[WalkIn]:
    return list(
        WalkIn.objects.filter(program_id__in=program_ids, status__in=[WalkInStatus.PLACED, WalkInStatus.CLOSED])
        .select_related("unit", "agency", "volunteer", "placed_service")
        .order_by("-arrived_at", "-pk")[:limit]
    )


def unread_walkin_ids(user: User) -> set[int]:
    return set(WalkInNotice.objects.filter(recipient=user, read_at__isnull=True).values_list("walkin_id", flat=True))


def started_by(user: User, limit: int = 10) -> list[WalkIn]:
    """The front desk's latest walk-ins, to follow each wait."""
    return list(WalkIn.objects.filter(started_by=user).select_related("unit", "volunteer").order_by("-arrived_at", "-pk")[:limit])


def stations_for(program: Program) -> QuerySet[Unit]:
    return Unit.objects.filter(agency_id__in=program.agency_ids()).select_related("agency").order_by("agency__name", "name")


def placement_services(program: Program) -> QuerySet[ProviderService]:
    return (
        ProviderService.objects.filter(agency_id__in=program.agency_ids(), is_active=True)
        .select_related("agency")
        .order_by("agency__name", "name")
    )


def volunteers(program: Program) -> list[WalkInVolunteer]:
    return list(
        WalkInVolunteer.objects.filter(program=program).select_related("user").order_by("-on_call", "user__last_name", "pk")
    )


def eligible_volunteers(program: Program) -> QuerySet[User]:
    return User.objects.filter(pk__in=volunteer_member_ids(program)).order_by("last_name", "first_name", "pk")
