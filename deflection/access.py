"""Who may see what. Every view gets program data through these helpers.

A helper returns the object only if the user may see it; otherwise it writes
a `denied` audit record and raises Http404, so a guessed id looks exactly
like a missing one (SECURITY.md 14).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from deflection.audit import audit_log
from deflection.models import Agency, AuditOutcome, Membership, Program, Role, User
from deflection.params import parse_id


def is_administrator(user: User) -> bool:
    return user.is_authenticated and (user.is_superuser or user.has_role(Role.ADMINISTRATOR))


def member_agency_ids(user: User) -> set[int]:
    if not user.is_authenticated:
        return set()
    return {m.agency_id for m in user.active_memberships()}


def agency_ids_with_role(user: User, *roles: str) -> set[int]:
    return {m.agency_id for m in user.active_memberships() if m.role in roles}


def _programs_of_agencies(ids: set[int]) -> QuerySet[Program]:
    # A subquery rather than a join + DISTINCT: cheaper to plan, and it runs on every officer page.
    partnered = Program.partners.through.objects.filter(agency_id__in=ids).values("program_id")
    return Program.objects.filter(Q(lead_agency_id__in=ids) | Q(pk__in=partnered))


def programs_for(user: User) -> QuerySet[Program]:
    """Programs that one of the user's agencies leads or partners in."""
    if is_administrator(user):
        return Program.objects.all()
    return _programs_of_agencies(member_agency_ids(user))


def agencies_for(user: User) -> QuerySet[Agency]:
    """The user's own agencies; coordinators also see every agency of their programs."""
    if is_administrator(user):
        return Agency.objects.all()
    ids = member_agency_ids(user)
    if agency_ids_with_role(user, Role.COORDINATOR):
        for program in programs_coordinated_by(user).prefetch_related("partners"):
            ids |= program.agency_ids()
    return Agency.objects.filter(id__in=ids)


def programs_coordinated_by(user: User) -> QuerySet[Program]:
    if is_administrator(user):
        return Program.objects.all()
    return _programs_of_agencies(agency_ids_with_role(user, Role.COORDINATOR))


def coordinates(user: User, program: Program | int) -> bool:
    """Whether the user coordinates this program (administrators coordinate every program).

    The one answer to "is this user a coordinator of this program"; pass the program or its id.
    """
    program_id = program.pk if isinstance(program, Program) else program
    return programs_coordinated_by(user).filter(pk=program_id).exists()


def deny(request, object_type: str, object_id) -> Http404:
    """Audit a refused lookup and return the 404 to raise."""
    audit_log(
        action="access.denied",
        request=request,
        object_type=object_type,
        object_id=str(object_id)[:64],
        outcome=AuditOutcome.DENIED,
    )
    return Http404("Not found")


def get_object_for_user(request, queryset: QuerySet, pk, object_type: str):
    object_id = parse_id(pk)
    if object_id is None:
        raise deny(request, object_type, "invalid")
    try:
        return queryset.get(pk=object_id)
    except queryset.model.DoesNotExist as exc:
        raise deny(request, object_type, object_id) from exc


def get_program_for_user(request, pk) -> Program:
    return get_object_for_user(request, programs_for(request.user), pk, "deflection.program")


def get_program_for_coordinator(request, pk) -> Program:
    return get_object_for_user(request, programs_coordinated_by(request.user), pk, "deflection.program")


def get_agency_for_user(request, pk) -> Agency:
    return get_object_for_user(request, agencies_for(request.user), pk, "deflection.agency")


def memberships_visible_to(user: User, agency: Agency) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(agency=agency, is_active=True)
        .select_related("user", "unit")
        .order_by("unit__name", "user__last_name", "user__first_name")
    )
