"""Who may use post-overdose outreach, and which cases they see. Pages 404 for programs that do not run QRT.

Recording an overdose: police roles and the program's team. The outreach queue and cases (identified
survivors): case managers of the program's case-management agency and its coordinators only; police
roles never get identified data in bulk (SECURITY.md 6).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from deflection.access import agency_ids_with_role, get_object_for_user, programs_coordinated_by, programs_for
from deflection.models import Program, ProgramType, Role
from deflection.roles import OVERDOSE_RECORDING_ROLES

WORKFLOW = ProgramType.QUICK_RESPONSE_TEAM

# The role sets live with the menu's (deflection.roles), so a page and its link cannot disagree.
RECORDING_ROLES = OVERDOSE_RECORDING_ROLES
LEDGER_ROLES = OVERDOSE_RECORDING_ROLES


def running(queryset: QuerySet[Program]) -> QuerySet[Program]:
    return queryset.filter(program_types__contains=[WORKFLOW])


def programs_for_recording(user) -> QuerySet[Program]:
    if not (user.has_role(*RECORDING_ROLES) or user.is_superuser):
        return Program.objects.none()
    return running(programs_for(user)).order_by("name")


def programs_for_team(user) -> QuerySet[Program]:
    """QRT programs whose outreach cases the user works: their agency manages the program's cases, or they coordinate it."""
    case_agencies = agency_ids_with_role(user, Role.CASE_MANAGER)
    coordinated = programs_coordinated_by(user).values("pk")
    return running(Program.objects.filter(Q(case_management_agency_id__in=case_agencies) | Q(pk__in=coordinated))).order_by(
        "name"
    )


def programs_for_ledger(user) -> QuerySet[Program]:
    if not (user.has_role(*LEDGER_ROLES) or user.is_superuser):
        return Program.objects.none()
    return running(programs_for(user)).order_by("name")


def get_program_for_team(request, pk) -> Program:
    return get_object_for_user(request, programs_for_team(request.user), pk, "deflection.program")


def get_program_for_ledger(request, pk) -> Program:
    return get_object_for_user(request, programs_for_ledger(request.user), pk, "deflection.program")


def get_program_for_coordinator(request, pk) -> Program:
    return get_object_for_user(request, running(programs_coordinated_by(request.user)), pk, "deflection.program")
